import Dispatch
import Foundation
import Tensors

/// Classifies many clips with one model or an ensemble: videos are decoded ahead of inference
/// (`DecodePipeline`, `jobs` threads), their sampled windows are batched, and each batch is split
/// across `threads` single-threaded workers (one thread pool instead of OpenBLAS's and ours
/// oversubscribing the cores). Per clip, the softmax of every view (temporal clip x spatial crop) and
/// of every model is averaged, p = (1 / (M V)) sum_m sum_v softmax(f_m(x_v)), and the top-k labels kept. Results arrive in input order, failures included (a clip that cannot be decoded or
/// whose true label is not a class of the model becomes an error record and the batch goes on).
///
/// This is `vidgraph classify` without the argument parsing, the input list and the output file.
public struct BatchClassifier {
    /// One clip to classify.
    public struct Input: Sendable {
        public var path: String
        public var url: URL
        /// The true label, when known (adds `label` and `correct` to the record).
        public var label: String?

        public init(path: String, url: URL? = nil, label: String? = nil) {
            self.path = path
            self.url = url ?? URL(fileURLWithPath: path)
            self.label = label
        }
    }

    /// Counts over one run.
    public struct Summary: Equatable, Sendable {
        public var clips = 0
        public var failures = 0
        public var labelled = 0
        public var correct = 0
        public var accuracy: Double? { labelled > 0 ? Double(correct) / Double(labelled) : nil }
    }

    /// The models whose probabilities are averaged (one, or an ensemble sharing labels and input).
    public let models: [any ClipClassifier]
    public var model: any ClipClassifier { models[0] }
    public let labels: [String]
    public var sampler: ClipSampler
    public var topK: Int
    /// Decoding threads working ahead of inference.
    public var jobs: Int = 2
    /// Inference workers per batch (each single-threaded).
    public var threads: Int = 2
    /// Clip windows per inference batch.
    public var batchSize: Int = 32

    public init(model: any ClipClassifier, labels: [String], sampler: ClipSampler, topK: Int = 5) {
        self.init(models: [model], labels: labels, sampler: sampler, topK: topK)
    }

    /// An ensemble: every model sees the same windows (so they must share the sampler's frames and
    /// size, and `labels` in one order); their probabilities are averaged with equal weights.
    public init(models: [any ClipClassifier], labels: [String], sampler: ClipSampler, topK: Int = 5) {
        precondition(!models.isEmpty, "BatchClassifier needs at least one model")
        self.models = models
        self.labels = labels
        self.sampler = sampler
        self.topK = topK
    }

    /// Classifies `inputs`, handing each record to `emit` in input order; `progress(done, summary)`
    /// follows every decoded clip. Sets `ComputeThreads.count` to 1 for the run (the workers are the
    /// parallelism) and restores it afterwards.
    public func run(_ inputs: [Input], emit: (PredictionRecord) throws -> Void,
                    progress: (Int, Summary) -> Void = { _, _ in }) throws -> Summary {
        let savedThreads = ComputeThreads.count
        ComputeThreads.count = 1
        defer { ComputeThreads.count = savedThreads }
        var sampler = self.sampler
        sampler.decoderThreads = 1
        let views = sampler.viewsPerVideo
        let perBatch = max(1, batchSize / views)
        let pipeline = DecodePipeline(urls: inputs.map(\.url), sampler: sampler, jobs: max(1, jobs))
        var summary = Summary()
        // Failed clips wait in `pending` too (frames nil, an error), so records keep the input order.
        var pending: [(input: Input, frames: [Float]?, error: String?)] = []
        var pendingClips = 0

        func flush() throws {
            guard !pending.isEmpty else { return }
            let probabilities = classifyWindows(pending.compactMap(\.frames), sampler: sampler)   // [clips * V, classes]
            let c = labels.count, k = min(topK, c)
            var row = 0
            for p in pending {
                guard p.frames != nil else {
                    try emit(PredictionRecord(path: p.input.path, error: p.error ?? "failed"))
                    continue
                }
                var mean = [Float](repeating: 0, count: c)
                for v in 0..<views { for j in 0..<c { mean[j] += probabilities[(row * views + v) * c + j] / Float(views) } }
                row += 1
                let order = (0..<c).sorted { mean[$0] > mean[$1] || (mean[$0] == mean[$1] && $0 < $1) }.prefix(k)
                var record = PredictionRecord(path: p.input.path, labels: order.map { labels[$0] }, scores: order.map { mean[$0] })
                if let truth = p.input.label {
                    record.label = truth
                    record.correct = order.first.map { labels[$0] } == truth
                    summary.labelled += 1
                    if record.correct == true { summary.correct += 1 }
                }
                try emit(record)
            }
            pending.removeAll()
            pendingClips = 0
        }

        for (index, input) in inputs.enumerated() {
            switch pipeline.result(at: index) {
            case .success(let frames):
                if let truth = input.label, !labels.contains(truth) {
                    summary.failures += 1
                    pending.append((input, nil, "label '\(truth)' is not a class of the model"))
                } else {
                    pending.append((input, frames, nil))
                    pendingClips += 1
                    if pendingClips >= perBatch { try flush() }
                }
            case .failure(let error):
                summary.failures += 1
                pending.append((input, nil, (error as? LocalizedError)?.errorDescription ?? "\(error)"))
            }
            summary.clips = index + 1
            progress(index + 1, summary)
        }
        try flush()
        return summary
    }

    /// Softmax probabilities `[clips * V, classes]` for the windows of `clips` videos (each `[V, T, 1, S, S]`
    /// flattened), averaged over the models, the rows split across `threads` workers that each run
    /// the models without a tape.
    func classifyWindows(_ clips: [[Float]], sampler: ClipSampler) -> [Float] {
        guard !clips.isEmpty else { return [] }
        let s = sampler.size, t = sampler.frames, views = sampler.viewsPerVideo
        let clipSize = t * s * s
        var buffer: [Float] = []
        buffer.reserveCapacity(clips.count * views * clipSize)
        for c in clips { buffer += c }
        let rows = clips.count * views
        let workers = max(1, min(threads, clips.count))
        let per = (clips.count + workers - 1) / workers * views             // rows per worker (whole clips)
        let parts = ProbabilityParts(count: workers)
        let models = self.models
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            let lo = min(rows, w * per), hi = min(rows, lo + per)
            guard hi > lo else { return }
            let input = Tensor(Array(buffer[(lo * clipSize)..<(hi * clipSize)]), shape: [hi - lo, t, 1, s, s])   // [rows, T, 1, S, S]
            var mean: [Float] = []                                              // [rows, classes]
            for model in models {
                let logits = GradMode.disabled { model.logits(input) }         // no tape (the mode is per thread)
                let p = logits.softmax(axis: -1).data
                if mean.isEmpty { mean = p } else { for i in mean.indices { mean[i] += p[i] } }
            }
            if models.count > 1 { let scale = 1 / Float(models.count); for i in mean.indices { mean[i] *= scale } }
            parts.set(w, mean)
        }
        return parts.joined()
    }
}

/// Per-worker probability blocks, joined in worker order.
private final class ProbabilityParts: @unchecked Sendable {
    private var parts: [[Float]]
    private let lock = NSLock()
    init(count: Int) { parts = Array(repeating: [], count: count) }
    func set(_ index: Int, _ value: [Float]) { lock.lock(); parts[index] = value; lock.unlock() }
    func joined() -> [Float] { parts.flatMap { $0 } }
}
