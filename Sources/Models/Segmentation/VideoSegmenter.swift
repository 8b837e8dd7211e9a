import Foundation
import Media
import Tensors

/// Segments whole videos (or folders of numbered frames) with a `FrameGraphSegmenter`, writing one
/// DAVIS-layout mask per decoded frame, in memory that does not grow with the video's length.
///
/// Scheduling: a video of T frames is split into N streams of L = ceil(T / min(framesPerGraph, T))
/// consecutive frames (N = ceil(T / L)) (stream k holds frames kL ..< min((k + 1)L, T)). Step i builds
/// one graph from frame i of every stream — frames i, i + L, i + 2L, ..., spread across the whole
/// video — and keeps the masks of all its nodes, so every frame is segmented exactly once, each in a
/// graph with N - 1 frames from elsewhere in the video, and one graph's cost is shared by N frames.
/// A stream that has run out (the last one may be shorter) repeats its last frame as a reference node.
/// Each stream has its own reader (decoding ahead on a background thread; a stream starting at frame
/// s decodes and drops frames 0 ..< s first), so memory holds about N frames, never the whole video.
/// Each stream's probabilities are smoothed over ±`smoothing` frames (`TemporalSmoother`, bounded
/// buffer), then refined by a per-video colour model learned from the video's own confident pixels
/// (`AppearanceModel`, updated with every frame as it comes out), then thresholded (0.8 by default)
/// and median-filtered (`MaskMedianFilter`, radius height / 96 by default).
/// Masks are encoded and written on a background queue while the next graph runs.
///
/// Outputs (all written under temporary names and renamed when the video is complete):
/// `OUT/<name>/%05d.png` ({0, 255}, video size), optionally `OUT/<name>.prob/%05d.png` (0...255)
/// and `OUT/<name>.mp4` (mask tinted red and outlined in yellow over the video).
public final class VideoSegmenter {
    /// Test-time options.
    public struct Options: Sendable, Equatable {
        /// Nodes per graph N (nil: the model's config).
        public var framesPerGraph: Int?
        /// Average with the mirrored frames.
        public var flip: Bool
        /// Input scales averaged (multiples of the model's input size).
        public var scales: [Double]
        /// Key stride s of the graph's attention: keys and values average-pooled over s x s cells
        /// (`IntraAttention`), so larger inputs stay affordable; 1 is the exact attention of training.
        public var keyStride: Int
        /// Also write probability PNGs.
        public var probabilities: Bool
        /// Also write an overlay video.
        public var overlay: Bool
        /// Temporal smoothing radius r: each frame's probabilities are averaged with those of the r
        /// frames before and after it (`TemporalSmoother`); 0 turns it off.
        public var smoothing: Int
        /// Weight w of the per-video colour model (`AppearanceModel`); 0 turns it off.
        public var appearanceWeight: Float
        /// A pixel is object when its final probability is at least this.
        public var threshold: Float
        /// Radius r of the median filter applied to each mask ((2r + 1)^2 window, `MaskMedianFilter`);
        /// nil: `MaskMedianFilter.defaultRadius` of the video's height; 0 turns it off.
        public var medianRadius: Int?

        public init(framesPerGraph: Int? = nil, flip: Bool = false, scales: [Double] = Options.defaultScales,
                    keyStride: Int = Options.defaultKeyStride, probabilities: Bool = false, overlay: Bool = false,
                    smoothing: Int = Options.defaultSmoothing, appearanceWeight: Float = Options.defaultAppearanceWeight,
                    threshold: Float = Options.defaultThreshold, medianRadius: Int? = nil) {
            self.framesPerGraph = framesPerGraph
            self.flip = flip
            self.scales = scales
            self.keyStride = keyStride
            self.probabilities = probabilities
            self.overlay = overlay
            self.smoothing = smoothing
            self.appearanceWeight = appearanceWeight
            self.threshold = threshold
            self.medianRadius = medianRadius
        }

        /// Default input scale: 1.5 x the model's input size. The models are trained on random crops that
        /// zoom in up to 1.43x, so objects look larger in training than in a whole frame at 1x; testing
        /// at a higher resolution matches them again (the train-test resolution discrepancy of FixRes,
        /// Touvron et al., NeurIPS 2019). Chosen on the cross-validation folds (README, segmentation).
        public static let defaultScales: [Double] = [1.5]
        /// Default key stride of the attention at test time (3 keeps 1.5x inputs within the speed budget).
        public static let defaultKeyStride = 3
        /// Default temporal smoothing radius (frames on each side).
        public static let defaultSmoothing = 2
        /// Default weight of the per-video colour model (README, segmentation: chosen on the cross-validation folds,
        /// with 32 colour levels per channel; 1.5 was the choice at 16 levels).
        public static let defaultAppearanceWeight: Float = 2.5
        /// Default mask threshold. The training loss weights object pixels by negatives / positives, which
        /// inflates the probabilities of a video's few object pixels; 0.8 was chosen on the cross-validation folds.
        public static let defaultThreshold: Float = 0.8
    }

