import ArgumentParser

/// `vidgraph eval`: evaluation of predictions against ground truth.
struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluate segmentation masks (DAVIS J&F) or classification predictions.",
        subcommands: [EvalSegment.self, EvalClassify.self])
}
