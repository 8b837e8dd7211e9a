import CFFmpeg
import Foundation

/// Decodes a video file (anything FFmpeg demuxes) or a folder of numbered images frame by frame.
///
/// Frames stream one at a time with bounded memory: the reader keeps one packet, one decoded
/// frame and one cached swscale context. Sampling (every k-th frame, target fps, time range,
/// max frames) is applied before conversion, so skipped frames cost only decoding.
/// Corrupt data after the first frames ends the stream early instead of failing: frames decoded
/// before the corruption are returned and `decodeErrors` counts what was skipped.
/// A reader is not thread-safe; use one per thread.
public final class VideoReader {
    /// Container metadata of the input.
    public let metadata: VideoMetadata
    /// The options the reader was opened with.
    public let options: VideoReaderOptions
    /// Width of converted frames.
    public let outputWidth: Int
    /// Height of converted frames.
    public let outputHeight: Int
    /// Packets or frames the decoder rejected so far (corrupt data).
    public var decodeErrors: Int { ahead?.decodeErrors ?? source.decodeErrors }
    /// Information about the most recently returned frame.
    public private(set) var lastFrameInfo: FrameInfo?

    let path: String
    private let source: FrameSource
    /// Background decoding (options.decodeAhead), started on the first read, stopped by seek and deinit.
    private var ahead: DecodeAhead?
    private let stream: UnsafeMutablePointer<AVStream>
    /// The last decoded frame (kept for motion vectors until the next decode).
    let frame = OwnedFrame()
    private let scaler: Scaler
    /// `[outputHeight * outputWidth * 3]` scratch for the float path.
    private var scratch: [UInt8] = []
    private let timeBase: Double
    private let startTime: Int64
    /// Set when the time range ends (the source may still hold frames).
    private var finished = false
    /// Source frame index of the next decoded frame (nil right after a seek: derived from timestamps).
    private var nextIndex: Int? = 0
    // Sampling state.
    private var firstKeptIndex: Int?
    private var nextKeepTime: Double?
    private var returned = 0
    private var seekTarget: Double?

    /// Opens `url` (a video file or a folder of numbered images) with `options`.
    public init(url: URL, options: VideoReaderOptions = VideoReaderOptions()) throws {
        MediaLog.configure()
        try options.validate()
        self.options = options
        let path = url.path
        self.path = path
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw MediaError.fileNotFound(path: path)
        }
        var sequence: ImageSequence?
        var fmt: UnsafeMutablePointer<AVFormatContext>?
        var ret: Int32
        if isDir.boolValue {
            let seq = try ImageSequence.detect(in: url)
            sequence = seq
            let first = seq.folder.appendingPathComponent(seq.firstName)
            if let size = ImageHeader.size(of: first), !MediaLimits.accepts(width: size.width, height: size.height) {
                throw MediaError.invalidSize(path: path, width: size.width, height: size.height)
            }
            var dict: OpaquePointer?
            av_dict_set(&dict, "pattern_type", "sequence", 0)
            av_dict_set(&dict, "start_number", String(seq.startNumber), 0)
            av_dict_set(&dict, "framerate", String(options.imageSequenceFPS), 0)
            ret = avformat_open_input(&fmt, seq.fullPattern, av_find_input_format("image2"), &dict)
            av_dict_free(&dict)
        } else {
            if let size = ImageHeader.size(of: url), !MediaLimits.accepts(width: size.width, height: size.height) {
                throw MediaError.invalidSize(path: path, width: size.width, height: size.height)
            }
            ret = avformat_open_input(&fmt, path, nil, nil)
        }
        guard ret >= 0, let fmt else {
            throw MediaError.unreadable(path: path, reason: avErrorString(ret))
        }
        var owned: UnsafeMutablePointer<AVFormatContext>? = fmt
        var ok = false
        defer { if !ok { avformat_close_input(&owned) } }

        // Refuse absurd sizes before stream probing decodes anything.
        for i in 0..<Int(fmt.pointee.nb_streams) {
            let par = fmt.pointee.streams[i]!.pointee.codecpar.pointee
            if par.codec_type == AVMEDIA_TYPE_VIDEO, par.width != 0 || par.height != 0,
               !MediaLimits.accepts(width: Int(par.width), height: Int(par.height)) {
                throw MediaError.invalidSize(path: path, width: Int(par.width), height: Int(par.height))
            }
        }
        // Stream probing decodes a few frames: cap the picture size its decoders may allocate.
        let streamCount = Int(fmt.pointee.nb_streams)
        var probeOptions = [OpaquePointer?](repeating: nil, count: max(1, streamCount))
        for i in 0..<streamCount { av_dict_set(&probeOptions[i], "max_pixels", String(MediaLimits.maxPixels), 0) }
        ret = probeOptions.withUnsafeMutableBufferPointer { avformat_find_stream_info(fmt, $0.baseAddress) }
        for i in 0..<streamCount { av_dict_free(&probeOptions[i]) }
        guard ret >= 0 else { throw MediaError.unreadable(path: path, reason: avErrorString(ret)) }

