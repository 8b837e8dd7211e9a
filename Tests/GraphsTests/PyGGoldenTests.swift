import XCTest
@testable import Graphs
@testable import Layers
@testable import Tensors

/// GCNConv and GATConv against PyTorch Geometric 2.8 (forward, attention, gradients).
final class PyGGoldenTests: XCTestCase {
    func load(_ module: any Module, _ golden: LayerGolden) throws {
        try module.load(stateDict: golden.state.mapValues { $0.tensor })
    }

    func checkGradients(_ module: any Module, x: Tensor, out: Tensor, golden: LayerGolden) {
        (out * golden.seed.tensor).sum().backward()
        assertClose(x.grad!.data, golden.grad_x.data, atol: 1e-5, rtol: 1e-4, "grad x")
        for (name, p) in module.namedParameters() {
            guard let expected = golden.grads[name] else { XCTFail("no golden grad for \(name)"); continue }
            assertClose(p.grad?.data ?? [], expected.data, atol: 1e-5, rtol: 1e-4, "grad \(name)")
        }
    }

    func testGCNConvMatchesPyG() throws {
        let golden = try LayerGolden.load("gcn")
        var rng = RandomGenerator(seed: 0)
        let conv = GCNConv(5, 3, generator: &rng)
        try load(conv, golden)
        let x = golden.x.tensor
        x.requiresGrad = true
        let edges = EdgeList(sources: golden.sources, targets: golden.targets, weights: golden.edge_weight)
        let out = conv(x, edges: edges)
        XCTAssertEqual(out.shape, golden.output.shape)
        assertClose(out.data, golden.output.data, atol: 1e-5, rtol: 1e-4, "gcn output")
        checkGradients(conv, x: x, out: out, golden: golden)
    }

    func testGATConvMatchesPyG() throws {
        for (name, concat) in [("gat_concat", true), ("gat_mean", false)] {
            let golden = try LayerGolden.load(name)
            var rng = RandomGenerator(seed: 0)
            let conv = GATConv(.init(inChannels: 5, outChannels: 3, heads: 2, concat: concat), generator: &rng)
            try load(conv, golden)
            let x = golden.x.tensor
            x.requiresGrad = true
            let edges = EdgeList(sources: golden.sources, targets: golden.targets)
            let adj = GATConv.prepare(edges: edges, nodeCount: 7)
            let (out, alpha) = conv.forward(x, adjacency: adj)
            assertClose(out.data, golden.output.data, atol: 1e-5, rtol: 1e-4, "\(name) output")
            // Attention: PyG's edge order is (edges without self-loops, then loops) like ours.
            let e = golden.attention!.shape[0]
            XCTAssertEqual(Array(golden.attention_edge_index![0..<e]), adj.sources)
            XCTAssertEqual(Array(golden.attention_edge_index![e...]), adj.targets)
            assertClose(alpha.data, golden.attention!.data, atol: 1e-5, rtol: 1e-4, "\(name) attention")
            checkGradients(conv, x: x, out: out, golden: golden)
        }
    }
}
