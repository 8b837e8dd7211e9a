import Foundation
import XCTest
import Tensors
@testable import Layers

/// `WeightAverage`: the warm-up decay formula, the swap that restores the trained weights, buffers
/// left alone, and the checkpoint round trip (a resumed average continues exactly).
final class WeightAverageTests: XCTestCase {
    func testUpdatesFollowTheWarmUpFormula() {
        var rng = RandomGenerator(seed: 3)
        let layer = Linear(3, 2, generator: &rng)
        let p0 = layer.weight.data
        let average = WeightAverage(layer, decay: 0.99)
        XCTAssertEqual(average.decay(atUpdate: 0), 0.1, accuracy: 1e-7)
        XCTAssertEqual(average.decay(atUpdate: 1), 2.0 / 11.0, accuracy: 1e-7)
        XCTAssertEqual(average.decay(atUpdate: 100_000), 0.99, accuracy: 1e-7)
        let p1 = p0.map { $0 + 1 }
        layer.weight.assign(p1)
        average.update(from: layer)
        let p2 = p0.map { $0 * -2 }
        layer.weight.assign(p2)
        average.update(from: layer)
        let d1: Float = 2.0 / 11.0
        let expected = (0..<p0.count).map { k in d1 * (0.1 * p0[k] + 0.9 * p1[k]) + (1 - d1) * p2[k] }
        let weightIndex = average.names.firstIndex(of: "weight")!
        for (a, e) in zip(average.averages[weightIndex], expected) { XCTAssertEqual(a, e, accuracy: 1e-6) }
        XCTAssertEqual(average.updates, 2)
        // The swap serves the averages and puts the trained weights back, even when the body throws.
        let seen = average.withAveragedWeights(of: layer) { layer.weight.data }
        XCTAssertEqual(seen, average.averages[weightIndex])
        XCTAssertEqual(layer.weight.data, p2)
        struct Failure: Error {}
        XCTAssertThrowsError(try average.withAveragedWeights(of: layer) { throw Failure() })
        XCTAssertEqual(layer.weight.data, p2)
    }

    func testBuffersAreNotAveraged() {
        let norm = BatchNorm2d(2)
        let average = WeightAverage(norm, decay: 0.9)
        XCTAssertFalse(average.names.contains { $0.contains("running") })
        norm.runningMean.assign([5, 6])
        average.withAveragedWeights(of: norm) { XCTAssertEqual(norm.runningMean.data, [5, 6]) }
    }

    func testCheckpointRoundTripContinuesExactly() throws {
        var rng = RandomGenerator(seed: 9)
        let layer = Linear(4, 3, generator: &rng)
        let optimizer = Adam(layer, Adam.Config(learningRate: 0.05))
        let average = WeightAverage(layer, decay: 0.95)
        let x = Tensor.normal([5, 4], generator: &rng)
        func step(_ l: Linear, _ o: Adam, _ a: WeightAverage) {
            o.zeroGrad()
            Loss.crossEntropy(l(x), targets: [0, 1, 2, 0, 1]).backward()
            o.step()
            a.update(from: l)
        }
        for _ in 0..<3 { step(layer, optimizer, average) }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("vidgraph-ema-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try Checkpoint.save(model: layer, optimizer: optimizer, average: average, to: url)
        for _ in 0..<2 { step(layer, optimizer, average) }

        var other = RandomGenerator(seed: 1)
        let resumed = Linear(4, 3, generator: &other)
        let resumedOptimizer = Adam(resumed, Adam.Config(learningRate: 0.05))
        let resumedAverage = WeightAverage(resumed, decay: 0.95)
        try Checkpoint.load(from: url, model: resumed, optimizer: resumedOptimizer, average: resumedAverage)
        XCTAssertEqual(resumedAverage.updates, 3)
        for _ in 0..<2 { step(resumed, resumedOptimizer, resumedAverage) }
        XCTAssertEqual(resumedAverage.averages, average.averages)
        XCTAssertEqual(resumedAverage.updates, 5)

        // A checkpoint without an average cannot resume a run that keeps one.
        try Checkpoint.save(model: layer, optimizer: optimizer, to: url)
        XCTAssertThrowsError(try Checkpoint.load(from: url, model: resumed, optimizer: resumedOptimizer, average: resumedAverage)) {
            XCTAssertTrue(($0 as? CheckpointError)?.reason.contains("no averaged weights") ?? false, "\($0)")
        }
    }
}
