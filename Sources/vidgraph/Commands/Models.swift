import ArgumentParser
import Foundation
import Models

/// `vidgraph models`: the models embedded in the binary.
struct ListModels: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "List the embedded models (name, kind, parameters, classes, how they were trained).")

    @Flag(help: "One JSON object per model instead of a table.")
    var json = false

    func run() throws {
        let entries = try ModelRegistry.entries()
        if json {
            for e in entries {
                var object: [String: Any] = ["name": e.name, "kind": e.kind, "parameters": e.parameters,
                                             "classes": e.classes, "trained_with": e.trainedWith]
                if let a = e.accuracy {
                    if a.hasPrefix("J&F ") { object["val_jf"] = Double(a.dropFirst(4)) ?? a } else { object["val_accuracy"] = Double(a) ?? a }
                }
                let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
                print(String(decoding: data, as: UTF8.self))
            }
            return
        }
        if entries.isEmpty {
            print("no embedded models (train one with `vidgraph train --config configs/classify-rstg-syncmnist3.yaml`)")
            return
        }
        print(String(format: "%-16@ %-10@ %10@ %8@ %12@  %@", "NAME", "KIND", "PARAMS", "CLASSES", "VAL", "TRAINED WITH"))
        for e in entries {
            print(String(format: "%-16@ %-10@ %10d %8d %12@  %@", e.name, e.kind, e.parameters, e.classes,
                         e.accuracy ?? "-", e.trainedWith.isEmpty ? "-" : e.trainedWith))
        }
    }
}
