import XCTest
@testable import Models
import Layers
import Tensors
import Datasets

/// The pairwise synchrony readout (`readout: synchrony`): its votes against the formula computed
/// element by element, its gradients against finite differences, and a fine-tune that adds it.
final class SynchronyPairReadoutTests: XCTestCase {
    /// Random LayerNorm-sized node states `[T, B, K, D]`.
    func randomStates(_ shape: [Int], seed: UInt64) -> Tensor {
        var g = RandomGenerator(seed: seed)
        return Tensor.normal(shape, std: 1, generator: &g)
    }

    func testVotesAndLogitsFollowTheFormula() throws {
        var g = RandomGenerator(seed: 4)
        let readout = SynchronyPairReadout(channels: 5, fineCells: 4, classNames: SyncMNIST.classNames, generator: &g)
        readout.gamma.assign([0.7])
        let (t, b, k, d) = (4, 2, 6, 5)
        let states = randomStates([t, b, k, d], seed: 9)
        let logits = GradMode.disabled { readout(states) }
        XCTAssertEqual(logits.shape, [b, 46])
        let w = readout.sync.weight.data, wb = readout.sync.bias!.data
        let q = readout.identity.weight.data, qb = readout.identity.bias!.data
        func sigmoid(_ x: Float) -> Float { 1 / (1 + exp(-x)) }
        for clip in 0..<b {
            var numerator = [Float](repeating: 0, count: 10), denominator = [Float](repeating: 1, count: 10)
            for frame in 1..<t {                       // frame 0 does not vote
                for cell in 0..<4 {                    // only the finest grid's cells vote
                    let row = Array(states.data[(((frame * b + clip) * k + cell) * d)..<(((frame * b + clip) * k + cell + 1) * d)])
                    let s = sigmoid(zip(row, w).map(*).reduce(0, +) + wb[0])
                    for c in 0..<10 {
                        let p = sigmoid(zip(row, q[(c * d)..<((c + 1) * d)]).map(*).reduce(0, +) + qb[c])
                        numerator[c] += s * p
                        denominator[c] += p
                    }
                }
            }
            let e = zip(numerator, denominator).map(/)
            for (j, name) in SyncMNIST.classNames.enumerated() {
                let expected: Float
                if name == "none" {
                    expected = 0
                } else {
                    let digits = name.split(separator: "-").map { Int($0)! }
                    expected = 7 * (e[digits[0]] + e[digits[1]] - 1)      // gamma = 10 g = 7
                }
                XCTAssertEqual(logits.data[clip * 46 + j], expected, accuracy: 1e-4, "clip \(clip) class \(name)")
            }
        }
    }

    func testGradientsMatchFiniteDifferences() throws {
        var g = RandomGenerator(seed: 5)
        let readout = SynchronyPairReadout(channels: 4, fineCells: 4, classNames: SyncMNIST.classNames, generator: &g)
        readout.gamma.assign([0.3])
        let states = randomStates([3, 2, 5, 4], seed: 2)
        states.requiresGrad = true
        let targets = [7, 45]
        func loss() -> Tensor { Loss.crossEntropy(readout(states), targets: targets) }
        readout.zeroGrad()
        loss().backward()
        let checked: [(name: String, tensor: Tensor)] = [("states", states), ("gamma", readout.gamma), ("sync.weight", readout.sync.weight),
                                           ("sync.bias", readout.sync.bias!), ("identity.weight", readout.identity.weight)]
        try assertGradientsMatchFiniteDifferences(checked, eps: 1e-2, absolute: 1e-3, relative: 2e-2, loss: loss)
        // Frame 0 and the coarse cells do not vote: no gradient reaches them.
        let frame0 = states.grad!.data[0..<(2 * 5 * 4)]
        XCTAssertTrue(frame0.allSatisfy { $0 == 0 })
        XCTAssertEqual(states.grad!.data[(1 * 2 * 5 + 4) * 4], 0, "a coarse cell of frame 1")
    }

