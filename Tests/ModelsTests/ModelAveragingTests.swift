import Foundation
import Layers
import Tensors
import XCTest
@testable import Models

/// `ModelAveraging`: w_avg = (1/n) sum_i w_i over model files of one architecture, with clear errors otherwise.
final class ModelAveragingTests: XCTestCase {
    func tempDir() throws -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("vidgraph-avg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: d) }
        return d
    }

    func segmenter(seed: Int, widths: String = "[4, 4, 8, 8]") throws -> FrameGraphSegmenter {
        FrameGraphSegmenter(config: try SegmentationModelTests.tinyConfig(widths: widths), seed: UInt64(seed))
    }

    /// Three differently initialised segmenters: every tensor of the average is the element-wise mean,
    /// the file loads as a segmenter, per-file validation keys are dropped and the inputs are listed.
    func testAverageIsElementwiseMeanAndLoads() throws {
        let dir = try tempDir()
        var urls: [URL] = []
        var models: [FrameGraphSegmenter] = []
        for seed in [1, 2, 3] {
            let m = try segmenter(seed: seed)
            let url = dir.appendingPathComponent("m\(seed).safetensors")
            try SegmentationWeights.save(m, to: url, extra: ["val_j": "0.5", "step": "\(seed)"])
            urls.append(url); models.append(m)
        }
        let states = models.map { $0.stateDict() }
        XCTAssertNotEqual(states[0]["backbone.0.conv.weight"]?.data, states[1]["backbone.0.conv.weight"]?.data, "seeds give different weights")
        let out = dir.appendingPathComponent("avg.safetensors")
        try ModelAveraging.write(urls, to: out, command: "vidgraph weights average")
        let file = try SafeTensors.read(out)
        XCTAssertEqual(Set(file.names), Set(states[0].keys))
        for name in file.names {
            let got = try file.tensor(named: name)
            XCTAssertEqual(got.shape, states[0][name]!.shape)
            for i in 0..<got.count {
                let mean = (states[0][name]!.data[i] + states[1][name]!.data[i] + states[2][name]!.data[i]) / 3
                XCTAssertEqual(got.data[i], mean, accuracy: 1e-6, "\(name)[\(i)]")
            }
        }
        XCTAssertNil(file.metadata["val_j"])
        XCTAssertNil(file.metadata["step"])
        XCTAssertEqual(file.metadata["averaged_count"], "3")
        XCTAssertEqual(file.metadata["averaged_from"], urls.map(\.path).joined(separator: ","))
        XCTAssertEqual(file.metadata["averaged_with"], "vidgraph weights average")
        XCTAssertEqual(file.metadata["kind"], "framegraph")
        let loaded = try SegmentationWeights.load(out)
        XCTAssertEqual(loaded.stateDict()["readout.classifier.weight"]?.data, try file.tensor(named: "readout.classifier.weight").data)

        // One file averages to itself.
        let single = dir.appendingPathComponent("one.safetensors")
        try ModelAveraging.write([urls[1]], to: single)
        for name in file.names { XCTAssertEqual(try SafeTensors.read(single).tensor(named: name).data, states[1][name]!.data) }
    }

    /// Different architectures, a checkpoint, a missing file and an empty list are refused with the
    /// offending path in the message, and nothing is written.
    func testRefusesMismatchedInputs() throws {
        let dir = try tempDir()
        let a = dir.appendingPathComponent("a.safetensors"), b = dir.appendingPathComponent("b.safetensors")
        try SegmentationWeights.save(try segmenter(seed: 1), to: a)
        try SegmentationWeights.save(try segmenter(seed: 1, widths: "[4, 4, 8, 16]"), to: b)
        let out = dir.appendingPathComponent("avg.safetensors")
        func message(_ urls: [URL]) -> String {
            do { try ModelAveraging.write(urls, to: out); return "" } catch { return error.localizedDescription }
        }
        XCTAssertTrue(message([a, b]).contains(b.path), message([a, b]))
        let checkpoint = dir.appendingPathComponent("checkpoint.safetensors")
        try Checkpoint.save(model: try segmenter(seed: 1), metadata: TrainingMetadata(step: 1), to: checkpoint)
        XCTAssertTrue(message([a, checkpoint]).contains("training checkpoint"), message([a, checkpoint]))
        XCTAssertTrue(message([a, dir.appendingPathComponent("missing.safetensors")]).contains("no such file"))
        XCTAssertFalse(message([]).isEmpty)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.path))
    }

    func testSnapshotsKey() throws {
        XCTAssertFalse(try SegmentationModelTests.tinyConfig().training.snapshots)
        XCTAssertTrue(try SegmentationModelTests.tinyConfig(extra: ", snapshots: true").training.snapshots)
        XCTAssertThrowsError(try SegmentationModelTests.tinyConfig(extra: ", snapshots: 3"))
    }
}
