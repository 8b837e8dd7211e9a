import CFFmpeg
import Foundation

/// PNG reading and writing through libavcodec's PNG codec (masks, overlays, fixtures).
///
/// Reading accepts any PNG flavour FFmpeg decodes (gray, gray16, palette, RGB, RGBA) and converts
/// it with swscale; writing stores 8-bit gray or RGB, through a temporary file renamed when complete.
public enum PNGCodec {
    /// Reads a PNG as 8-bit gray (colour images are converted to luma, full range).
    public static func readGray(_ url: URL) throws -> GrayImage {
        let frame = try decode(url)
        let f = frame.pointer
        let w = Int(f.pointee.width), h = Int(f.pointee.height)
        let format = AVPixelFormat(rawValue: f.pointee.format)
        let grayFormats: Set<Int32> = [AV_PIX_FMT_GRAY8, AV_PIX_FMT_GRAY16BE, AV_PIX_FMT_GRAY16LE, AV_PIX_FMT_YA8,
                                       AV_PIX_FMT_YA16BE, AV_PIX_FMT_YA16LE, AV_PIX_FMT_MONOBLACK, AV_PIX_FMT_MONOWHITE]
            .reduce(into: []) { $0.insert($1.rawValue) }
        if !grayFormats.contains(format.rawValue) {
            // Colour/palette: swscale to RGB (exact), then BT.601 full-range luma with exact end points
            // (swscale's own RGB->gray path maps white to 253).
            let rgb = try readRGB(frame: f, path: url.path)
            return rgb.luma()
        }
        var image = GrayImage(width: w, height: h)
        try image.pixels.withUnsafeMutableBufferPointer { buf in
            try convert(f, to: AV_PIX_FMT_GRAY8, dst: buf.baseAddress!, stride: w, path: url.path)
        }
        return image
    }

    /// Reads a PNG as 8-bit RGB (alpha is dropped, gray is replicated).
    public static func readRGB(_ url: URL) throws -> RGBImage {
        let frame = try decode(url)
        return try readRGB(frame: frame.pointer, path: url.path)
    }

    /// Converts a decoded picture to RGB24.
    static func readRGB(frame f: UnsafeMutablePointer<AVFrame>, path: String) throws -> RGBImage {
        let w = Int(f.pointee.width), h = Int(f.pointee.height)
        var image = RGBImage(width: w, height: h)
        try image.pixels.withUnsafeMutableBufferPointer { buf in
            try convert(f, to: AV_PIX_FMT_RGB24, dst: buf.baseAddress!, stride: w * 3, path: path)
        }
        return image
    }

    /// Writes an 8-bit gray PNG (temporary file, then rename).
    public static func write(_ image: GrayImage, to url: URL) throws {
        try image.pixels.withUnsafeBufferPointer { buf in
            try encode(buf.baseAddress!, width: image.width, height: image.height, stride: image.width,
                       format: AV_PIX_FMT_GRAY8, to: url)
        }
    }

    /// Writes an 8-bit RGB PNG (temporary file, then rename).
    public static func write(_ image: RGBImage, to url: URL) throws {
        try image.pixels.withUnsafeBufferPointer { buf in
            try encode(buf.baseAddress!, width: image.width, height: image.height, stride: image.width * 3,
                       format: AV_PIX_FMT_RGB24, to: url)
        }
    }

    // MARK: - Decoding

