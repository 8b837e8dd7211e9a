import Datasets
import Dispatch
import Foundation
import Media

/// DAVIS evaluation of predicted mask folders against ground-truth mask folders.
///
/// Layouts: predictions are `PRED/<seq>/<frame>.png` (as `vidgraph segment` writes them); the ground
/// truth is a DAVIS root (`Annotations/480p/<seq>/`) or a folder of sequence folders. Frames are the
/// ground-truth PNGs; the prediction with the same file name is scored against each. A missing
/// prediction is an empty mask (and is counted); a prediction of another size is an error.
///
/// Protocol: by default every annotated frame is scored, as davis2017-evaluation does for its
/// unsupervised task (the setting of zero-shot segmentation, and of single-object DAVIS-2016-style
/// evaluation of a binary mask per frame). `skipFirstAndLast` drops the first and last annotated
/// frame of each sequence, as davis2017-evaluation does for the semi-supervised task (the first
/// frame's mask is given to the method there). Sequence statistics follow `SequenceStatistics`; the
/// overall J and F are the means over sequences of the per-sequence means (and likewise for
/// recall and decay), and J&F is the mean of the two (official `evaluation_method.py`).
public enum SegmentationEvaluation {
    /// Settings of an evaluation run.
    public struct Options: Sendable {
        /// The F measure's boundary tolerance (fraction of the diagonal, or pixels when >= 1).
        public var boundThreshold: Double
        /// Worker threads for the per-frame work.
        public var threads: Int
        /// Drop the first and last annotated frame of each sequence (semi-supervised protocol).
        public var skipFirstAndLast: Bool

        /// Makes options; the defaults are the official unsupervised protocol on 2 threads.
        public init(boundThreshold: Double = DAVISMetrics.defaultBoundThreshold, threads: Int = 2, skipFirstAndLast: Bool = false) {
            self.boundThreshold = boundThreshold
            self.threads = threads
            self.skipFirstAndLast = skipFirstAndLast
        }
    }

    /// The folder of per-sequence annotation folders inside a ground-truth argument.
    public static func annotationFolder(groundTruth: URL) -> URL {
        DAVISDataset.isDAVISRoot(groundTruth) && FileManager.default.fileExists(
            atPath: groundTruth.appendingPathComponent("Annotations/480p").path)
            ? groundTruth.appendingPathComponent("Annotations").appendingPathComponent("480p") : groundTruth
    }

    /// Evaluates every ground-truth sequence (or the listed ones) against the predictions.
    ///
    /// - Parameter warn: receives one line per sequence with missing prediction frames.
    /// - Throws: `EvaluationError` for missing folders, unknown sequences, unreadable PNGs and size
    ///   mismatches (naming the file).
    public static func evaluate(
        predictions: URL, groundTruth: URL, sequences requested: [String]? = nil,
        options: Options = Options(), warn: (String) -> Void = { _ in }
    ) throws -> SegmentationResult {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: predictions.path, isDirectory: &isDir), isDir.boolValue else {
            throw EvaluationError.missingFolder(predictions.path)
        }
        guard fm.fileExists(atPath: groundTruth.path, isDirectory: &isDir), isDir.boolValue else {
            throw EvaluationError.missingFolder(groundTruth.path)
        }
        let gtRoot = annotationFolder(groundTruth: groundTruth)
        let available = (try? fm.contentsOfDirectory(atPath: gtRoot.path))?.filter { name in
            var d: ObjCBool = false
            return !name.hasPrefix(".") && fm.fileExists(atPath: gtRoot.appendingPathComponent(name).path, isDirectory: &d) && d.boolValue
        }.sorted() ?? []
        let names: [String]
        if let requested, !requested.isEmpty {
            for s in requested where !available.contains(s) { throw EvaluationError.unknownSequence(s, root: gtRoot.path) }
            names = requested
        } else {
            names = available
        }

        // Collect the frame jobs of all sequences.
        struct Job { var sequence: Int; var gt: URL; var pred: URL; var name: String }
        var jobs = [Job]()
        var frameCounts = [Int]()
        for (si, seq) in names.enumerated() {
            let folder = gtRoot.appendingPathComponent(seq)
            var frames = ((try? fm.contentsOfDirectory(atPath: folder.path)) ?? [])
                .filter { $0.lowercased().hasSuffix(".png") && !$0.hasPrefix(".") }.sorted()
            if options.skipFirstAndLast { frames = frames.count > 2 ? Array(frames.dropFirst().dropLast()) : [] }
            frameCounts.append(frames.count)
            for f in frames {
                jobs.append(Job(sequence: si, gt: folder.appendingPathComponent(f),
                                pred: predictions.appendingPathComponent(seq).appendingPathComponent(f),
                                name: String(f.dropLast(4))))
            }
        }
        if jobs.isEmpty { throw EvaluationError.noSequences(gtRoot.path) }

