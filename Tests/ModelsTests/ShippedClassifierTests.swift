import Datasets
import Foundation
import XCTest
@testable import Models
import Tensors

/// The embedded SyncMNIST classifiers keep the accuracy the README reports (a regression guard for the
/// shipped weights and for every inference path they take: flow channels, folded BatchNorm, fused
/// space step). Clips from the test digits (MNIST 8000-9999) of ../shared/data/mnist.
final class ShippedClassifierTests: XCTestCase {
    func mnist() throws -> MNIST {
        let folder = sharedDataFolder().appendingPathComponent("mnist")
        guard FileManager.default.fileExists(atPath: folder.path) else { throw XCTSkip("../shared/data/mnist not present: \(folder.path)") }
        return try MNIST(directory: folder)
    }

    /// Top-1 of an embedded model on `count` generated test clips (seed 2026, not the README's set).
    func accuracy(model name: String, digits: Int, count: Int) throws -> Double {
        let loaded = try ModelRegistry.load(name)
        let data = try SyncMNIST(digits: try mnist(), digitsPerClip: digits, split: .test, seed: 2026)
        let t = loaded.config.frames, s = loaded.config.size
        var correct = 0
        for start in stride(from: 0, to: count, by: 25) {
            let indices = Array(start..<min(count, start + 25))
            let batch = data.batch(indices: indices)
            let clips = Tensor(batch.frames, shape: [indices.count, t, 1, s, s])
            let logits = GradMode.disabled { loaded.model.logits(clips) }
            let classes = loaded.labels.count
            for (row, label) in batch.labels.enumerated() {
                let scores = logits.data[(row * classes)..<((row + 1) * classes)]
                if scores.firstIndex(of: scores.max()!)! - row * classes == label { correct += 1 }
            }
        }
        return Double(correct) / Double(count)
    }

    /// rstg-sync3 (wide, fine-tuned with the identity loss, then with overlap oversampling, then a cycle with
    /// windowed Lucas-Kanade flow channels, 2026-11-25 session 20) measured 92.5 % on the README's 1000 test
    /// clips and 94.5 % on 1000 clips of seed 2026 with this one view (the first stage alone: 90.0 / 91.6 %);
    /// 200 clips give a standard error of ~2 points, so 84 % is about 3.5 standard errors below.
    func testRSTGSync3KeepsItsAccuracy() throws {
        let top1 = try accuracy(model: "rstg-sync3", digits: 3, count: 200)
        XCTAssertGreaterThan(top1, 0.84, "rstg-sync3 top-1 \(top1)")
    }

    /// rstg-sync3-narrow (the default before the wide model) measured 87.8 % and 89.2 % on the same sets.
    func testRSTGSync3NarrowKeepsItsAccuracy() throws {
        let top1 = try accuracy(model: "rstg-sync3-narrow", digits: 3, count: 200)
        XCTAssertGreaterThan(top1, 0.80, "rstg-sync3-narrow top-1 \(top1)")
    }

    /// rstg-sync5 (a ninth cycle: patch grids 4x4 + 2x2 + 1x1, the pairwise synchrony readout and motion
    /// affinities, 2026-11-26 session 22) measured 84.5 % on the README's 1000 test clips and 83.1 % on 1000
    /// clips of seed 2026 with its default views, 81.2 / 79.2 % with one view (chance 2.2 %; the second cycle, for which this bound was
    /// set: 68.6 / 67.6 %); 200 clips give a standard error of ~3 points, so 56 % stays a loose floor.
    func testRSTGSync5KeepsItsAccuracy() throws {
        let top1 = try accuracy(model: "rstg-sync5", digits: 5, count: 200)
        XCTAssertGreaterThan(top1, 0.56, "rstg-sync5 top-1 \(top1)")
    }
}
