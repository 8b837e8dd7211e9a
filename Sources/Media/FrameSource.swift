import CFFmpeg

/// The demuxer + decoder pair behind a `VideoReader`: turns packets of one stream into decoded frames.
///
/// Used from one thread at a time (the reader's, or its decode-ahead thread while that runs).
final class FrameSource {
    let path: String
    private(set) var format: UnsafeMutablePointer<AVFormatContext>?
    let codec: OwnedCodecContext
    let streamIndex: Int32
    private let packet = OwnedPacket()
    private var flushing = false
    private(set) var finished = false
    /// Packets or frames the decoder rejected so far.
    private(set) var decodeErrors = 0

    /// Takes ownership of `format` (closed on deinit).
    init(path: String, format: UnsafeMutablePointer<AVFormatContext>, codec: OwnedCodecContext, streamIndex: Int32) {
        self.path = path
        self.format = format
        self.codec = codec
        self.streamIndex = streamIndex
    }

    deinit {
        avformat_close_input(&format)
    }

    /// Decodes the next frame of the stream into `f`; false at the end (or after unrecoverable corruption).
    func decode(into f: UnsafeMutablePointer<AVFrame>) throws -> Bool {
        if finished { return false }
        let ctx = codec.pointer
        let eagain = vg_averror_eagain(), eof = vg_averror_eof()
        var consecutiveErrors = 0
        while true {
            let r = avcodec_receive_frame(ctx, f)
            if r >= 0 {
                let w = Int(f.pointee.width), h = Int(f.pointee.height)
                guard MediaLimits.accepts(width: w, height: h) else {
                    av_frame_unref(f)
                    finished = true
                    throw MediaError.invalidSize(path: path, width: w, height: h)
                }
                return true
            }
            if r == eof {
                finished = true
                return false
            }
            if r != eagain {
                decodeErrors += 1
                consecutiveErrors += 1
                if consecutiveErrors > 64 { finished = true; return false }
                if flushing { continue }
            }
            if flushing {
                // EAGAIN while draining should not happen; end rather than spin.
                finished = true
                return false
            }
            let pkt = packet.pointer
            let rr = av_read_frame(format, pkt)
            if rr < 0 {
                // End of file, truncated or unreadable data: drain what the decoder holds.
                if rr != eof { decodeErrors += 1 }
                flushing = true
                _ = avcodec_send_packet(ctx, nil)
                continue
            }
            defer { av_packet_unref(pkt) }
            if pkt.pointee.stream_index != streamIndex { continue }
            let s = avcodec_send_packet(ctx, pkt)
            if s < 0, s != eagain {
                decodeErrors += 1
                consecutiveErrors += 1
                if consecutiveErrors > 64 { flushing = true; _ = avcodec_send_packet(ctx, nil) }
            }
        }
    }

    /// Seeks the demuxer to `timestamp` (stream time base, key frame at or before) and flushes the decoder.
    /// Returns FFmpeg's result; on failure falls back to `fallback` (the stream start) and returns that result negated to 1.
    func seek(to timestamp: Int64, fallback: Int64) -> (ok: Bool, exact: Bool, error: Int32) {
        var exact = true
        var ret = av_seek_frame(format, streamIndex, timestamp, vg_seek_backward())
        if ret < 0 {
            let r2 = avformat_seek_file(format, streamIndex, Int64.min, fallback, fallback, 0)
            if r2 < 0 { return (false, false, ret) }
            exact = false
            ret = r2
        }
        avcodec_flush_buffers(codec.pointer)
        flushing = false
        finished = false
        return (true, exact, ret)
    }
}