    /// A fine-tune that adds the readout to a model without it starts from that model's logits (g = 0).
    func testFineTuneAddsTheReadoutAndStartsAsItsSource() throws {
        let folder = try temporaryFolder(self)
        let sourceConfig = try tinyConfig(extraArchitecture: ", positional: true, residual: true")
        let source = ModelFactory.make(sourceConfig, seed: 3)
        let classifier = try XCTUnwrap(source.namedParameters().first { $0.name == "classifier.weight" }?.tensor)
        var g = RandomGenerator(seed: 8)
        classifier.assign(Tensor.normal(classifier.shape, std: 0.5, generator: &g).data)
        let file = folder.appendingPathComponent("source.safetensors")
        try ModelWeights.save(source, to: file, trainedWith: "test")

        let config = try tinyConfig(extraArchitecture: ", positional: true, residual: true, readout: synchrony")
        let trainer = try ClipTrainer(config: config, mnist: nil)
        let loaded = try ModelRegistry.load(file.path)
        try trainer.initialize(from: loaded)
        let rstg = try XCTUnwrap(trainer.model as? RSTGClassifier)
        XCTAssertNotNil(rstg.pairReadout)
        // The readout counts: a non-zero g moves the logits.
        assertStartsAsSourceUntil({ rstg.pairReadout!.gamma.assign([0.5]) }, model: rstg, source: loaded.model)

        // The other way round is an error: a model with the readout does not fit a config without it.
        let withReadout = folder.appendingPathComponent("with.safetensors")
        try ModelWeights.save(rstg, to: withReadout, trainedWith: "test")
        let plain = try ClipTrainer(config: sourceConfig, mnist: nil)
        XCTAssertThrowsError(try plain.initialize(from: try ModelRegistry.load(withReadout.path)))
    }

    func testConfigErrors() {
        for yaml in ["name: x\nkind: rstg\narchitecture: {readout: max}\n",
                     "name: x\nkind: mean-lstm\narchitecture: {readout: synchrony}\n",
                     "name: x\nkind: rstg\nclasses: [a, b, c]\narchitecture: {readout: synchrony}\ndata: {dataset: syncmnist}\n"] {
            XCTAssertThrowsError(try ModelConfig(yaml: yaml, source: "bad.yaml"), yaml) { error in
                XCTAssertTrue((error as? ModelConfigError)?.key.hasPrefix("architecture") ?? false || (error as? ModelConfigError)?.key == "classes",
                              "\(error)")
            }
        }
    }
}

/// A fine-tune into finer patch grids keeps the learned positional rows of the cells both grids have.
final class RegridFineTuneTests: XCTestCase {
    func testFineTuneIntoFinerGridsKeepsSharedCells() throws {
        let folder = try temporaryFolder(self)
        let source = ModelFactory.make(try tinyConfig(extraArchitecture: ", positional: true, residual: true"), seed: 3)
        let file = folder.appendingPathComponent("source.safetensors")
        try ModelWeights.save(source, to: file, trainedWith: "test")
        let config = try tinyConfig(extraArchitecture: ", positional: true, residual: true, grids: [4, 3, 2, 1], readout: synchrony")
        let trainer = try ClipTrainer(config: config, mnist: nil)
        try trainer.initialize(from: try ModelRegistry.load(file.path))
        let old = source.stateDict(), new = trainer.model.stateDict()
        let position = try XCTUnwrap(new["space.0.position"]), before = try XCTUnwrap(old["space.0.position"])
        XCTAssertEqual(position.shape, [30, 8])
        XCTAssertEqual(before.shape, [14, 8])
        // New cell order: 16 of 4x4, then 9 of 3x3, 4 of 2x2, 1 of 1x1; the old: 9, 4, 1.
        XCTAssertEqual(Array(position.data[(16 * 8)..<(30 * 8)]), before.data)
        XCTAssertNotEqual(Array(position.data[0..<8]), Array(before.data[0..<8]))
        for (name, tensor) in old where !name.hasSuffix(".position") {
            XCTAssertEqual(new[name]?.data, tensor.data, name)
        }
        // The model runs with 30 nodes per frame.
        let logits = GradMode.disabled { trainer.model.logits(randomClips(1, 10, 64)) }
        XCTAssertEqual(logits.shape, [1, 46])
    }
}
