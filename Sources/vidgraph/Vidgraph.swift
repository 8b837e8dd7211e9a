import ArgumentParser
import Foundation

/// The `vidgraph` command: a thin layer of subcommands over the library modules.
/// Exit codes: 0 ok, 1 some inputs failed, 2 usage error.
struct Vidgraph: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vidgraph",
        abstract: "Video understanding with space-time graphs: segmentation, classification, training, evaluation.",
        version: "0.1.0",
        subcommands: [Info.self, Segment.self, Classify.self, Train.self, Eval.self, Synth.self, Graph.self, ListModels.self, Weights.self, Bench.self, BenchGraphs.self])
}

/// Exit status for "some inputs failed".
let exitSomeInputsFailed: Int32 = 1
/// Exit status for usage errors (ArgumentParser's 64 is mapped here).
let exitUsage: Int32 = 2

/// Writes one line to standard error.
func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}

@main
enum Main {
    static func main() {
        do {
            var command = try Vidgraph.parseAsRoot()
            try command.run()
        } catch {
            let code = Vidgraph.exitCode(for: error)
            if code == .success {
                Vidgraph.exit(withError: error)  // --help, --version
            }
            if error is ExitCode {
                exit(code.rawValue)
            }
            let message = Vidgraph.fullMessage(for: error)
            if code == .validationFailure {
                printError(message)
                exit(exitUsage)
            }
            printError("error: " + message.replacingOccurrences(of: "Error: ", with: ""))
            exit(code.rawValue == 0 ? 1 : code.rawValue)
        }
    }
}