    /// The models whose probabilities are averaged (one, or an ensemble of models that share their input).
    public let models: [FrameGraphSegmenter]
    /// The first model: its config sets the input size, channels and default frames per graph.
    public var model: FrameGraphSegmenter { models[0] }
    public let options: Options

    public init(model: FrameGraphSegmenter, options: Options = Options()) {
        self.models = [model]
        self.options = options
    }

    /// An ensemble: every graph goes through each model and their probabilities are averaged (before
    /// smoothing, the colour model and the threshold), as ensembles of independently trained networks
    /// are combined (e.g. the test-time averaging of DeepLab or AGNN's multi-scale inference, over
    /// models instead of scales). The models must take the same input: size, RGB and motion channels
    /// (with the same motion flow, `motion_warp`).
    public init(models: [FrameGraphSegmenter], options: Options = Options()) throws {
        guard let first = models.first else { throw ModelLoadError(path: "", reason: "an ensemble needs at least one model") }
        for (k, other) in models.enumerated().dropFirst() {
            let a = first.config, b = other.config
            guard a.width == b.width, a.height == b.height, a.inputChannels == b.inputChannels,
                  a.architecture.rgb == b.architecture.rgb, a.architecture.motion == b.architecture.motion,
                  a.architecture.motionWarp == b.architecture.motionWarp else {
                throw ModelLoadError(path: b.name, reason: "cannot join an ensemble with \(a.name): model \(k + 1) takes \(b.width)x\(b.height) input with \(b.inputChannels) channels (motion flow \(b.architecture.motionWarp.rawValue)), the first \(a.width)x\(a.height) with \(a.inputChannels) (\(a.architecture.motionWarp.rawValue))")
            }
        }
        self.models = models
        self.options = options
    }

    /// Output folder name of an input: `path/name.mp4` -> `name`, a frame folder `path/name/` -> `name`.
    public static func name(of input: String) -> String {
        let url = URL(fileURLWithPath: input)
        return url.pathExtension.isEmpty ? url.lastPathComponent : url.deletingPathExtension().lastPathComponent
    }

    /// Model input size for a W x H video: about the config's pixel count, aspect kept, multiples of 8.
    public static func inputSize(width: Int, height: Int, config: SegmentationConfig) -> (width: Int, height: Int) {
        let s = (Double(config.width * config.height) / Double(width * height)).squareRoot()
        return (roundedTo8(Double(width) * s), roundedTo8(Double(height) * s))
    }

    /// A model input size times `scale`, rounded to multiples of 8 (at least 16).
    public static func scaledSize(width: Int, height: Int, scale: Double) -> (width: Int, height: Int) {
        (roundedTo8(Double(width) * scale), roundedTo8(Double(height) * scale))
    }

    /// `v` rounded to the nearest multiple of 8, at least 16 (the backbone's stride, and room for its stages).
    static func roundedTo8(_ v: Double) -> Int { max(16, Int((v / 8).rounded()) * 8) }

    /// Stream count and frames per stream for a video of `total` frames: L = ceil(T / min(n, T)) and
    /// N = ceil(T / L) (so no stream is empty, e.g. T = 4, n = 3 gives 2 streams of 2).
    public static func schedule(total: Int, framesPerGraph n: Int) -> (streams: Int, length: Int) {
        let t = max(1, total)
        let length = (t + max(1, min(n, t)) - 1) / max(1, min(n, t))
        return ((t + length - 1) / length, length)
    }

    /// Segments `url` into `outFolder/<name>/`; returns the number of masks written.
    /// `progress(done, total)` is called after each graph.
    /// A damaged video may hold fewer decodable frames than its header says: the header count is tried
    /// first, and when a stream runs short the decodable frames are counted and the video is redone.
    public func segment(_ url: URL, outFolder: URL, progress: ((Int, Int) -> Void)? = nil) throws -> Int {
        let meta = try VideoReader.probe(url)
        if !meta.frameCountIsEstimate && meta.frameCount > 0 {
            do {
                return try segment(url, meta: meta, total: meta.frameCount, outFolder: outFolder, progress: progress)
            } catch is StreamEndedEarly {}
        }
        return try segment(url, meta: meta, total: try VideoReader.countFrames(url), outFolder: outFolder, progress: progress)
    }

