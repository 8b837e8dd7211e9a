import CFFmpeg
import Foundation

/// Encoding quality of a `VideoWriter`.
public enum VideoQuality: Equatable, Sendable {
    /// H.264 CRF 23, yuv420p: small files for previews and sample clips.
    case standard
    /// H.264 CRF 16, yuv420p: visually lossless.
    case high
    /// Mathematically lossless RGB (libx264rgb, QP 0): frames read back exactly. Larger files.
    case lossless
    /// H.264 with an explicit CRF (0...51), yuv420p.
    case crf(Int)
}

/// Encodes RGB frames to an H.264 video (libx264; MPEG-4 Part 2 when x264 is missing).
///
/// The container follows the file extension (mp4 by default; the mp4 index is written at the front). Output goes to a hidden temporary
/// file in the same folder, renamed at `finish()`; `abort()` (or deinit without `finish()`)
/// removes it. Odd frame sizes are encoded as 4:4:4 (4:2:0 needs even sizes).
public final class VideoWriter {
    /// Destination file.
    public let url: URL
    /// Frame width.
    public let width: Int
    /// Frame height.
    public let height: Int
    /// Frames per second.
    public let fps: Double
    /// Encoder actually used (e.g. "libx264", "libx264rgb", "mpeg4").
    public let encoderName: String
    /// Frames appended so far.
    public private(set) var frameCount = 0

    private let tmp: URL
    private var output: UnsafeMutablePointer<AVFormatContext>?
    private let codec: OwnedCodecContext
    private let stream: UnsafeMutablePointer<AVStream>
    private let frame = OwnedFrame()
    /// Padded RGB24 copy of the appended image (swscale input).
    private let source = OwnedFrame()
    private let packet = OwnedPacket()
    private let scaler = Scaler(flags: Int32(SWS_BICUBIC) | Int32(SWS_ACCURATE_RND))
    private var done = false