        // Pick the best video stream that is not an attached picture (cover art).
        var index: Int32 = -1
        var decoder: UnsafePointer<AVCodec>?
        ret = av_find_best_stream(fmt, AVMEDIA_TYPE_VIDEO, -1, -1, &decoder, 0)
        if ret >= 0, fmt.pointee.streams[Int(ret)]!.pointee.disposition & AV_DISPOSITION_ATTACHED_PIC == 0 {
            index = ret
        } else {
            for i in 0..<Int(fmt.pointee.nb_streams) {
                let st = fmt.pointee.streams[i]!.pointee
                if st.codecpar.pointee.codec_type == AVMEDIA_TYPE_VIDEO, st.disposition & AV_DISPOSITION_ATTACHED_PIC == 0 {
                    index = Int32(i)
                    decoder = avcodec_find_decoder(st.codecpar.pointee.codec_id)
                    break
                }
            }
        }
        guard index >= 0 else {
            if sequence != nil { throw MediaError.noImages(path: path) }
            throw MediaError.noVideoStream(path: path)
        }
        let stream = fmt.pointee.streams[Int(index)]!
        let par = stream.pointee.codecpar!
        let codecName = String(cString: avcodec_get_name(par.pointee.codec_id))
        guard let decoder else { throw MediaError.unsupportedCodec(path: path, codec: codecName) }
        let width = Int(par.pointee.width), height = Int(par.pointee.height)
        guard MediaLimits.accepts(width: width, height: height) else {
            throw MediaError.invalidSize(path: path, width: width, height: height)
        }
        guard let ctx = OwnedCodecContext(codec: decoder) else {
            throw MediaError.decodeFailed(path: path, reason: "cannot allocate decoder")
        }
        ret = avcodec_parameters_to_context(ctx.pointer, par)
        guard ret >= 0 else { throw MediaError.decodeFailed(path: path, reason: avErrorString(ret)) }
        ctx.pointer.pointee.thread_count = Int32(options.threads)
        ctx.pointer.pointee.thread_type = vg_thread_frame_slice()
        ctx.pointer.pointee.pkt_timebase = stream.pointee.time_base
        ctx.pointer.pointee.max_pixels = Int64(MediaLimits.maxPixels)
        if options.exportMotionVectors {
            ctx.pointer.pointee.flags2 |= vg_flag2_export_mvs()
        }
        ret = avcodec_open2(ctx.pointer, decoder, nil)
        guard ret >= 0 else { throw MediaError.decodeFailed(path: path, reason: avErrorString(ret)) }

