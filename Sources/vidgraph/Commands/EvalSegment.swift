import ArgumentParser
import Datasets
import Evaluation
import Foundation
import Media

/// `vidgraph eval segment`: DAVIS J&F of predicted mask folders against ground truth.
struct EvalSegment: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "segment",
        abstract: "DAVIS J&F (official davis2017-evaluation semantics) of PRED/<seq>/<frame>.png masks.",
        discussion: """
        The ground truth is a DAVIS root (Annotations/480p/<seq>/) or a folder of sequence folders. \
        Every annotated frame is scored (unsupervised / zero-shot protocol) unless --skip-first-last \
        is given (semi-supervised protocol). A missing prediction frame is an empty mask (warned on \
        stderr and counted in the JSON). Measures are printed and written in percent.
        """)

    @Option(help: "Folder of predicted sequence folders (PRED/<seq>/00000.png ...).")
    var pred: String

    @Option(help: "Ground truth: a DAVIS root or a folder of sequence folders.")
    var gt: String

    @Option(help: "Comma-separated sequence names (default: every ground-truth sequence).")
    var sequences: String?

    @Option(help: "Write the JSON summary here (percent).")
    var json: String?

    @Option(help: "Write per-frame scores here (sequence,frame,J,F,missing; fractions 0-1).")
    var csv: String?

    @Option(help: "Write a self-contained HTML report here.")
    var report: String?

    @Option(help: "Frames behind the report thumbnails: a DAVIS root or a folder of <seq>/ frame folders (default: JPEGImages/480p beside the annotations).")
    var images: String?

    @Option(help: "Boundary tolerance as a fraction of the image diagonal (or pixels when >= 1).")
    var boundThreshold: Double = DAVISMetrics.defaultBoundThreshold

    @Flag(help: "Exclude the first and last frame of each sequence (semi-supervised protocol).")
    var skipFirstLast = false

    @Option(help: "Worker threads.")
    var threads: Int = 2

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
        guard boundThreshold > 0 else { throw ValidationError("--bound-threshold must be positive") }
        if boundThreshold >= 1 && boundThreshold != boundThreshold.rounded() {
            throw ValidationError("--bound-threshold in pixels must be a whole number")
        }
    }

    func run() throws {
        let names = sequences?.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let options = SegmentationEvaluation.Options(boundThreshold: boundThreshold, threads: threads, skipFirstAndLast: skipFirstLast)
        let gtURL = URL(fileURLWithPath: gt)
        let result = try SegmentationEvaluation.evaluate(
            predictions: URL(fileURLWithPath: pred), groundTruth: gtURL, sequences: names, options: options,
            warn: { printError($0) })
        print(result.table())
        if let json { try AtomicFile.write(result.jsonData(), to: URL(fileURLWithPath: json)) }
        if let csv { try AtomicFile.write(result.csv(), to: URL(fileURLWithPath: csv)) }
        if let report {
            let frames = EvalSegment.frameFolder(images: images.map { URL(fileURLWithPath: $0) }, groundTruth: gtURL)
            let loader: (String, String) -> RGBImage? = { seq, frame in
                guard let frames else { return nil }
                return EvalSegment.loadFrame(folder: frames.appendingPathComponent(seq), name: frame)
            }
            try SegmentationReport(result: result, frameImage: loader).write(to: URL(fileURLWithPath: report))
        }
        if result.missingPredictions > 0 {
            printError("warning: \(result.missingPredictions) prediction frames missing in total, scored as empty masks")
        }
    }

    /// The folder of per-sequence frame folders: `--images` (a DAVIS root or the folder itself), else
    /// `JPEGImages/480p` beside the ground-truth annotations when present.
    static func frameFolder(images: URL?, groundTruth: URL) -> URL? {
        let fm = FileManager.default
        if let images {
            let inner = images.appendingPathComponent("JPEGImages/480p")
            return fm.fileExists(atPath: inner.path) ? inner : images
        }
        let candidates = [groundTruth.appendingPathComponent("JPEGImages/480p"),
                          groundTruth.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("JPEGImages/480p")]
        return candidates.first { fm.fileExists(atPath: $0.path) }
    }

    /// Reads one frame image (`<name>.png` with PNGCodec, else `<name>.jpg` through FFmpeg's image
    /// demuxer), or nil when unavailable.
    static func loadFrame(folder: URL, name: String) -> RGBImage? {
        let fm = FileManager.default
        let png = folder.appendingPathComponent(name + ".png")
        if fm.fileExists(atPath: png.path) { return try? PNGCodec.readRGB(png) }
        for ext in ["jpg", "jpeg"] {
            let url = folder.appendingPathComponent(name + "." + ext)
            guard fm.fileExists(atPath: url.path) else { continue }
            var options = VideoReaderOptions()
            options.threads = 1
            options.maxFrames = 1
            return (try? VideoReader(url: url, options: options).nextFrame())??.image
        }
        return nil
    }
}