    /// Decodes the single picture of a PNG file.
    static func decode(_ url: URL) throws -> OwnedFrame {
        MediaLog.configure()
        let path = url.path
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw MediaError.fileNotFound(path: path)
        }
        if isDir.boolValue { throw MediaError.unreadable(path: path, reason: "is a directory") }
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw MediaError.unreadable(path: path, reason: error.localizedDescription)
        }
        let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        guard data.count > pngSignature.count, Array(data.prefix(8)) == pngSignature else {
            throw MediaError.unreadable(path: path, reason: "not a PNG file")
        }
        guard data.count < Int(Int32.max) - 64 else {
            throw MediaError.unreadable(path: path, reason: "file too large")
        }
        guard let codec = avcodec_find_decoder(AV_CODEC_ID_PNG), let ctx = OwnedCodecContext(codec: codec) else {
            throw MediaError.unsupportedCodec(path: path, codec: "png")
        }
        ctx.pointer.pointee.thread_count = 1
        var ret = avcodec_open2(ctx.pointer, codec, nil)
        guard ret >= 0 else { throw MediaError.decodeFailed(path: path, reason: avErrorString(ret)) }
        // Check the IHDR size before decoding allocates the picture.
        if data.count >= 24 {
            let bytes = [UInt8](data[16..<24])
            let w = Int(bytes[0]) << 24 | Int(bytes[1]) << 16 | Int(bytes[2]) << 8 | Int(bytes[3])
            let h = Int(bytes[4]) << 24 | Int(bytes[5]) << 16 | Int(bytes[6]) << 8 | Int(bytes[7])
            guard MediaLimits.accepts(width: w, height: h) else {
                throw MediaError.invalidSize(path: path, width: w, height: h)
            }
        }
        let packet = OwnedPacket()
        ret = av_new_packet(packet.pointer, Int32(data.count))
        guard ret >= 0 else { throw MediaError.decodeFailed(path: path, reason: avErrorString(ret)) }
        data.withUnsafeBytes { raw in
            packet.pointer.pointee.data.update(from: raw.bindMemory(to: UInt8.self).baseAddress!, count: data.count)
        }
        ret = avcodec_send_packet(ctx.pointer, packet.pointer)
        guard ret >= 0 else { throw MediaError.decodeFailed(path: path, reason: avErrorString(ret)) }
        _ = avcodec_send_packet(ctx.pointer, nil)
        let frame = OwnedFrame()
        ret = avcodec_receive_frame(ctx.pointer, frame.pointer)
        guard ret >= 0 else { throw MediaError.decodeFailed(path: path, reason: avErrorString(ret)) }
        let w = Int(frame.pointer.pointee.width), h = Int(frame.pointer.pointee.height)
        guard MediaLimits.accepts(width: w, height: h) else {
            throw MediaError.invalidSize(path: path, width: w, height: h)
        }
        return frame
    }

    /// Converts a decoded picture to a packed 8-bit format at its own size.
    static func convert(_ f: UnsafeMutablePointer<AVFrame>, to format: AVPixelFormat,
                        dst: UnsafeMutablePointer<UInt8>, stride: Int, path: String) throws {
        let srcFormat = AVPixelFormat(rawValue: f.pointee.format)
        let w = f.pointee.width, h = f.pointee.height
        if srcFormat == format {
            // Same layout: copy rows (swscale would too, but this avoids range handling questions).
            let rowBytes = format == AV_PIX_FMT_GRAY8 ? Int(w) : Int(w) * 3
            let src = vg_frame_data(f, 0)!
            let srcStride = Int(vg_frame_linesize(f, 0))
            for y in 0..<Int(h) {
                (dst + y * stride).update(from: src + y * srcStride, count: rowBytes)
            }
            return
        }
        let scaler = Scaler(flags: Int32(SWS_POINT) | Int32(SWS_ACCURATE_RND) | Int32(SWS_BITEXACT) | Int32(SWS_FULL_CHR_H_INT))
        let full = Scaler.isFullRange(format: srcFormat, colorRange: f.pointee.color_range)
        guard let ctx = scaler.context(srcWidth: w, srcHeight: h, srcFormat: srcFormat, dstWidth: w, dstHeight: h,
                                       dstFormat: format, colorspace: Int32(f.pointee.colorspace.rawValue), srcFull: full)
        else {
            throw MediaError.decodeFailed(path: path, reason: "no conversion from \(String(cString: vg_pix_fmt_name(srcFormat.rawValue)))")
        }
        let bytesPerPixel = format == AV_PIX_FMT_GRAY8 ? 1 : 3
        let rows = scaler.scale(ctx, frame: f, rowBytes: Int(w) * bytesPerPixel, rows: Int(h), into: dst, stride: stride)
        if rows <= 0 { throw MediaError.decodeFailed(path: path, reason: "conversion failed: \(avErrorString(rows))") }
    }

    // MARK: - Encoding

    /// Encodes one packed picture as PNG and writes it atomically.
    static func encode(_ pixels: UnsafePointer<UInt8>, width: Int, height: Int, stride: Int,
                       format: AVPixelFormat, to url: URL) throws {
        let path = url.path
        guard MediaLimits.accepts(width: width, height: height) else {
            throw MediaError.invalidSize(path: path, width: width, height: height)
        }
        guard let codec = avcodec_find_encoder(AV_CODEC_ID_PNG), let ctx = OwnedCodecContext(codec: codec) else {
            throw MediaError.encodeFailed(path: path, reason: "no PNG encoder in this FFmpeg build")
        }
        let c = ctx.pointer
        c.pointee.width = Int32(width)
        c.pointee.height = Int32(height)
        c.pointee.pix_fmt = format
        c.pointee.time_base = AVRational(num: 1, den: 25)
        c.pointee.thread_count = 1
        var ret = avcodec_open2(c, codec, nil)
        guard ret >= 0 else { throw MediaError.encodeFailed(path: path, reason: avErrorString(ret)) }
        let frame = OwnedFrame()
        let f = frame.pointer
        f.pointee.width = Int32(width)
        f.pointee.height = Int32(height)
        f.pointee.format = format.rawValue
        f.pointee.pts = 0
        vg_frame_set_plane(f, 0, UnsafeMutablePointer(mutating: pixels), Int32(stride))
        ret = avcodec_send_frame(c, f)
        vg_frame_set_plane(f, 0, nil, 0)
        guard ret >= 0 else { throw MediaError.encodeFailed(path: path, reason: avErrorString(ret)) }
        _ = avcodec_send_frame(c, nil)
        let packet = OwnedPacket()
        ret = avcodec_receive_packet(c, packet.pointer)
        guard ret >= 0 else { throw MediaError.encodeFailed(path: path, reason: avErrorString(ret)) }
        let bytes = UnsafeRawBufferPointer(start: packet.pointer.pointee.data, count: Int(packet.pointer.pointee.size))
        try writeAtomically(bytes, to: url)
    }
}
