import Graphs
import XCTest
@testable import Models
import Tensors

/// The factorised space step equals `RSTGSpaceStep` (values and parameter gradients).
final class FactorizedSpaceStepTests: XCTestCase {
    func testMatchesReferenceStep() throws {
        var g = RandomGenerator(seed: 21)
        for positional in [false, true] {
            let step = RSTGSpaceStep(channels: 6, hidden: 5, positions: positional ? 14 : nil, generator: &g)
            let graph = PatchGraphBuilder(temporalEdges: false).build(featureMap: Tensor.uniform([3, 6, 6, 6], generator: &g))
            let pairs = RSTGSpaceStep.framePairs(graph)
            let x = Tensor.normal([graph.nodeCount, 6], generator: &g)
            let weights = Tensor.normal([graph.nodeCount, 6], generator: &g)
            step.zeroGrad()
            let reference = step(x, pairs: pairs)
            (reference * weights).sum().backward()
            let expectedGrads = step.namedParameters().map { $0.tensor.grad!.data }
            step.zeroGrad()
            let fast = FactorizedSpaceStep(step)(x, pairs: pairs)
            (fast * weights).sum().backward()
            for i in 0..<reference.count { XCTAssertEqual(fast.data[i], reference.data[i], accuracy: 1e-5) }
            for (n, (name, p)) in step.namedParameters().enumerated() {
                let grad = try XCTUnwrap(p.grad, name).data
                for i in 0..<grad.count { XCTAssertEqual(grad[i], expectedGrads[n][i], accuracy: 1e-4, "\(name)[\(i)]") }
            }
        }
    }

    /// Without the tape the step takes the fused attention-pooling kernel: same values as the
    /// reference step, with a non-zero adjacency bias so the neighbour term counts.
    func testInferencePathMatchesReferenceStep() {
        var g = RandomGenerator(seed: 22)
        for positional in [false, true] {
            let step = RSTGSpaceStep(channels: 6, hidden: 5, positions: positional ? 14 : nil, generator: &g)
            for (name, p) in step.namedParameters() where name == "adjacency_bias" { p.assign([0.7]) }
            let graph = PatchGraphBuilder(temporalEdges: false).build(featureMap: Tensor.uniform([3, 6, 6, 6], generator: &g))
            let pairs = RSTGSpaceStep.framePairs(graph)
            let x = Tensor.normal([graph.nodeCount, 6], std: 2, generator: &g)
            let reference = GradMode.disabled { step(x, pairs: pairs) }
            let fast = GradMode.disabled { FactorizedSpaceStep(step)(x, pairs: pairs) }
            XCTAssertFalse(fast.requiresGrad)
            XCTAssertEqual(fast.shape, reference.shape)
            for i in 0..<reference.count { XCTAssertEqual(fast.data[i], reference.data[i], accuracy: 1e-5) }
        }
    }
}
