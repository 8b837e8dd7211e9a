import Datasets
import Foundation
import Media
import XCTest
@testable import Models

/// `vidgraph segment` end to end on a tiny synthetic clip with a tiny (untrained) model from a temp path.
final class SegmentationCLITests: XCTestCase {
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    func binary() throws -> URL {
        var candidates: [URL] = []
        for b in Bundle.allBundles {
            // On Linux the bundle URL is the build folder itself; elsewhere the .xctest bundle inside it.
            candidates.append(b.bundleURL.appendingPathComponent("vidgraph"))
            candidates.append(b.bundleURL.deletingLastPathComponent().appendingPathComponent("vidgraph"))
        }
        candidates.append(Self.repoRoot.appendingPathComponent(".build/release/vidgraph"))
        candidates.append(Self.repoRoot.appendingPathComponent(".build/debug/vidgraph"))
        for c in candidates where FileManager.default.isExecutableFile(atPath: c.path) { return c }
        throw XCTSkip("vidgraph binary not built (run `swift build` first)")
    }

    func run(_ args: [String]) throws -> (status: Int32, stderr: String) {
        let p = Process()
        p.executableURL = try binary()
        p.arguments = args
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        let data = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    func testSegmentWritesMasksOverlayAndSkipsBrokenInput() throws {
        let fm = FileManager.default
        let dir = fm.temporaryDirectory.appendingPathComponent("seg-cli-\(getpid())")
        try? fm.removeItem(at: dir)
        try fm.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? fm.removeItem(at: dir) }
        // Tiny clip: 7 frames of 80x48.
        let synth = try SyntheticVOS(width: 80, height: 48, frameCount: 7, seed: 3)
        let (frames, _) = synth.clip(index: 0)
        let video = dir.appendingPathComponent("clip.mp4")
        let writer = try VideoWriter(url: video, width: 80, height: 48, fps: 24)
        for f in frames { try writer.append(f) }
        try writer.finish()
        let broken = dir.appendingPathComponent("broken.mp4")
        try Data("not a video".utf8).write(to: broken)
        // Tiny model saved to a temp path.
        let model = FrameGraphSegmenter(config: try SegmentationModelTests.tinyConfig(width: 32, height: 24), seed: 1)
        let weights = dir.appendingPathComponent("tiny.safetensors")
        try SegmentationWeights.save(model, to: weights)
        XCTAssertEqual(try SegmentationWeights.load(weights).stateDict()["inter.bilinear.weight"]?.data, model.stateDict()["inter.bilinear.weight"]?.data)

        let out = dir.appendingPathComponent("out")
        let r = try run(["segment", video.path, broken.path, "--out", out.path, "--model", weights.path, "--overlay", "--probabilities", "--flip"])
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("broken.mp4: skipped"), r.stderr)
        let pngs = try fm.contentsOfDirectory(atPath: out.appendingPathComponent("clip").path).filter { $0.hasSuffix(".png") }.sorted()
        XCTAssertEqual(pngs.count, frames.count)
        XCTAssertEqual(pngs.first, "00000.png")
        for name in pngs {
            let mask = try PNGCodec.readGray(out.appendingPathComponent("clip").appendingPathComponent(name))
            XCTAssertEqual(mask.width, 80); XCTAssertEqual(mask.height, 48)
            XCTAssertTrue(mask.pixels.allSatisfy { $0 == 0 || $0 == 255 })
        }
        XCTAssertEqual(try fm.contentsOfDirectory(atPath: out.appendingPathComponent("clip.prob").path).count, frames.count)
        let overlay = try VideoReader(url: out.appendingPathComponent("clip.mp4"))
        var decoded = 0
        while let f = try overlay.nextFrame() { decoded += 1; XCTAssertEqual(f.image.width, 80) }
        XCTAssertEqual(decoded, frames.count)
        XCTAssertFalse(fm.fileExists(atPath: out.appendingPathComponent("broken").path))
        XCTAssertFalse(try fm.contentsOfDirectory(atPath: out.path).contains { $0.hasPrefix(".") })

        // No --model: the embedded default `framegraph` segments the clip (one mask per frame).
        let defaultOut = dir.appendingPathComponent("default")
        let embedded = try run(["segment", video.path, "--out", defaultOut.path])
        XCTAssertEqual(embedded.status, 0, embedded.stderr)
        XCTAssertEqual(try fm.contentsOfDirectory(atPath: defaultOut.appendingPathComponent("clip").path).count, frames.count)
        // A model file that is not a segmentation model: a clear one-line error, non-zero exit.
        let wrong = try run(["segment", video.path, "--out", defaultOut.path, "--model", Self.repoRoot.appendingPathComponent("Sources/Models/Resources/regions-sync3.safetensors").path])
        XCTAssertNotEqual(wrong.status, 0)
        XCTAssertTrue(wrong.stderr.contains("is not a 'framegraph' segmentation model"), wrong.stderr)
    }
}
