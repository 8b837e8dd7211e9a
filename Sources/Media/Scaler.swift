import CFFmpeg

/// A cached swscale context converting pictures of one geometry/format to another.
///
/// The context is rebuilt only when the source or destination geometry, format or colour
/// details change, so per-frame conversion allocates nothing.
final class Scaler {
    private var context: OpaquePointer?
    /// What the cached context converts (a value type: comparing it allocates nothing).
    private struct Key: Equatable {
        var srcWidth, srcHeight, srcFormat, dstWidth, dstHeight, dstFormat, colorspace: Int32
        var srcFull, dstFull: Bool
    }
    private var key: Key?
    /// swscale algorithm flags (SWS_BICUBIC by default, as ffmpeg's scale filter).
    let flags: Int32

    /// swscale slice threads (1: plain sws_scale into the staging buffer).
    let threads: Int
    /// Reference-counted destination frame for threaded scaling (sws_scale_frame needs one).
    private var destination: OwnedFrame?

    init(flags: Int32 = Int32(SWS_BICUBIC), threads: Int = 1) {
        self.flags = flags
        self.threads = max(1, threads)
    }

    /// Padded staging buffer: swscale's SIMD paths may write a little past the end of each row
    /// (and of the picture), so conversions land here first and rows are copied out.
    private var staging: UnsafeMutableRawPointer?
    private var stagingBytes = 0

    deinit {
        sws_freeContext(context)
        staging?.deallocate()
    }

    /// Runs `ctx` on `frame`, writing packed pixels (`rowBytes` per row, `rows` rows) to `dst` with `stride`.
    /// Returns the number of rows swscale produced (<= 0 on failure).
    func scale(_ ctx: OpaquePointer, frame: UnsafePointer<AVFrame>, rowBytes: Int, rows: Int,
               into dst: UnsafeMutablePointer<UInt8>, stride: Int) -> Int32 {
        let paddedStride = (rowBytes + 63) & ~63
        let need = paddedStride * (rows + 4) + 1024
        if need > stagingBytes {
            staging?.deallocate()
            staging = UnsafeMutableRawPointer.allocate(byteCount: need, alignment: 64)
            stagingBytes = need
        }
        if threads > 1, let k = key, frame.pointee.buf.0 != nil {
            return scaleThreaded(ctx, frame: frame, key: k, rowBytes: rowBytes, rows: rows, into: dst, stride: stride)
        }
        let base = staging!.assumingMemoryBound(to: UInt8.self)
        let produced = vg_sws_scale_frame(ctx, frame, base, Int32(paddedStride), nil, 0, nil, 0)
        if produced > 0 {
            for y in 0..<rows {
                (dst + y * stride).update(from: base + y * paddedStride, count: rowBytes)
            }
        }
        return produced
    }

    /// Slice-threaded conversion through sws_scale_frame into a reusable frame, then rows copied out.
    private func scaleThreaded(_ ctx: OpaquePointer, frame: UnsafePointer<AVFrame>, key k: Key, rowBytes: Int, rows: Int,
                               into dst: UnsafeMutablePointer<UInt8>, stride: Int) -> Int32 {
        if destination == nil || destination!.pointer.pointee.width != k.dstWidth
            || destination!.pointer.pointee.height != k.dstHeight || destination!.pointer.pointee.format != k.dstFormat {
            let f = OwnedFrame()
            f.pointer.pointee.width = k.dstWidth
            f.pointer.pointee.height = k.dstHeight
            f.pointer.pointee.format = k.dstFormat
            guard av_frame_get_buffer(f.pointer, 0) >= 0 else { return -1 }
            destination = f
        }
        let d = destination!.pointer
        let r = sws_scale_frame(ctx, d, frame)
        guard r >= 0 else { return r }
        let base = vg_frame_data(d, 0)!, srcStride = Int(vg_frame_linesize(d, 0))
        for y in 0..<rows {
            (dst + y * stride).update(from: base + y * srcStride, count: rowBytes)
        }
        return Int32(rows)
    }

    /// Returns a context for the conversion, reusing the cached one when nothing changed.
    /// `colorspace` is an AVColorSpace raw value; `srcFull`/`dstFull` whether each side is full range
    /// (RGB and gray are full; YUV video usually limited).
    func context(srcWidth: Int32, srcHeight: Int32, srcFormat: AVPixelFormat,
                 dstWidth: Int32, dstHeight: Int32, dstFormat: AVPixelFormat,
                 colorspace: Int32, srcFull: Bool, dstFull: Bool = true) -> OpaquePointer? {
        let k = Key(srcWidth: srcWidth, srcHeight: srcHeight, srcFormat: srcFormat.rawValue, dstWidth: dstWidth,
                    dstHeight: dstHeight, dstFormat: dstFormat.rawValue, colorspace: colorspace, srcFull: srcFull, dstFull: dstFull)
        if k == key, let context { return context }
        sws_freeContext(context)
        if threads > 1 {
            context = vg_sws_alloc(srcWidth, srcHeight, srcFormat.rawValue, dstWidth, dstHeight, dstFormat.rawValue,
                                   flags, Int32(threads))
        } else {
            context = sws_getContext(srcWidth, srcHeight, srcFormat, dstWidth, dstHeight, dstFormat,
                                     flags, nil, nil, nil)
        }
        key = context == nil ? nil : k
        if let context {
            _ = vg_sws_configure(context, colorspace, srcFull ? 1 : 0, dstFull ? 1 : 0)
        }
        return context
    }

    /// Whether a frame's pixel format and range flag mean full-range (PC) levels.
    static func isFullRange(format: AVPixelFormat, colorRange: AVColorRange) -> Bool {
        switch format {
        case AV_PIX_FMT_YUVJ420P, AV_PIX_FMT_YUVJ422P, AV_PIX_FMT_YUVJ444P, AV_PIX_FMT_YUVJ440P, AV_PIX_FMT_YUVJ411P:
            return true
        case AV_PIX_FMT_GRAY8, AV_PIX_FMT_GRAY16LE, AV_PIX_FMT_GRAY16BE, AV_PIX_FMT_YA8, AV_PIX_FMT_YA16LE, AV_PIX_FMT_YA16BE,
             AV_PIX_FMT_MONOBLACK, AV_PIX_FMT_MONOWHITE, AV_PIX_FMT_PAL8:
            // Image formats hold PC levels unless the file says otherwise.
            return colorRange != AVCOL_RANGE_MPEG
        default:
            return colorRange == AVCOL_RANGE_JPEG
        }
    }
}
