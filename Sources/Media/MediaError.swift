import CFFmpeg
import Foundation

/// Errors the user can cause with media files: each message is one line naming the file.
public enum MediaError: Error, LocalizedError, Equatable {
    /// The path does not exist.
    case fileNotFound(path: String)
    /// The file could not be opened or parsed as a container/image (FFmpeg's reason attached).
    case unreadable(path: String, reason: String)
    /// The file has no video stream (e.g. audio only).
    case noVideoStream(path: String)
    /// A folder holds no numbered images FFmpeg could read.
    case noImages(path: String)
    /// No decoder is available for the stream's codec.
    case unsupportedCodec(path: String, codec: String)
    /// The frame size is above the supported limit or invalid.
    case invalidSize(path: String, width: Int, height: Int)
    /// Decoding failed before any frame could be produced.
    case decodeFailed(path: String, reason: String)
    /// Encoding or writing an output failed.
    case encodeFailed(path: String, reason: String)
    /// A caller-supplied option or buffer is invalid.
    case invalidArgument(String)

    public var errorDescription: String? {
        switch self {
        case .fileNotFound(let p): return "\(p): no such file or directory"
        case .unreadable(let p, let r): return "\(p): not a readable video or image (\(r))"
        case .noVideoStream(let p): return "\(p): no video stream (audio-only or data file)"
        case .noImages(let p): return "\(p): folder holds no numbered images (expected e.g. 00000.jpg, 00001.jpg, ...)"
        case .unsupportedCodec(let p, let c): return "\(p): no decoder for codec '\(c)'"
        case .invalidSize(let p, let w, let h) where w <= 0 || h <= 0:
            return "\(p): frame size unknown: the decoder refused the first picture (corrupt, or over the limit of \(MediaLimits.maxSide) per side / \(MediaLimits.maxPixels) pixels)"
        case .invalidSize(let p, let w, let h):
            return "\(p): unsupported frame size \(w)x\(h) (limit \(MediaLimits.maxSide) per side, \(MediaLimits.maxPixels) pixels)"
        case .decodeFailed(let p, let r): return "\(p): decoding failed (\(r))"
        case .encodeFailed(let p, let r): return "\(p): encoding failed (\(r))"
        case .invalidArgument(let m): return "invalid argument: \(m)"
        }
    }
}

/// Size limits applied to every decoded or encoded picture.
public enum MediaLimits {
    /// Largest accepted width or height.
    public static let maxSide = 16384
    /// Largest accepted pixel count (2^28).
    public static let maxPixels = 1 << 28

    /// Whether `width`x`height` is a positive size within the limits.
    public static func accepts(width: Int, height: Int) -> Bool {
        width > 0 && height > 0 && width <= maxSide && height <= maxSide && width * height <= maxPixels
    }
}

/// FFmpeg's message for an error code.
func avErrorString(_ code: Int32) -> String {
    var buf = [CChar](repeating: 0, count: 256)
    vg_error_string(code, &buf, buf.count)
    return String(cString: buf)
}
