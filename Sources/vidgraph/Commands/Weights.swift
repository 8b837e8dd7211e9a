import ArgumentParser
import Foundation
import Models

/// `vidgraph weights`: operations on model files.
struct Weights: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "weights",
        abstract: "Operations on model files (.safetensors).",
        subcommands: [Average.self])

    /// `vidgraph weights average A.safetensors B.safetensors ... --out AVG.safetensors`.
    struct Average: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "average",
            abstract: "Average model files of one architecture into one model (stochastic weight averaging).",
            discussion: """
            Writes the element-wise mean of every tensor: w = (1/n) sum_i w_i. Typical inputs are the \
            per-epoch snapshots of one run (`snapshots: true` in a segmentation config writes \
            OUT/epochs/epoch-NNN.safetensors), e.g. the second half of its epochs (SWA, Izmailov et al. \
            2018), or runs of one config under several seeds. The output keeps the first file's config \
            and metadata and lists its inputs in `averaged_from`; it is written only when complete.
            """)

        @Argument(help: "Model files (at least one; same kind, tensor names and shapes).")
        var inputs: [String]

        @Option(help: "Output model file.")
        var out: String

        func run() throws {
            guard !inputs.isEmpty else { throw ValidationError("give at least one model file") }
            let urls = inputs.map { URL(fileURLWithPath: $0) }
            let command = (["vidgraph"] + CommandLine.arguments.dropFirst()).joined(separator: " ")
            try ModelAveraging.write(urls, to: URL(fileURLWithPath: out), command: command)
            printError("weights: averaged \(urls.count) model file\(urls.count == 1 ? "" : "s") into \(out)")
        }
    }
}
