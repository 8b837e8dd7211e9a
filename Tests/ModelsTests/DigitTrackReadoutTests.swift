import Graphs
import XCTest
@testable import Models
import Layers
import Tensors
import Datasets

/// The digit-track term of the synchrony readout (`track_readout: true`) and the block-matched cell
/// motion (`cell_motion: matching`): the term against its formula computed element by element, its
/// gradients against finite differences, the whole model against the PyTorch peer, a fine-tune that
/// adds the term, and the config rules.
final class DigitTrackReadoutTests: XCTestCase {
    /// Random identity probabilities `[B, T-1, F, 10]` in (0, 1) and cell motions `[B, T-1, F, 1]`.
    func randomInputs(b: Int, frames: Int, cells: Int, seed: UInt64) -> (q: Tensor, motion: DigitTrackReadout.CellMotion) {
        var g = RandomGenerator(seed: seed)
        let q = Tensor.uniform([b, frames, cells, 10], generator: &g)
        let t = frames + 1, k = cells + 2                      // two coarse cells per frame, not read
        let motion = Tensor.normal([t * b * k * 2], std: 0.3, generator: &g).data
        let confidence = Tensor.uniform([t * b * k], generator: &g).data
        return (q, DigitTrackReadout.CellMotion(motion: motion, confidence: confidence, frames: t, clips: b, nodesPerFrame: k, fineCells: cells))
    }

    func testTrackTermFollowsTheFormula() throws {
        let track = DigitTrackReadout(classNames: SyncMNIST.classNames)
        track.gain.assign([1.5, -0.7, 0.4])
        track.offset.assign([0.2])
        let (b, frames, cells) = (2, 3, 4)
        let (q, motion) = randomInputs(b: b, frames: frames, cells: cells, seed: 11)
        let z = GradMode.disabled { track(identity: q, motion: motion) }
        XCTAssertEqual(z.shape, [b, 46])
        for clip in 0..<b {
            var m = [[SIMD2<Float>]](repeating: [SIMD2<Float>](repeating: .zero, count: 10), count: frames)
            var p = [[Float]](repeating: [Float](repeating: 0, count: 10), count: frames)
            for t in 0..<frames {
                for c in 0..<10 {
                    var mass: Float = 0, sum = SIMD2<Float>(0, 0)
                    for k in 0..<cells {
                        let row = (clip * frames + t) * cells + k
                        let w = q.data[row * 10 + c] * motion.confidence.data[row]
                        mass += w; sum += w * SIMD2(motion.x.data[row], motion.y.data[row])
                    }
                    m[t][c] = sum / (mass + 1e-3)
                    p[t][c] = 1 - exp(-2 * mass)
                }
            }
            for (j, name) in SyncMNIST.classNames.enumerated() {
                var expected: Float = 0
                if name != "none" {
                    let digits = name.split(separator: "-").map { Int($0)! }
                    var total: Float = 0
                    for t in 0..<frames {
                        let d = m[t][digits[0]] - m[t][digits[1]], d2 = (d * d).sum()
                        let kernel = 1.5 * exp(-d2 / 0.01) - 0.7 * exp(-d2 / 0.0625) + 0.4 * exp(-d2 / 0.25)
                        total += p[t][digits[0]] * p[t][digits[1]] * kernel
                    }
                    expected = 10 * (total / Float(frames) + 0.2)
                }
                XCTAssertEqual(z.data[clip * 46 + j], expected, accuracy: 1e-4, "clip \(clip) class \(name)")
            }
        }
    }

    func testGradientsMatchFiniteDifferences() throws {
        let track = DigitTrackReadout(classNames: SyncMNIST.classNames)
        track.gain.assign([0.3, -0.2, 0.25])
        track.offset.assign([0.1])
        let (q, motion) = randomInputs(b: 2, frames: 3, cells: 4, seed: 12)
        q.requiresGrad = true
        let targets = [7, 45]
        func loss() -> Tensor { Loss.crossEntropy(track(identity: q, motion: motion), targets: targets) }
        track.zeroGrad()
        loss().backward()
        try assertGradientsMatchFiniteDifferences([("q", q), ("gain", track.gain), ("offset", track.offset)],
                                                  eps: 1e-2, absolute: 1e-3, relative: 2e-2,
                                                  entries: { t in Set([0, 1, 2, 5, 7, t.count / 2, t.count - 1].filter { $0 < t.count }).sorted() },
                                                  loss: loss)
    }