    private func segment(_ url: URL, meta: VideoMetadata, total: Int, outFolder: URL, progress: ((Int, Int) -> Void)?) throws -> Int {
        let cfg = model.config
        let name = Self.name(of: url.path)
        guard total > 0 else { throw MediaError.decodeFailed(path: url.path, reason: "no frame could be decoded") }
        let (bw, bh) = Self.inputSize(width: meta.width, height: meta.height, config: cfg)
        let sizes = options.scales.map { Self.scaledSize(width: bw, height: bh, scale: $0) }
        let (n, length) = Self.schedule(total: total, framesPerGraph: options.framesPerGraph ?? cfg.frames)

        let fm = FileManager.default
        let finalFolder = outFolder.appendingPathComponent(name)
        let tmpFolder = outFolder.appendingPathComponent(".\(name).tmp-\(getpid())")
        let probFinal = outFolder.appendingPathComponent(name + ".prob")
        let probTmp = outFolder.appendingPathComponent(".\(name).prob.tmp-\(getpid())")
        let overlayFinal = outFolder.appendingPathComponent(name + ".mp4")
        try? fm.removeItem(at: tmpFolder); try? fm.removeItem(at: probTmp)
        try fm.createDirectory(at: tmpFolder, withIntermediateDirectories: true)
        if options.probabilities { try fm.createDirectory(at: probTmp, withIntermediateDirectories: true) }
        var completed = false
        defer {
            if !completed { try? fm.removeItem(at: tmpFolder); try? fm.removeItem(at: probTmp) }
        }

        var streams = try (0..<n).map { k in
            try FrameStream(url: url, start: k * length, end: min((k + 1) * length, total), sizes: sizes, rgb: cfg.architecture.rgb, motion: cfg.architecture.motion,
                            motionWarp: cfg.architecture.motionWarp)
        }
        let writer = MaskWriteQueue(maxPending: 2 * n)
        var smoothers = [TemporalSmoother](repeating: TemporalSmoother(radius: options.smoothing), count: n)
        // Frames waiting for their smoothed map (at most 2r + 1 per stream), for the colour model.
        var pendingImages = [[Int: RGBImage]](repeating: [:], count: n)
        var appearance = AppearanceModel(weight: options.appearanceWeight)
        let useAppearance = options.appearanceWeight != 0
        let threshold = options.threshold
        let medianRadius = options.medianRadius
        var written = 0
        /// Queues frame `index`'s mask (and probability PNG) of a `w` x `h` probability map (stream `k`).
        func write(stream k: Int, index: Int, probabilities map: [Float], width w: Int, height h: Int) throws {
            let file = String(format: "%05d.png", index)
            let maskURL = tmpFolder.appendingPathComponent(file)
            let probURL = options.probabilities ? probTmp.appendingPathComponent(file) : nil
            // The colour model learns from this frame first, then a snapshot of it refines the frame.
            let colour: (image: RGBImage, table: [Float])? = useAppearance ? pendingImages[k].removeValue(forKey: index).map { frame in
                appearance.accumulate(image: frame, probabilities: map)
                return (frame, appearance.logOddsTable())
            } : nil
            try writer.submit {
                let p = colour.map { AppearanceModel.refine(image: $0.image, probabilities: map, table: $0.table) } ?? map
                let mask = MaskMedianFilter.apply(p.map { $0 >= threshold ? 255 : 0 }, width: w, height: h, radius: medianRadius ?? MaskMedianFilter.defaultRadius(height: h))
                try PNGCodec.write(GrayImage(width: w, height: h, pixels: mask), to: maskURL)
                if let probURL {
                    try PNGCodec.write(GrayImage(width: w, height: h, pixels: p.map { UInt8(max(0, min(255, ($0 * 255).rounded()))) }),
                                       to: probURL)
                }
            }
            written += 1
        }
        progress?(0, total)
        for _ in 0..<length {
            var active: [Bool] = []
            for k in 0..<n { active.append(try streams[k].advance()) }
            var sums = [[Float]](repeating: [], count: n)   // n x [H * W] probability sums at video size
            for (s, size) in sizes.enumerated() {
                let plane = size.width * size.height
                let batch = Tensor(streams.flatMap { $0.inputs[s] }, shape: [n, cfg.inputChannels, size.height, size.width])   // [N, C_in, h, w]
                let mirrored = options.flip
                    ? Tensor(Self.mirror(batch.data, width: size.width, height: size.height, channelsPerFrame: cfg.inputChannels, horizontalMotionChannel: cfg.horizontalMotionChannel),
                             shape: batch.shape)
                    : nil
                var probs = [Float](repeating: 0, count: n * size.height * size.width)   // [N * h * w], mean over models and views
                let views = Float(models.count * (options.flip ? 2 : 1))
                for member in models {
                    let p = GradMode.disabled { member(batch, keyStride: options.keyStride).sigmoid() }.data
                    for i in probs.indices { probs[i] += p[i] / views }
                    if let mirrored {
                        let back = Self.mirror(GradMode.disabled { member(mirrored, keyStride: options.keyStride).sigmoid() }.data, width: size.width, height: size.height,
                                               channelsPerFrame: 1)
                        for i in probs.indices { probs[i] += back[i] / views }
                    }
                }
                for k in 0..<n where active[k] {
                    let p = Array(probs[(k * plane)..<((k + 1) * plane)])
                    let up = OpticalFlow.resizePlane(p, width: size.width, height: size.height, toWidth: streams[k].width, toHeight: streams[k].height)
                    if sums[k].isEmpty { sums[k] = up } else { for i in up.indices { sums[k][i] += up[i] } }
                }
            }
            for k in 0..<n where active[k] {
                let scale = 1 / Float(sizes.count)
                let mean = sums[k].map { $0 * scale }                     // [H * W] probabilities at video size
                if useAppearance { pendingImages[k][streams[k].index] = streams[k].image }
                for frame in smoothers[k].push(index: streams[k].index, map: mean) {
                    try write(stream: k, index: frame.index, probabilities: frame.map, width: streams[k].width, height: streams[k].height)
                }
            }
            progress?(written, total)
        }
        for k in 0..<n {
            for frame in smoothers[k].flush() {
                try write(stream: k, index: frame.index, probabilities: frame.map, width: streams[k].width, height: streams[k].height)
            }
        }
        progress?(written, total)
        try writer.finish()
        streams = []
        guard written == total else {
            throw MediaError.decodeFailed(path: url.path, reason: "decoded \(written) frames, expected \(total)")
        }
        if options.overlay {
            try Self.writeOverlay(url, masks: tmpFolder, count: total, to: overlayFinal, fps: meta.fps)
        }
        try? fm.removeItem(at: finalFolder)
        try fm.moveItem(at: tmpFolder, to: finalFolder)
        if options.probabilities {
            try? fm.removeItem(at: probFinal)
            try fm.moveItem(at: probTmp, to: probFinal)
        }
        completed = true
        return written
    }

