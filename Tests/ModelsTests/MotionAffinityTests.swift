import Graphs
import XCTest
@testable import Models
import Layers
import Tensors

/// Motion affinities (`motion_affinity: true`): their definition on hand-made cells, the space step's
/// motion terms in the reference, taped-factorised and fused inference paths, their gradients, and
/// the whole model against the PyTorch peer.
final class MotionAffinityTests: XCTestCase {
    /// One 64x64 frame with 3 channels (gray, dx, dy): a bright block in cells (0, 0) and (2, 2) of the
    /// 3x3 grid moving by `a` and `b` (flow units), nothing elsewhere.
    func frame(_ a: (Float, Float), _ b: (Float, Float)) -> Tensor {
        var data = [Float](repeating: 0, count: 3 * 64 * 64)
        for (y0, x0, v) in [(2, 2, a), (46, 46, b)] {
            for y in y0..<(y0 + 12) {
                for x in x0..<(x0 + 12) {
                    data[y * 64 + x] = 1; data[4096 + y * 64 + x] = v.0; data[8192 + y * 64 + x] = v.1
                }
            }
        }
        return Tensor(data, shape: [1, 3, 64, 64])
    }

    func testAffinityIsHighForEqualMotionOnly() throws {
        let builder = PatchGraphBuilder(gridSizes: [3, 2, 1], temporalEdges: false)
        let graph = builder.build(featureMap: Tensor.zeros([1, 1, 8, 8]))
        let pairs = RSTGSpaceStep.framePairs(graph)
        func affinity(_ a: (Float, Float), _ b: (Float, Float)) -> [Float] {
            let phi = MotionAffinity.affinities(frames: frame(a, b), builder: builder, pairs: pairs)
            XCTAssertEqual(phi.shape, [14 * 14, 3])
            let e = (0..<pairs.adjacency.edgeCount).first { pairs.adjacency.targets[$0] == 0 && pairs.adjacency.sources[$0] == 8 }!
            return Array(phi.data[(e * 3)..<(e * 3 + 3)])
        }
        let c = MotionAffinity.gain * 144 / (144 + MotionAffinity.kappa)     // both cells hold 144 bright pixels
        let same = affinity((0.3, -0.2), (0.3, -0.2))
        for v in same { XCTAssertEqual(v, c, accuracy: 1e-5) }
        // Offsets one SyncMNIST unit apart (0.08 flow units): the narrow kernel separates them.
        let near = affinity((0.3, -0.2), (0.38, -0.2))
        XCTAssertEqual(near[0], exp(-0.0064 / 0.0016) * c, accuracy: 1e-4)
        XCTAssertLessThan(near[0], 0.05 * c)
        XCTAssertGreaterThan(near[2], 0.8 * c)
        let far = affinity((0.5, 0.5), (-0.5, 0.2))
        XCTAssertLessThan(far.max()!, 1e-4 * c)
        // An empty cell has no affinity with anything.
        let phi = MotionAffinity.affinities(frames: frame((0.3, -0.2), (0.3, -0.2)), builder: builder, pairs: pairs)
        let empty = (0..<pairs.adjacency.edgeCount).first { pairs.adjacency.targets[$0] == 0 && pairs.adjacency.sources[$0] == 4 }!
        XCTAssertEqual(phi.data[empty * 3], 0, accuracy: 1e-6)
    }