        // Score the frames on `threads` workers (strided split of the job list).
        var scores = [FrameScore?](repeating: nil, count: jobs.count)
        var errors = [Error?](repeating: nil, count: jobs.count)
        let threads = max(1, min(options.threads, jobs.count))
        scores.withUnsafeMutableBufferPointer { scoreBuf in
            errors.withUnsafeMutableBufferPointer { errorBuf in
                let s = scoreBuf, e = errorBuf
                DispatchQueue.concurrentPerform(iterations: threads) { t in
                    let workspace = MeasureWorkspace()
                    var i = t
                    while i < jobs.count {
                        do {
                            s[i] = try scoreFrame(prediction: jobs[i].pred, groundTruth: jobs[i].gt, name: jobs[i].name,
                                                  boundThreshold: options.boundThreshold, workspace: workspace)
                        } catch {
                            e[i] = error
                        }
                        i += threads
                    }
                }
            }
        }
        if let first = errors.compactMap({ $0 }).first { throw first }

        var result = [SequenceScore]()
        var start = 0
        for (si, seq) in names.enumerated() {
            let frames = scores[start..<(start + frameCounts[si])].map { $0! }
            start += frameCounts[si]
            let missing = frames.filter(\.predictionMissing)
            if !missing.isEmpty {
                let shown = missing.prefix(3).map { $0.name + ".png" }.joined(separator: ", ")
                warn("warning: \(predictions.appendingPathComponent(seq).path): \(missing.count) of \(frames.count) prediction frames missing (\(shown)\(missing.count > 3 ? ", ..." : "")), counted as empty masks")
            }
            result.append(SequenceScore(name: seq, frames: frames,
                                        groundTruthFolder: gtRoot.appendingPathComponent(seq),
                                        predictionFolder: predictions.appendingPathComponent(seq)))
        }
        return SegmentationResult(sequences: result, options: options)
    }

    /// Scores one frame: reads both masks (a missing prediction is empty) and computes J and F.
    public static func scoreFrame(prediction: URL, groundTruth: URL, name: String,
                                  boundThreshold: Double = DAVISMetrics.defaultBoundThreshold) throws -> FrameScore {
        try scoreFrame(prediction: prediction, groundTruth: groundTruth, name: name, boundThreshold: boundThreshold,
                       workspace: MeasureWorkspace())
    }

    /// `scoreFrame` with a caller-owned workspace (one per thread).
    static func scoreFrame(prediction: URL, groundTruth: URL, name: String, boundThreshold: Double,
                           workspace: MeasureWorkspace) throws -> FrameScore {
        let gt: GrayImage
        do { gt = try PNGCodec.readGray(groundTruth) } catch {
            throw EvaluationError.unreadable(groundTruth.path, error.localizedDescription)
        }
        var pred: GrayImage
        var missing = false
        if FileManager.default.fileExists(atPath: prediction.path) {
            do { pred = try PNGCodec.readGray(prediction) } catch {
                throw EvaluationError.unreadable(prediction.path, error.localizedDescription)
            }
            guard pred.width == gt.width, pred.height == gt.height else {
                throw EvaluationError.sizeMismatch(prediction: prediction.path, predictionSize: "\(pred.width)x\(pred.height)",
                                                   groundTruthSize: "\(gt.width)x\(gt.height)")
            }
        } else {
            pred = GrayImage(width: gt.width, height: gt.height)
            missing = true
        }
        let (j, f) = DAVISMetrics.frameMeasures(prediction: pred, groundTruth: gt, boundThreshold: boundThreshold,
                                                workspace: workspace)
        return FrameScore(name: name, j: j, f: f, predictionMissing: missing)
    }
}

/// The scores of one frame (fractions in 0...1).
public struct FrameScore: Equatable, Sendable {
    /// The frame name without extension (`00000`).
    public var name: String
    /// Region similarity J.
    public var j: Double
    /// Boundary measure F.
    public var f: Double
    /// Whether the prediction file was missing (scored as an empty mask).
    public var predictionMissing: Bool

    /// Makes a frame score.
    public init(name: String, j: Double, f: Double, predictionMissing: Bool = false) {
        self.name = name
        self.j = j
        self.f = f
        self.predictionMissing = predictionMissing
    }
}

/// The scores of one sequence: its frames and their J and F statistics.
public struct SequenceScore: Sendable {
    /// The sequence name.
    public var name: String
    /// Per-frame scores, in frame order.
    public var frames: [FrameScore]
    /// Statistics of the per-frame J values.
    public var j: SequenceStatistics
    /// Statistics of the per-frame F values.
    public var f: SequenceStatistics
    /// Where the ground-truth and predicted masks of this sequence are.
    public var groundTruthFolder: URL
    public var predictionFolder: URL

    /// Number of frames whose prediction was missing.
    public var missingPredictions: Int { frames.filter(\.predictionMissing).count }

    /// Summarises frame scores.
    public init(name: String, frames: [FrameScore], groundTruthFolder: URL, predictionFolder: URL) {
        self.name = name
        self.frames = frames
        self.j = SequenceStatistics(perFrame: frames.map(\.j))
        self.f = SequenceStatistics(perFrame: frames.map(\.f))
        self.groundTruthFolder = groundTruthFolder
        self.predictionFolder = predictionFolder
    }
}