    /// Re-decodes the video in order and writes each frame with its mask tinted and outlined.
    static func writeOverlay(_ url: URL, masks: URL, count: Int, to output: URL, fps: Double) throws {
        let reader = try VideoReader(url: url)
        let writer = try VideoWriter(url: output, width: reader.outputWidth, height: reader.outputHeight, fps: fps > 0 ? fps : 24)
        var done = false
        defer { if !done { writer.abort() } }
        var index = 0
        while index < count, let frame = try reader.nextFrame() {
            let mask = try PNGCodec.readGray(masks.appendingPathComponent(String(format: "%05d.png", index)))
            try writer.append(overlay(frame.image, mask: mask))
            index += 1
        }
        try writer.finish()
        done = true
    }

    /// Mirrors every `[H, W]` plane of a `[N, C, H, W]` buffer (`C = channelsPerFrame`); the horizontal
    /// motion plane (dx, channel `horizontalMotionChannel` of each frame, e.g. 3 for RGB + motion) is negated.
    public static func mirror(_ data: [Float], width: Int, height: Int, channelsPerFrame: Int, horizontalMotionChannel: Int? = nil) -> [Float] {
        let plane = width * height, planes = data.count / plane
        var out = data
        for c in 0..<planes {
            let sign: Float = (horizontalMotionChannel == c % channelsPerFrame) ? -1 : 1
            let base = c * plane
            for y in 0..<height {
                let row = base + y * width
                for x in 0..<width { out[row + x] = sign * data[row + width - 1 - x] }
            }
        }
        return out
    }

