import CFFmpeg

/// A cached swscale context converting pictures of one geometry/format to another.
///
/// The context is rebuilt only when the source or destination geometry, format or colour
/// details change, so per-frame conversion allocates nothing.
final class Scaler {
    private var context: OpaquePointer?
    private var key: [Int32] = []
    /// swscale algorithm flags (SWS_BICUBIC by default, as ffmpeg's scale filter).
    let flags: Int32

    init(flags: Int32 = Int32(SWS_BICUBIC)) {
        self.flags = flags
    }

    deinit {
        sws_freeContext(context)
    }

    /// Returns a context for the conversion, reusing the cached one when nothing changed.
    /// `colorspace` is an AVColorSpace raw value; `srcFull`/`dstFull` whether each side is full range
    /// (RGB and gray are full; YUV video usually limited).
    func context(srcWidth: Int32, srcHeight: Int32, srcFormat: AVPixelFormat,
                 dstWidth: Int32, dstHeight: Int32, dstFormat: AVPixelFormat,
                 colorspace: Int32, srcFull: Bool, dstFull: Bool = true) -> OpaquePointer? {
        let k: [Int32] = [srcWidth, srcHeight, srcFormat.rawValue, dstWidth, dstHeight, dstFormat.rawValue,
                          colorspace, srcFull ? 1 : 0, dstFull ? 1 : 0]
        if k == key, let context { return context }
        sws_freeContext(context)
        context = sws_getContext(srcWidth, srcHeight, srcFormat, dstWidth, dstHeight, dstFormat,
                                 flags, nil, nil, nil)
        key = context == nil ? [] : k
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