        // Frame rate, duration and frame count.
        let tb = stream.pointee.time_base
        timeBase = tb.den != 0 ? Double(tb.num) / Double(tb.den) : 0
        startTime = stream.pointee.start_time == vg_nopts_value() ? 0 : stream.pointee.start_time
        var fps = Self.rate(stream.pointee.avg_frame_rate) ?? Self.rate(stream.pointee.r_frame_rate) ?? 0
        if let seq = sequence { fps = options.imageSequenceFPS; _ = seq }
        var duration = 0.0
        if stream.pointee.duration != vg_nopts_value(), stream.pointee.duration > 0 {
            duration = Double(stream.pointee.duration) * timeBase
        } else if fmt.pointee.duration != vg_nopts_value(), fmt.pointee.duration > 0 {
            duration = Double(fmt.pointee.duration) / Double(vg_time_base())
        }
        var frames = 0
        var estimate = false
        if let seq = sequence {
            frames = seq.count
            duration = Double(seq.count) / fps
        } else if stream.pointee.nb_frames > 0 {
            frames = Int(stream.pointee.nb_frames)
        } else if duration > 0, fps > 0 {
            frames = Int((duration * fps).rounded())
            estimate = true
        } else {
            estimate = true
        }
        if duration == 0, fps > 0, frames > 0 { duration = Double(frames) / fps }
        metadata = VideoMetadata(
            path: path, width: width, height: height, fps: fps, frameCount: frames, frameCountIsEstimate: estimate,
            duration: duration, codec: codecName,
            pixelFormat: String(cString: vg_pix_fmt_name(par.pointee.format)),
            rotation: vg_stream_rotation(stream), hasVideo: true, isImageSequence: sequence != nil)
        let out = options.size.resolve(width: width, height: height)
        outputWidth = out.width
        outputHeight = out.height
        scaler = Scaler(threads: options.scaleThreads ?? options.threads)
        self.stream = stream
        source = FrameSource(path: path, format: fmt, codec: ctx, streamIndex: index)
        ok = true
        if let s = options.start, s > 0 { try seek(to: s) }
    }

    deinit {
        ahead?.stop()
    }

    /// Opens `url` and returns its metadata (container figures; no decoding).
    public static func probe(_ url: URL) throws -> VideoMetadata {
        try VideoReader(url: url, options: VideoReaderOptions(threads: 1)).metadata
    }

    /// Counts the frames of `url` by decoding every one (no conversion).
    public static func countFrames(_ url: URL, threads: Int = 2) throws -> Int {
        let r = try VideoReader(url: url, options: VideoReaderOptions(threads: threads))
        var n = 0
        while try r.decodeNextKept() != nil { n += 1 }
        if n == 0 { throw MediaError.decodeFailed(path: url.path, reason: "no frame could be decoded") }
        return n
    }

    private static func rate(_ r: AVRational) -> Double? {
        guard r.num > 0, r.den > 0 else { return nil }
        let v = Double(r.num) / Double(r.den)
        return v.isFinite && v < 10000 ? v : nil
    }

    // MARK: - Reading

    /// The next sampled frame as a new RGB image, or nil at the end.
    public func nextFrame() throws -> VideoFrame? {
        var image = RGBImage(width: outputWidth, height: outputHeight)
        guard let info = try nextFrame(into: &image) else { return nil }
        return VideoFrame(info: info, image: image)
    }

    /// Decodes the next sampled frame into `image` (resized to the output size if needed; no allocation
    /// when it already has that size). Returns nil at the end.
    public func nextFrame(into image: inout RGBImage) throws -> FrameInfo? {
        guard let info = try decodeNextKept() else { return nil }
        if image.width != outputWidth || image.height != outputHeight {
            image = RGBImage(width: outputWidth, height: outputHeight)
        }
        let ow = outputWidth
        try image.pixels.withUnsafeMutableBufferPointer { buf in
            try convertCurrent(to: buf.baseAddress!, stride: ow * 3)
        }
        return info
    }

    /// Decodes the next sampled frame as planar float RGB in 0...1 into `buffer`
    /// (`[3, outputHeight, outputWidth]`, CHW, R first; at least that many elements). Returns nil at the end.
    /// (A buffer pointer, not a plain pointer, so that `&array` cannot silently bind here.)
    public func nextFrame(intoCHW target: UnsafeMutableBufferPointer<Float>) throws -> FrameInfo? {
        let plane = outputWidth * outputHeight
        guard target.count >= 3 * plane, let buffer = target.baseAddress else {
            throw MediaError.invalidArgument("CHW buffer holds \(target.count) floats, needs 3x\(outputHeight)x\(outputWidth)")
        }
        guard let info = try decodeNextKept() else { return nil }
        if scratch.count != plane * 3 { scratch = [UInt8](repeating: 0, count: plane * 3) }
        let ow = outputWidth
        try scratch.withUnsafeMutableBufferPointer { buf in
            let src = buf.baseAddress!
            try convertCurrent(to: src, stride: ow * 3)
            let r = buffer, g = buffer + plane, b = buffer + 2 * plane
            let scale: Float = 1.0 / 255.0
            for i in 0..<plane {
                r[i] = Float(src[3 * i]) * scale
                g[i] = Float(src[3 * i + 1]) * scale
                b[i] = Float(src[3 * i + 2]) * scale
            }
        }
        return info
    }

    /// Decodes the next sampled frame as planar float RGB into `buffer` (resized to `3 * H * W` if needed).
    public func nextFrame(intoCHW buffer: inout [Float]) throws -> FrameInfo? {
        let n = 3 * outputWidth * outputHeight
        if buffer.count != n { buffer = [Float](repeating: 0, count: n) }
        return try buffer.withUnsafeMutableBufferPointer { try nextFrame(intoCHW: $0) }
    }

    /// Reads all remaining sampled frames, calling `body` for each.
    public func forEachFrame(_ body: (VideoFrame) throws -> Void) throws {
        while let f = try nextFrame() { try body(f) }
    }

    /// Repositions the reader so that the next frame is the first one at or after `seconds`.
    /// Sampling restarts from there (every-k and target-fps count from the new position; max frames does not reset).
    public func seek(to seconds: Double) throws {
        guard seconds.isFinite, seconds >= 0 else { throw MediaError.invalidArgument("seek time must be >= 0 (got \(seconds))") }
        let ts = startTime + Int64(seconds / max(timeBase, 1e-12))
        ahead?.stop()
        ahead = nil
        let result = source.seek(to: ts, fallback: startTime)
        guard result.ok else {
            throw MediaError.decodeFailed(path: path, reason: "cannot seek: \(avErrorString(result.error))")
        }
        // After a fallback to the start, indices count from 0; else they follow the timestamps.
        nextIndex = (!result.exact || seconds == 0) ? 0 : nil
        finished = false
        seekTarget = seconds
        firstKeptIndex = nil
        nextKeepTime = nil
    }

    // MARK: - Decoding loop

    /// Decodes until a frame that passes the sampling options is in `frame`; nil at the end.
    func decodeNextKept() throws -> FrameInfo? {
        if let m = options.maxFrames, returned >= m { return nil }
        let fps = metadata.fps
        let halfFrame = fps > 0 ? 0.5 / fps : 0.0005
        while let info = try decodeOne() {
            if let t = seekTarget {
                if info.timestamp + halfFrame < t { continue }
                seekTarget = nil
            }
            if let e = options.end, info.timestamp + 1e-9 >= e { finished = true; return nil }
            if firstKeptIndex == nil { firstKeptIndex = info.index }
            if options.every > 1, (info.index - firstKeptIndex!) % options.every != 0 { continue }
            if let target = options.targetFPS {
                if let next = nextKeepTime, info.timestamp + halfFrame * 0.999 < next { continue }
                let base = nextKeepTime ?? info.timestamp
                var next = base + 1 / target
                while next <= info.timestamp + halfFrame * 0.999 { next += 1 / target }
                nextKeepTime = next
            }
            returned += 1
            lastFrameInfo = info
            return info
        }
        return nil
    }

    /// Decodes the next frame of the stream into `frame`; nil at the end (or after unrecoverable corruption).
    private func decodeOne() throws -> FrameInfo? {
        if finished { return nil }
        let got: Bool
        if options.decodeAhead {
            if ahead == nil { ahead = DecodeAhead(source: source) }
            got = try ahead!.next(into: frame.pointer)
        } else {
            got = try source.decode(into: frame.pointer)
        }
        guard got else {
            finished = true
            return nil
        }
        return makeInfo(frame.pointer)
    }

    private func makeInfo(_ f: UnsafeMutablePointer<AVFrame>) -> FrameInfo {
        let fps = metadata.fps
        var t: Double
        let pts = f.pointee.best_effort_timestamp != vg_nopts_value() ? f.pointee.best_effort_timestamp : f.pointee.pts
        if pts != vg_nopts_value() {
            t = Double(pts - startTime) * timeBase
        } else {
            t = fps > 0 ? Double(nextIndex ?? 0) / fps : 0
        }
        if metadata.isImageSequence, fps > 0 {
            // image2 numbers frames 0, 1, 2 ... in units of 1/framerate.
            t = Double(pts == vg_nopts_value() ? (nextIndex ?? 0) : Int(pts - startTime)) / fps
            t = max(0, t)
        }
        let index: Int
        if let n = nextIndex {
            index = n
        } else {
            index = fps > 0 ? max(0, Int((t * fps).rounded())) : 0
        }
        nextIndex = index + 1
        let type = vg_frame_pict_type(f)
        let pictureType = metadata.isImageSequence ? "I" : Character(UnicodeScalar(UInt8(bitPattern: type)))
        return FrameInfo(index: index, timestamp: t, pictureType: pictureType, isKeyFrame: vg_frame_is_key(f) != 0)
    }

    /// Converts the current decoded frame to packed RGB24 at the output size.
    private func convertCurrent(to dst: UnsafeMutablePointer<UInt8>, stride: Int) throws {
        let f = frame.pointer
        let srcFormat = AVPixelFormat(rawValue: f.pointee.format)
        let full = Scaler.isFullRange(format: srcFormat, colorRange: f.pointee.color_range)
        guard let ctx = scaler.context(
            srcWidth: f.pointee.width, srcHeight: f.pointee.height, srcFormat: srcFormat,
            dstWidth: Int32(outputWidth), dstHeight: Int32(outputHeight), dstFormat: AV_PIX_FMT_RGB24,
            colorspace: Int32(f.pointee.colorspace.rawValue), srcFull: full)
        else {
            throw MediaError.decodeFailed(
                path: path, reason: "no conversion from \(String(cString: vg_pix_fmt_name(srcFormat.rawValue))) to rgb24")
        }
        let rows = scaler.scale(ctx, frame: f, rowBytes: outputWidth * 3, rows: outputHeight, into: dst, stride: stride)
        if rows <= 0 { throw MediaError.decodeFailed(path: path, reason: "conversion failed: \(avErrorString(rows))") }
    }
}
