import Foundation
import XCTest

/// Locations shared by the Media tests.
enum TestPaths {
    /// The repository root (three levels above this file).
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// `<repo>/../shared/data`, or `$VIDGRAPH_SHARED_DATA`.
    static var sharedData: URL {
        if let env = ProcessInfo.processInfo.environment["VIDGRAPH_SHARED_DATA"], !env.isEmpty {
            return URL(fileURLWithPath: env)
        }
        return repoRoot.deletingLastPathComponent().appendingPathComponent("shared/data")
    }

    /// The DAVIS dev folder, or an XCTSkip when the shared data is absent.
    static func davis() throws -> URL {
        let d = sharedData.appendingPathComponent("davis16-dev")
        guard FileManager.default.fileExists(atPath: d.appendingPathComponent("videos").path) else {
            throw XCTSkip("../shared/data not present: \(d.path) missing")
        }
        return d
    }

    /// A fresh temporary folder removed at the end of the test.
    static func tempDir(_ test: XCTestCase) throws -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("vidgraph-media-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        test.addTeardownBlock { try? FileManager.default.removeItem(at: d) }
        return d
    }

    /// The ffmpeg CLI path, or nil.
    static var ffmpegCLI: String? {
        for p in ["/usr/bin/ffmpeg", "/usr/local/bin/ffmpeg", "/opt/homebrew/bin/ffmpeg"]
        where FileManager.default.isExecutableFile(atPath: p) { return p }
        return nil
    }

    /// Runs the ffmpeg CLI quietly; returns its exit status.
    @discardableResult
    static func runFFmpeg(_ args: [String]) throws -> Int32 {
        guard let exe = ffmpegCLI else { throw XCTSkip("ffmpeg CLI not installed") }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = ["-hide_banner", "-loglevel", "error", "-nostdin", "-y"] + args
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        return p.terminationStatus
    }
}
