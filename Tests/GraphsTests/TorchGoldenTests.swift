import XCTest
@testable import Graphs
@testable import Layers
@testable import Tensors

/// RSTG space/time steps, edge -> node updates and the similarity graph against PyTorch
/// references in tools/reference/graph_goldens.py (forward and gradients).
final class TorchGoldenTests: XCTestCase {
    func state(_ golden: LayerGolden, prefix: String) -> [String: Tensor] {
        var result: [String: Tensor] = [:]
        for (k, v) in golden.state where k.hasPrefix(prefix) { result[String(k.dropFirst(prefix.count))] = v.tensor }
        return result
    }

    func assertGrads(_ module: any Module, _ golden: LayerGolden, prefix: String = "", file: StaticString = #filePath, line: UInt = #line) {
        for (name, p) in module.namedParameters() {
            guard let expected = golden.grads[prefix + name] else { XCTFail("no golden grad for \(prefix + name)", file: file, line: line); continue }
            assertClose(p.grad?.data ?? [], expected.data, atol: 1e-5, rtol: 1e-3, "grad \(prefix + name)", file: file, line: line)
        }
    }

    func testRSTGSpaceStep() throws {
        let golden = try LayerGolden.load("rstg_space")
        var rng = RandomGenerator(seed: 0)
        let step = RSTGSpaceStep(channels: 4, hidden: 6, positions: 5, generator: &rng)
        try step.load(stateDict: state(golden, prefix: ""))
        let graph = PatchGraphBuilder(gridSizes: [2, 1]).build(featureMap: Tensor.zeros([2, 1, 4, 4]))
        let x = golden.x.tensor
        x.requiresGrad = true
        let out = step(x, graph: graph)
        assertClose(out.data, golden.output.data, atol: 1e-5, rtol: 1e-4, "rstg space output")
        (out * golden.seed.tensor).sum().backward()
        assertClose(x.grad!.data, golden.grad_x.data, atol: 1e-5, rtol: 1e-3, "grad x")
        assertGrads(step, golden)
    }

    func testRSTGTimeStep() throws {
        let golden = try LayerGolden.load("rstg_time")
        var rng = RandomGenerator(seed: 0)
        let step = RSTGTimeStep(channels: 4, hidden: 3, generator: &rng)
        try step.load(stateDict: state(golden, prefix: ""))
        let x = golden.x.tensor
        x.requiresGrad = true
        let out = step(x, frames: 3)
        assertClose(out.data, golden.output.data, atol: 1e-5, rtol: 1e-4, "rstg time output")
        (out * golden.seed.tensor).sum().backward()
        assertClose(x.grad!.data, golden.grad_x.data, atol: 1e-5, rtol: 1e-3, "grad x")
        assertGrads(step, golden)
    }

    func testEdgeThenTimeAwareNodeUpdate() throws {
        let golden = try LayerGolden.load("edge_node")
        var rng = RandomGenerator(seed: 0)
        let edgeUpdate = EdgeUpdate(nodeChannels: 3, edgeChannels: 2, hidden: 5, outChannels: 2, generator: &rng)
        let nodeUpdate = TimeAwareNodeUpdate(nodeChannels: 3, edgeChannels: 2, hidden: 5, outChannels: 4, generator: &rng)
        try edgeUpdate.load(stateDict: state(golden, prefix: "edge."))
        try nodeUpdate.load(stateDict: state(golden, prefix: "nodeupd."))
        let extra = golden.extra!
        let ei = extra["edge_index"]!.data.map { Int32($0) }
        let e = ei.count / 2
        let adj = SparseAdjacency(sources: Array(ei[..<e]), targets: Array(ei[e...]), nodeCount: 6)
        let times = extra["times"]!.data.map { Int($0) }
        let x = golden.x.tensor, ef = extra["edge_features"]!.tensor
        x.requiresGrad = true; ef.requiresGrad = true
        let h = edgeUpdate(x, edgeFeatures: ef, adjacency: adj)
        let out = nodeUpdate(x, edgeFeatures: h, adjacency: adj, times: times)
        assertClose(out.data, golden.output.data, atol: 1e-5, rtol: 1e-4, "edge-node output")
        (out * golden.seed.tensor).sum().backward()
        assertClose(x.grad!.data, golden.grad_x.data, atol: 1e-5, rtol: 1e-3, "grad x")
        assertClose(ef.grad!.data, extra["grad_edge_features"]!.data, atol: 1e-5, rtol: 1e-3, "grad edge features")
        assertGrads(edgeUpdate, golden, prefix: "edge.")
        assertGrads(nodeUpdate, golden, prefix: "nodeupd.")
    }

    func testSimilarityGraph() throws {
        let golden = try LayerGolden.load("similarity")
        var rng = RandomGenerator(seed: 0)
        let sim = SimilarityGraph(channels: 3, embedding: 2, generator: &rng)
        try sim.load(stateDict: state(golden, prefix: ""))
        let x = golden.x.tensor
        x.requiresGrad = true
        let out = sim(x)
        assertClose(out.data, golden.output.data, atol: 1e-6, rtol: 1e-4, "similarity output")
        (out * golden.seed.tensor).sum().backward()
        assertClose(x.grad!.data, golden.grad_x.data, atol: 1e-5, rtol: 1e-3, "grad x")
        assertGrads(sim, golden)
    }
}