    /// The whole model (track term, block-matched fine cells, motion affinities) against the PyTorch peer.
    func testTrackReadoutRSTGLogitsMatchPyTorch() throws {
        let url = try XCTUnwrap(Bundle.module.url(forResource: "Fixtures/rstg_tiny_track.safetensors", withExtension: nil))
        let loaded = try ModelRegistry.load(url.path)
        XCTAssertTrue(loaded.config.architecture.trackReadout)
        XCTAssertEqual(loaded.config.architecture.cellMotion, "matching")
        let golden = try SafeTensors.read(try XCTUnwrap(Bundle.module.url(forResource: "Fixtures/rstg_tiny_track_golden.safetensors", withExtension: nil)))
        let clips = try golden.tensor(named: "clips"), expected = try golden.tensor(named: "logits")
        let logits = GradMode.disabled { loaded.model.logits(clips) }
        XCTAssertEqual(logits.shape, expected.shape)
        for i in 0..<expected.count { XCTAssertEqual(logits.data[i], expected.data[i], accuracy: 2e-4, "logit \(i)") }
        // The track term counts: without its gains and offset the logits move.
        let track = try XCTUnwrap((loaded.model as? RSTGClassifier)?.pairReadout?.track)
        track.gain.assign([0, 0, 0]); track.offset.assign([0])
        let without = GradMode.disabled { loaded.model.logits(clips) }
        XCTAssertGreaterThan(zip(without.data, expected.data).map { abs($0 - $1) }.max()!, 0.05)
        // So does the matching: with the flow mean for the fine cells the logits move too.
        var flowConfig = loaded.config
        flowConfig.architecture.cellMotion = "flow"
        let flowModel = ModelFactory.make(flowConfig, seed: 1)
        try flowModel.load(stateDict: loaded.model.stateDict())
        flowModel.setTraining(false)
        let withFlow = GradMode.disabled { flowModel.logits(clips) }
        XCTAssertGreaterThan(zip(withFlow.data, without.data).map { abs($0 - $1) }.max()!, 0.05)
    }

    /// A fine-tune that adds the track term to a synchrony-readout model starts from that model's logits.
    func testFineTuneAddsTheTrackTermAndStartsAsItsSource() throws {
        let folder = try temporaryFolder(self)
        let base = ", positional: true, residual: true, flow: true, motion_affinity: true, readout: synchrony"
        let source = ModelFactory.make(try tinyConfig(extraArchitecture: base), seed: 3)
        let rstgSource = try XCTUnwrap(source as? RSTGClassifier)
        rstgSource.pairReadout!.gamma.assign([0.4])
        let file = folder.appendingPathComponent("source.safetensors")
        try ModelWeights.save(source, to: file, trainedWith: "test")

        let trainer = try ClipTrainer(config: try tinyConfig(extraArchitecture: base + ", track_readout: true"), mnist: nil)
        let loaded = try ModelRegistry.load(file.path)
        try trainer.initialize(from: loaded)
        let rstg = try XCTUnwrap(trainer.model as? RSTGClassifier)
        let track = try XCTUnwrap(rstg.pairReadout?.track)
        XCTAssertEqual(track.gain.data, [0, 0, 0])
        assertStartsAsSourceUntil({ track.gain.assign([0.5, 0.5, 0.5]) }, model: rstg, source: loaded.model)
    }

    func testConfigErrors() {
        let cases: [(String, String)] = [
            ("{flow: true, track_readout: true}", "architecture.track_readout"),                 // no synchrony readout
            ("{readout: synchrony, track_readout: true}", "architecture.track_readout"),         // no flow
            ("{flow: true, motion_affinity: true, cell_motion: sift}", "architecture.cell_motion"),
            ("{flow: true, cell_motion: matching}", "architecture.cell_motion"),                 // nothing reads it
        ]
        for (architecture, key) in cases {
            let yaml = "name: x\nkind: rstg\nclasses: syncmnist\narchitecture: \(architecture)\n"
            XCTAssertThrowsError(try ModelConfig(yaml: yaml, source: "bad.yaml"), architecture) { error in
                XCTAssertEqual((error as? ModelConfigError)?.key, key, "\(error)")
            }
        }
    }
}
