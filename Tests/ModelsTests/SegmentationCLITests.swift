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

    /// A fresh folder (removed after the test) holding `clip.mp4`: `count` synthetic frames of 80x48.
    func tinyVideo(count: Int, seed: UInt64) throws -> (folder: URL, video: URL, frames: [RGBImage]) {
        let fm = FileManager.default
        let dir = fm.temporaryDirectory.appendingPathComponent("seg-cli-\(getpid())-\(seed)")
        try? fm.removeItem(at: dir)
        try fm.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? fm.removeItem(at: dir) }
        let frames = try SyntheticVOS(width: 80, height: 48, frameCount: count, seed: seed).clip(index: 0).frames
        let video = dir.appendingPathComponent("clip.mp4")
        let writer = try VideoWriter(url: video, width: 80, height: 48, fps: 24)
        for f in frames { try writer.append(f) }
        try writer.finish()
        return (dir, video, frames)
    }

    func testSegmentWritesMasksOverlayAndSkipsBrokenInput() throws {
        let fm = FileManager.default
        let (dir, video, frames) = try tinyVideo(count: 7, seed: 3)
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

    /// Repeated --model averages the models' probabilities: a model twice equals it alone, two models
    /// give the mean of their probabilities; models with other inputs and non-segmenters are refused.
    func testEnsembleOfModelsAveragesProbabilities() throws {
        let (dir, video, _) = try tinyVideo(count: 5, seed: 4)
        var weights: [URL] = []
        for (k, (w, seed)) in [(32, UInt64(1)), (32, UInt64(2)), (40, UInt64(1))].enumerated() {
            let url = dir.appendingPathComponent("tiny\(k).safetensors")
            try SegmentationWeights.save(FrameGraphSegmenter(config: try SegmentationModelTests.tinyConfig(width: w, height: 24), seed: seed), to: url)
            weights.append(url)
        }
        /// Probability PNGs of frames 0..<5 with the given --model arguments, no smoothing or colour model.
        func probabilities(_ models: [URL], _ tag: String) throws -> [[UInt8]] {
            let out = dir.appendingPathComponent(tag)
            let r = try run(["segment", video.path, "--out", out.path, "--probabilities", "--smooth", "0", "--appearance", "0"]
                            + models.flatMap { ["--model", $0.path] })
            XCTAssertEqual(r.status, 0, r.stderr)
            return try (0..<5).map { try PNGCodec.readGray(out.appendingPathComponent("clip.prob").appendingPathComponent(String(format: "%05d.png", $0))).pixels }
        }
        let a = try probabilities([weights[0]], "a"), b = try probabilities([weights[1]], "b")
        XCTAssertEqual(try probabilities([weights[0], weights[0]], "aa"), a)
        let ab = try probabilities([weights[0], weights[1]], "ab")
        XCTAssertNotEqual(a, b)
        var largest = 0
        for f in 0..<5 { for i in a[f].indices {
            largest = max(largest, abs(Int(ab[f][i]) * 2 - Int(a[f][i]) - Int(b[f][i])))
        } }
        XCTAssertLessThanOrEqual(largest, 2, "ensemble probability differs from the mean of its models by more than 8-bit rounding")

        let mismatch = try run(["segment", video.path, "--out", dir.appendingPathComponent("m").path, "--model", weights[0].path, "--model", weights[2].path])
        XCTAssertNotEqual(mismatch.status, 0)
        XCTAssertTrue(mismatch.stderr.contains("cannot join an ensemble"), mismatch.stderr)
        let classifier = try run(["segment", video.path, "--out", dir.appendingPathComponent("c").path, "--model", "rstg-sync3"])
        XCTAssertNotEqual(classifier.status, 0)
        XCTAssertTrue(classifier.stderr.contains("is not a 'framegraph' segmentation model"), classifier.stderr)
        // The embedded ensemble members take the same input as `framegraph`.
        let embedded = try run(["segment", video.path, "--out", dir.appendingPathComponent("e").path,
                                "--model", "framegraph", "--model", "framegraph-seed2", "--model", "framegraph-seed3"])
        XCTAssertEqual(embedded.status, 0, embedded.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("e/clip").path).count, 5)
        let unknown = try run(["segment", video.path, "--out", dir.appendingPathComponent("u").path, "--model", "no-such-model"])
        XCTAssertNotEqual(unknown.status, 0)
        XCTAssertTrue(unknown.stderr.contains("is neither an embedded model"), unknown.stderr)
    }
}
