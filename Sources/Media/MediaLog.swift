import CFFmpeg
import Foundation

/// FFmpeg's console logging: quiet by default (errors reach callers as `MediaError`s);
/// set `VIDGRAPH_FFMPEG_LOG=1` (warnings) or `=2` (verbose) to see FFmpeg's own messages.
enum MediaLog {
    private static let once: Void = {
        let env = ProcessInfo.processInfo.environment["VIDGRAPH_FFMPEG_LOG"] ?? ""
        switch env {
        case "1": av_log_set_level(AV_LOG_WARNING)
        case "2": av_log_set_level(AV_LOG_VERBOSE)
        default: av_log_set_level(AV_LOG_FATAL)
        }
    }()

    /// Applies the log level once per process.
    static func configure() { _ = once }
}