    /// The frame with the mask tinted red (50 %) and its boundary drawn in yellow.
    public static func overlay(_ image: RGBImage, mask: GrayImage) -> RGBImage {
        var out = image
        let w = image.width, h = image.height
        guard mask.width == w, mask.height == h else { return out }
        for y in 0..<h {
            for x in 0..<w {
                let i = y * w + x
                guard mask.pixels[i] != 0 else { continue }
                let edge = x == 0 || y == 0 || x == w - 1 || y == h - 1 || mask.pixels[i - 1] == 0 || mask.pixels[i + 1] == 0
                    || mask.pixels[i - w] == 0 || mask.pixels[i + w] == 0
                if edge {
                    out.pixels[3 * i] = 255; out.pixels[3 * i + 1] = 230; out.pixels[3 * i + 2] = 0
                } else {
                    out.pixels[3 * i] = UInt8((Int(image.pixels[3 * i]) + 255) / 2)
                    out.pixels[3 * i + 1] = image.pixels[3 * i + 1] / 2
                    out.pixels[3 * i + 2] = image.pixels[3 * i + 2] / 2
                }
            }
        }
        return out
    }
}

/// One of the N frame streams of `VideoSegmenter`: frames `start ..< end` of a video, read in order,
/// each turned into the model input (RGB plus the motion cue from the frame before) at every scale.
struct FrameStream {
    let reader: VideoReader
    let path: String
    let end: Int
    let sizes: [(width: Int, height: Int)]
    let rgb: Bool
    let motion: Bool
    let motionWarp: OpticalFlow.Warp
    /// Index of the frame in `inputs` (the last one read).
    private(set) var index: Int
    /// Model inputs `[C_in, h, w]` of the current frame, per scale (kept when the stream has run out).
    private(set) var inputs: [[Float]]
    /// RGB `[3, h, w]` of the previous frame per scale (motion).
    private var previous: [[Float]?]
    /// The current frame as decoded (video size).
    private(set) var image = RGBImage(width: 1, height: 1)
    private(set) var width = 0, height = 0

    init(url: URL, start: Int, end: Int, sizes: [(width: Int, height: Int)], rgb: Bool = true, motion: Bool,
         motionWarp: OpticalFlow.Warp = .pixelwise) throws {
        reader = try VideoReader(url: url, options: VideoReaderOptions(threads: 1))
        path = url.path
        self.end = end
        self.sizes = sizes
        self.rgb = rgb
        self.motion = motion
        self.motionWarp = motionWarp
        index = start - 1
        inputs = []
        previous = [[Float]?](repeating: nil, count: sizes.count)
        width = reader.outputWidth; height = reader.outputHeight
        // Decode and drop frames before `start`; the last of them is the previous frame for motion.
        var skipped = 0
        var last: RGBImage?
        while skipped < start {
            guard let frame = try reader.nextFrame() else {
                throw StreamEndedEarly()
            }
            if skipped == start - 1 { last = frame.image }
            skipped += 1
        }
        if motion, let last { previous = sizes.map { SegmentationClip.chw(last, width: $0.width, height: $0.height) } }
    }

    /// Reads the next frame of the stream; false (inputs unchanged) when the stream has run out.
    mutating func advance() throws -> Bool {
        guard index + 1 < end else {
            if inputs.isEmpty { throw MediaError.decodeFailed(path: path, reason: "stream of frames ..<\(end) is empty") }
            return false
        }
        guard let frame = try reader.nextFrame() else {
            throw StreamEndedEarly()
        }
        index += 1
        image = frame.image
        width = frame.image.width; height = frame.image.height
        inputs = sizes.enumerated().map { s, size in
            let x = SegmentationClip.chw(frame.image, width: size.width, height: size.height)   // [3, h, w]
            defer { previous[s] = x }
            return (rgb ? x : []) + (motion ? MotionCue.fromFrames(previous: previous[s], current: x, width: size.width, height: size.height, warp: motionWarp) : [])
        }
        return true
    }
}

/// A frame stream found fewer frames than the count it was planned with (handled by a recount).
struct StreamEndedEarly: LocalizedError {
    var errorDescription: String? { "the video ended before the frame count it reported (damaged file)" }
}

/// A serial background queue for mask encoding and writing with a bound on pending work; the first
/// error is rethrown by `submit` or `finish`.
final class MaskWriteQueue: @unchecked Sendable {
    private let queue = DispatchQueue(label: "vidgraph.segment.write")
    private let slots: DispatchSemaphore
    private let lock = NSLock()
    private var failure: Error?

    init(maxPending: Int) { slots = DispatchSemaphore(value: max(1, maxPending)) }

    func submit(_ work: @escaping () throws -> Void) throws {
        try rethrow()
        slots.wait()
        queue.async {
            defer { self.slots.signal() }
            do { try work() } catch {
                self.lock.lock(); if self.failure == nil { self.failure = error }; self.lock.unlock()
            }
        }
    }

    /// Waits for all submitted work.
    func finish() throws {
        queue.sync {}
        try rethrow()
    }

    private func rethrow() throws {
        lock.lock(); defer { lock.unlock() }
        if let failure { throw failure }
    }
}