    /// Creates the encoder and the temporary output file. `threads` > 1 encodes faster, but x264's
    /// output then varies from run to run; the default of 1 gives byte-identical files for identical frames.
    public init(url: URL, width: Int, height: Int, fps: Double, quality: VideoQuality = .standard,
                threads: Int = 1) throws {
        MediaLog.configure()
        let path = url.path
        guard MediaLimits.accepts(width: width, height: height) else {
            throw MediaError.invalidSize(path: path, width: width, height: height)
        }
        guard fps > 0, fps.isFinite, fps <= 1000 else { throw MediaError.invalidArgument("fps must be in (0, 1000] (got \(fps))") }
        self.url = url
        self.width = width
        self.height = height
        self.fps = fps
        tmp = temporarySibling(of: url.pathExtension.isEmpty ? url.appendingPathExtension("mp4") : url)

        // Container from the extension (mp4 if unknown).
        var oc: UnsafeMutablePointer<AVFormatContext>?
        let formatName = av_guess_format(nil, path, nil) != nil ? nil : "mp4"
        var ret = avformat_alloc_output_context2(&oc, nil, formatName, tmp.path)
        guard ret >= 0, let oc else { throw MediaError.encodeFailed(path: path, reason: avErrorString(ret)) }
        var owned: UnsafeMutablePointer<AVFormatContext>? = oc
        var ok = false
        defer { if !ok { avformat_free_context(owned); owned = nil } }

        // Encoder choice.
        var enc: UnsafePointer<AVCodec>?
        var pixFmt = (width % 2 == 0 && height % 2 == 0) ? AV_PIX_FMT_YUV420P : AV_PIX_FMT_YUV444P
        var options: [(String, String)] = []
        switch quality {
        case .lossless:
            if let e = avcodec_find_encoder_by_name("libx264rgb") {
                enc = e; pixFmt = AV_PIX_FMT_BGR0; options = [("qp", "0"), ("preset", "medium")]
            } else if let e = avcodec_find_encoder_by_name("libx264") {
                enc = e; pixFmt = AV_PIX_FMT_YUV444P; options = [("qp", "0"), ("preset", "medium")]
            }
        case .standard, .high, .crf:
            let crf: Int
            switch quality {
            case .high: crf = 16
            case .crf(let c): crf = min(51, max(0, c))
            default: crf = 23
            }
            if let e = avcodec_find_encoder_by_name("libx264") {
                enc = e; options = [("crf", String(crf)), ("preset", "medium")]
            }
        }
        if enc == nil {
            enc = avcodec_find_encoder(AV_CODEC_ID_MPEG4)
            pixFmt = AV_PIX_FMT_YUV420P
            options = []
            guard width % 2 == 0, height % 2 == 0 else {
                throw MediaError.encodeFailed(path: path, reason: "MPEG-4 fallback needs even sizes (got \(width)x\(height))")
            }
        }
        guard let enc, let ctx = OwnedCodecContext(codec: enc) else {
            throw MediaError.encodeFailed(path: path, reason: "no H.264 or MPEG-4 encoder in this FFmpeg build")
        }
        encoderName = String(cString: enc.pointee.name)
        let c = ctx.pointer
        let rate = av_d2q(fps, 100_000)
        c.pointee.width = Int32(width)
        c.pointee.height = Int32(height)
        c.pointee.pix_fmt = pixFmt
        c.pointee.time_base = AVRational(num: rate.den, den: rate.num)
        c.pointee.framerate = rate
        c.pointee.gop_size = 12
        c.pointee.thread_count = Int32(max(1, min(threads, 16)))
        if pixFmt != AV_PIX_FMT_BGR0 {
            c.pointee.color_range = AVCOL_RANGE_MPEG
            c.pointee.colorspace = AVCOL_SPC_BT470BG
        }
        if encoderName == "mpeg4" {
            c.pointee.bit_rate = Int64(max(400_000, width * height * 4))
            c.pointee.max_b_frames = 0
        }
        for (k, v) in options { av_opt_set(c.pointee.priv_data, k, v, 0) }
        if oc.pointee.oformat.pointee.flags & AVFMT_GLOBALHEADER != 0 {
            c.pointee.flags |= AV_CODEC_FLAG_GLOBAL_HEADER
        }
        ret = avcodec_open2(c, enc, nil)
        guard ret >= 0 else { throw MediaError.encodeFailed(path: path, reason: "cannot open \(encoderName): \(avErrorString(ret))") }
        guard let st = avformat_new_stream(oc, nil) else { throw MediaError.encodeFailed(path: path, reason: "cannot add stream") }
        ret = avcodec_parameters_from_context(st.pointee.codecpar, c)
        guard ret >= 0 else { throw MediaError.encodeFailed(path: path, reason: avErrorString(ret)) }
        st.pointee.time_base = c.pointee.time_base
        st.pointee.avg_frame_rate = rate

        // Picture buffer reused for every frame.
        let f = frame.pointer
        f.pointee.width = Int32(width)
        f.pointee.height = Int32(height)
        f.pointee.format = pixFmt.rawValue
        ret = av_frame_get_buffer(f, 0)
        guard ret >= 0 else { throw MediaError.encodeFailed(path: path, reason: avErrorString(ret)) }
        let src = source.pointer
        src.pointee.width = Int32(width)
        src.pointee.height = Int32(height)
        src.pointee.format = AV_PIX_FMT_RGB24.rawValue
        ret = av_frame_get_buffer(src, 0)
        guard ret >= 0 else { throw MediaError.encodeFailed(path: path, reason: avErrorString(ret)) }

        ret = avio_open(&oc.pointee.pb, tmp.path, AVIO_FLAG_WRITE)
        guard ret >= 0 else { throw MediaError.encodeFailed(path: path, reason: "cannot create file: \(avErrorString(ret))") }
        // mp4/mov: index (moov) at the front, so a truncated file still plays up to the cut.
        var muxOptions: OpaquePointer?
        av_dict_set(&muxOptions, "movflags", "+faststart", 0)
        ret = avformat_write_header(oc, &muxOptions)
        av_dict_free(&muxOptions)
        guard ret >= 0 else {
            avio_closep(&oc.pointee.pb)
            try? FileManager.default.removeItem(at: tmp)
            throw MediaError.encodeFailed(path: path, reason: avErrorString(ret))
        }
        codec = ctx
        stream = st
        output = oc
        ok = true
    }

    deinit {
        abort()
    }