    func testFactorisedAndFusedPathsMatchTheReferenceStep() throws {
        var g = RandomGenerator(seed: 23)
        let step = RSTGSpaceStep(channels: 6, hidden: 5, positions: 14, affinities: 3, generator: &g)
        step.motionMessage!.assign(Tensor.normal([5, 3], generator: &g).data)
        step.motionAttention!.assign([0.9, -0.4, 1.3])
        let graph = PatchGraphBuilder(temporalEdges: false).build(featureMap: Tensor.uniform([3, 6, 6, 6], generator: &g))
        let pairs = RSTGSpaceStep.framePairs(graph)
        let phi = Tensor.uniform([pairs.adjacency.edgeCount, 3], generator: &g)
        let x = Tensor.normal([graph.nodeCount, 6], std: 2, generator: &g)
        let weights = Tensor.normal([graph.nodeCount, 6], generator: &g)
        step.zeroGrad()
        let reference = step(x, pairs: pairs, affinity: phi)
        (reference * weights).sum().backward()
        let expectedGrads = step.namedParameters().map { $0.tensor.grad!.data }
        step.zeroGrad()
        let fast = FactorizedSpaceStep(step)(x, pairs: pairs, affinity: phi)
        (fast * weights).sum().backward()
        for i in 0..<reference.count { XCTAssertEqual(fast.data[i], reference.data[i], accuracy: 1e-5) }
        for (n, (name, p)) in step.namedParameters().enumerated() {
            let grad = try XCTUnwrap(p.grad, name).data
            for i in 0..<grad.count { XCTAssertEqual(grad[i], expectedGrads[n][i], accuracy: 1e-4, "\(name)[\(i)]") }
        }
        let fused = GradMode.disabled { FactorizedSpaceStep(step)(x, pairs: pairs, affinity: phi) }
        for i in 0..<reference.count { XCTAssertEqual(fused.data[i], reference.data[i], accuracy: 1e-5) }
        // The motion terms count: without them the output differs.
        let plain = RSTGSpaceStep(channels: 6, hidden: 5, positions: 14, generator: &g)
        try plain.load(stateDict: step.stateDict(), strict: false)
        let without = GradMode.disabled { plain(x, pairs: pairs) }
        XCTAssertGreaterThan(zip(without.data, reference.data).map { abs($0 - $1) }.max()!, 1e-2)
    }

    func testMotionWeightGradientsMatchFiniteDifferences() throws {
        var g = RandomGenerator(seed: 24)
        let step = RSTGSpaceStep(channels: 4, hidden: 5, positions: 14, affinities: 3, generator: &g)
        step.motionMessage!.assign(Tensor.normal([5, 3], generator: &g).data)
        step.motionAttention!.assign([0.5, -0.3, 0.2])
        let graph = PatchGraphBuilder(temporalEdges: false).build(featureMap: Tensor.uniform([2, 4, 6, 6], generator: &g))
        let pairs = RSTGSpaceStep.framePairs(graph)
        let phi = Tensor.uniform([pairs.adjacency.edgeCount, 3], generator: &g)
        let x = Tensor.normal([graph.nodeCount, 4], generator: &g)
        let weights = Tensor.normal([graph.nodeCount, 4], generator: &g)
        func loss() -> Tensor { (FactorizedSpaceStep(step)(x, pairs: pairs, affinity: phi) * weights).sum() }
        step.zeroGrad()
        loss().backward()
        try assertGradientsMatchFiniteDifferences([("motion_message", step.motionMessage!), ("motion_attention", step.motionAttention!)],
                                                  eps: 1e-2, absolute: 2e-3, relative: 2e-2, entries: { Array(0..<$0.count) }, loss: loss)
    }

    /// The whole model with motion affinities against the PyTorch peer (its `motion_affinities`).
    func testMotionAffinityRSTGLogitsMatchPyTorch() throws {
        let url = try XCTUnwrap(Bundle.module.url(forResource: "Fixtures/rstg_tiny_motion.safetensors", withExtension: nil))
        let loaded = try ModelRegistry.load(url.path)
        XCTAssertTrue(loaded.config.architecture.motionAffinity)
        let golden = try SafeTensors.read(try XCTUnwrap(Bundle.module.url(forResource: "Fixtures/rstg_tiny_motion_golden.safetensors", withExtension: nil)))
        let clips = try golden.tensor(named: "clips"), expected = try golden.tensor(named: "logits")
        let logits = GradMode.disabled { loaded.model.logits(clips) }
        XCTAssertEqual(logits.shape, expected.shape)
        for i in 0..<expected.count { XCTAssertEqual(logits.data[i], expected.data[i], accuracy: 2e-4, "logit \(i)") }
    }

    func testConfigNeedsFlow() {
        XCTAssertThrowsError(try ModelConfig(yaml: "name: x\nkind: rstg\narchitecture: {motion_affinity: true}\n", source: "bad.yaml")) { error in
            XCTAssertEqual((error as? ModelConfigError)?.key, "architecture.motion_affinity")
        }
    }
}
