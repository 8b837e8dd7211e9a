import ArgumentParser
import Datasets
import Evaluation
import Foundation

/// `vidgraph eval classify`: top-1 / top-5 accuracy, per-class accuracy and confusion of clip labels.
struct EvalClassify: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "classify",
        abstract: "Accuracy of `vidgraph classify` JSONL predictions against a path,label CSV.",
        discussion: """
        Predictions are JSON lines {"path": ..., "labels": [best first], "scores": [...]}; lines with \
        "error" count as failures (wrong). Ground truth rows are path,label (a header row is allowed); \
        clips are matched by path, then by file name. Clips without a prediction count as wrong.
        """)

    @Option(help: "Predictions (JSON lines).")
    var pred: String

    @Option(help: "Ground truth CSV: path,label.")
    var gt: String

    @Option(help: "Write the full metrics (with the confusion matrix) here as JSON.")
    var json: String?

    @Option(help: "k of the top-k accuracy.")
    var topK: Int = 5

    func validate() throws {
        guard topK >= 1 else { throw ValidationError("--top-k must be at least 1") }
    }

    func run() throws {
        let predictions = try ClassificationPrediction.readJSONLines(URL(fileURLWithPath: pred))
        let truth = try LabeledClip.readCSV(URL(fileURLWithPath: gt))
        guard !truth.isEmpty else { throw EvaluationError.noSequences(gt) }
        let m = ClassificationMetrics(predictions: predictions, groundTruth: truth, k: topK)
        print(m.summary())
        if let json { try AtomicFile.write(m.jsonData(), to: URL(fileURLWithPath: json)) }
        if m.missing > 0 { printError("warning: \(m.missing) ground-truth clips have no prediction (counted as wrong)") }
        if m.failures > 0 { printError("warning: \(m.failures) clips failed in the classifier (counted as wrong)") }
    }
}