    /// Encodes one frame (must be `width` x `height`).
    public func append(_ image: RGBImage) throws {
        guard !done else { throw MediaError.invalidArgument("VideoWriter.append after finish/abort (\(url.path))") }
        guard image.width == width, image.height == height else {
            throw MediaError.invalidArgument("frame \(image.width)x\(image.height) does not match video \(width)x\(height) (\(url.path))")
        }
        let f = frame.pointer
        var ret = av_frame_make_writable(f)
        guard ret >= 0 else { throw MediaError.encodeFailed(path: url.path, reason: avErrorString(ret)) }
        let dstFormat = AVPixelFormat(rawValue: f.pointee.format)
        guard let sws = scaler.context(srcWidth: Int32(width), srcHeight: Int32(height), srcFormat: AV_PIX_FMT_RGB24,
                                       dstWidth: Int32(width), dstHeight: Int32(height), dstFormat: dstFormat,
                                       colorspace: Int32(AVCOL_SPC_BT470BG.rawValue), srcFull: true,
                                       dstFull: dstFormat == AV_PIX_FMT_BGR0)
        else { throw MediaError.encodeFailed(path: url.path, reason: "no rgb24 conversion") }
        // Copy into the padded RGB frame (swscale may read a little past each row), then convert.
        let src = source.pointer
        ret = av_frame_make_writable(src)
        guard ret >= 0 else { throw MediaError.encodeFailed(path: url.path, reason: avErrorString(ret)) }
        let srcData = vg_frame_data(src, 0)!, srcStride = Int(vg_frame_linesize(src, 0))
        image.pixels.withUnsafeBufferPointer { buf in
            for y in 0..<height {
                (srcData + y * srcStride).update(from: buf.baseAddress! + y * width * 3, count: width * 3)
            }
        }
        let rows = vg_sws_scale_frame(sws, src, vg_frame_data(f, 0), vg_frame_linesize(f, 0),
                                      vg_frame_data(f, 1), vg_frame_linesize(f, 1),
                                      vg_frame_data(f, 2), vg_frame_linesize(f, 2))
        guard rows > 0 else { throw MediaError.encodeFailed(path: url.path, reason: "conversion failed: \(avErrorString(rows))") }
        f.pointee.pts = Int64(frameCount)
        ret = avcodec_send_frame(codec.pointer, f)
        guard ret >= 0 else { throw MediaError.encodeFailed(path: url.path, reason: avErrorString(ret)) }
        frameCount += 1
        try drain()
    }

    /// Flushes the encoder, writes the trailer and renames the temporary file to `url`.
    public func finish() throws {
        guard !done else { throw MediaError.invalidArgument("VideoWriter.finish called twice (\(url.path))") }
        do {
            guard frameCount > 0 else { throw MediaError.encodeFailed(path: url.path, reason: "no frames appended") }
            var ret = avcodec_send_frame(codec.pointer, nil)
            guard ret >= 0 else { throw MediaError.encodeFailed(path: url.path, reason: avErrorString(ret)) }
            try drain()
            ret = av_write_trailer(output)
            guard ret >= 0 else { throw MediaError.encodeFailed(path: url.path, reason: avErrorString(ret)) }
            avio_closep(&output!.pointee.pb)
            avformat_free_context(output)
            output = nil
            done = true
            try replaceItem(at: url, with: tmp)
        } catch {
            abort()
            throw error
        }
    }

    /// Stops encoding and removes the temporary file (no-op after `finish()`).
    public func abort() {
        guard !done else { return }
        done = true
        if let oc = output {
            if oc.pointee.pb != nil { avio_closep(&oc.pointee.pb) }
            avformat_free_context(oc)
            output = nil
        }
        try? FileManager.default.removeItem(at: tmp)
    }

    /// Writes every packet the encoder has ready.
    private func drain() throws {
        let pkt = packet.pointer
        while true {
            let r = avcodec_receive_packet(codec.pointer, pkt)
            if r == vg_averror_eagain() || r == vg_averror_eof() { return }
            guard r >= 0 else { throw MediaError.encodeFailed(path: url.path, reason: avErrorString(r)) }
            av_packet_rescale_ts(pkt, codec.pointer.pointee.time_base, stream.pointee.time_base)
            pkt.pointee.stream_index = stream.pointee.index
            let w = av_interleaved_write_frame(output, pkt)
            av_packet_unref(pkt)
            guard w >= 0 else { throw MediaError.encodeFailed(path: url.path, reason: avErrorString(w)) }
        }
    }
}
