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
        func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
            let fill = String(repeating: " ", count: max(0, width - text.count))
            return right ? fill + text : text + fill
        }
        let nameWidth = max(16, (entries.map { $0.name.count }.max() ?? 0) + 1)   // the longest name and a space
        print([pad("NAME", nameWidth), pad("KIND", 11), pad("PARAMS", 9, right: true), pad("CLASSES", 8, right: true), pad("VAL", 11, right: true), "  TRAINED WITH"].joined(separator: " "))
        for e in entries {
            print([pad(e.name, nameWidth), pad(e.kind, 11), pad(String(e.parameters), 9, right: true), pad(String(e.classes), 8, right: true),
                   pad(e.accuracy ?? "-", 11, right: true), "  " + (e.trainedWith.isEmpty ? "-" : e.trainedWith)].joined(separator: " "))
        }
    }
}
