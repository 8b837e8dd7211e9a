/// The size frames are converted to.
public enum FrameSize: Equatable, Sendable {
    /// The coded size of the video.
    case original
    /// Exactly `width` x `height` (aspect not kept).
    case exact(width: Int, height: Int)
    /// The longer side becomes `maxSide` (never upscaled past it), aspect kept, each side at least 1.
    case fit(maxSide: Int)

    /// The output size for a `width` x `height` source.
    public func resolve(width: Int, height: Int) -> (width: Int, height: Int) {
        switch self {
        case .original:
            return (width, height)
        case .exact(let w, let h):
            return (w, h)
        case .fit(let m):
            let longer = max(width, height)
            let s = Double(m) / Double(longer)
            return (max(1, Int((Double(width) * s).rounded())), max(1, Int((Double(height) * s).rounded())))
        }
    }
}

/// How a `VideoReader` decodes, samples and converts frames.
public struct VideoReaderOptions: Equatable, Sendable {
    /// Output size of converted frames.
    public var size: FrameSize = .original
    /// Decoder threads (FFmpeg thread_count; frame + slice threading).
    public var threads: Int = 2
    /// swscale slice threads for conversion; nil uses `threads` (as ffmpeg's scale filter uses its filter threads).
    public var scaleThreads: Int? = nil
    /// Decode on a background thread up to 2 frames ahead, so conversion and the caller's work overlap decoding.
    public var decodeAhead: Bool = true
    /// Keep every k-th decoded frame (counted from the first frame in the time range); 1 keeps all.
    public var every: Int = 1
    /// Keep frames at about this rate (frames per second of video time); nil keeps the source rate.
    public var targetFPS: Double? = nil
    /// Start of the time range in seconds (the reader seeks there); nil starts at the beginning.
    public var start: Double? = nil
    /// End of the time range in seconds (exclusive); nil reads to the end.
    public var end: Double? = nil
    /// Stop after this many returned frames; nil for no limit.
    public var maxFrames: Int? = nil
    /// Ask the decoder to export motion vectors (needed for `VideoReader.motionField`).
    public var exportMotionVectors: Bool = false
    /// Frame rate assumed for folders of numbered images (DAVIS is 24 fps).
    public var imageSequenceFPS: Double = 24

    public init(size: FrameSize = .original, threads: Int = 2, every: Int = 1, targetFPS: Double? = nil,
                start: Double? = nil, end: Double? = nil, maxFrames: Int? = nil,
                exportMotionVectors: Bool = false, imageSequenceFPS: Double = 24, scaleThreads: Int? = nil,
                decodeAhead: Bool = true) {
        self.size = size
        self.threads = threads
        self.every = every
        self.targetFPS = targetFPS
        self.start = start
        self.end = end
        self.maxFrames = maxFrames
        self.exportMotionVectors = exportMotionVectors
        self.imageSequenceFPS = imageSequenceFPS
        self.scaleThreads = scaleThreads
        self.decodeAhead = decodeAhead
    }

    /// Checks the options; throws `MediaError.invalidArgument` naming the bad one.
    func validate() throws {
        if threads < 0 || threads > 64 { throw MediaError.invalidArgument("threads must be in 0...64 (got \(threads))") }
        if let t = scaleThreads, t < 1 || t > 64 { throw MediaError.invalidArgument("scale threads must be in 1...64 (got \(t))") }
        if every < 1 { throw MediaError.invalidArgument("every must be >= 1 (got \(every))") }
        if let f = targetFPS, !(f > 0 && f.isFinite) { throw MediaError.invalidArgument("target fps must be > 0 (got \(f))") }
        if let s = start, !(s >= 0 && s.isFinite) { throw MediaError.invalidArgument("start must be >= 0 (got \(s))") }
        if let e = end, !(e >= 0) { throw MediaError.invalidArgument("end must be >= 0 (got \(e))") }
        if let s = start, let e = end, e <= s { throw MediaError.invalidArgument("end (\(e)) must be after start (\(s))") }
        if let m = maxFrames, m < 0 { throw MediaError.invalidArgument("max frames must be >= 0 (got \(m))") }
        if !(imageSequenceFPS > 0 && imageSequenceFPS.isFinite) {
            throw MediaError.invalidArgument("image sequence fps must be > 0 (got \(imageSequenceFPS))")
        }
        switch size {
        case .original: break
        case .exact(let w, let h):
            if !MediaLimits.accepts(width: w, height: h) { throw MediaError.invalidArgument("output size \(w)x\(h) is invalid") }
        case .fit(let m):
            if m < 1 || m > MediaLimits.maxSide { throw MediaError.invalidArgument("fit size \(m) is invalid") }
        }
    }
}
