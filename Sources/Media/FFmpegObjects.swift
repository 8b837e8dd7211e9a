import Foundation
import CFFmpeg

/// An owned AVFrame, freed on deinit.
final class OwnedFrame {
    let pointer: UnsafeMutablePointer<AVFrame>

    init() {
        guard let f = av_frame_alloc() else { fatalError("av_frame_alloc: out of memory") }
        pointer = f
    }

    deinit {
        var p: UnsafeMutablePointer<AVFrame>? = pointer
        av_frame_free(&p)
    }
}

/// An owned AVPacket, freed on deinit.
final class OwnedPacket {
    let pointer: UnsafeMutablePointer<AVPacket>

    init() {
        guard let p = av_packet_alloc() else { fatalError("av_packet_alloc: out of memory") }
        pointer = p
    }

    deinit {
        var p: UnsafeMutablePointer<AVPacket>? = pointer
        av_packet_free(&p)
    }
}

/// An owned AVCodecContext, freed on deinit.
final class OwnedCodecContext {
    let pointer: UnsafeMutablePointer<AVCodecContext>

    init?(codec: UnsafePointer<AVCodec>) {
        guard let c = avcodec_alloc_context3(codec) else { return nil }
        pointer = c
    }

    deinit {
        var p: UnsafeMutablePointer<AVCodecContext>? = pointer
        avcodec_free_context(&p)
    }
}

/// Writes `data` to `url` through a temporary file in the same folder, renamed when complete.
func writeAtomically(_ data: UnsafeRawBufferPointer, to url: URL) throws {
    let tmp = temporarySibling(of: url)
    let fm = FileManager.default
    guard fm.createFile(atPath: tmp.path, contents: Data(data)) else {
        throw MediaError.encodeFailed(path: url.path, reason: "cannot create \(tmp.lastPathComponent)")
    }
    try replaceItem(at: url, with: tmp)
}

/// A hidden temporary name next to `url` (same file system, so the final rename is atomic).
func temporarySibling(of url: URL) -> URL {
    let dir = url.deletingLastPathComponent()
    let ext = url.pathExtension
    let base = "." + url.deletingPathExtension().lastPathComponent + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    return dir.appendingPathComponent(ext.isEmpty ? base : base + "." + ext)
}

/// Renames `tmp` over `url` (replacing an existing file); removes `tmp` on failure.
func replaceItem(at url: URL, with tmp: URL) throws {
    if rename(tmp.path, url.path) != 0 {
        let reason = String(cString: strerror(errno))
        try? FileManager.default.removeItem(at: tmp)
        throw MediaError.encodeFailed(path: url.path, reason: "rename failed: \(reason)")
    }
}
