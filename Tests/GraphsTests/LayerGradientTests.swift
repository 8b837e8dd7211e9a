import XCTest
@testable import Graphs
@testable import Layers
@testable import Tensors

/// Finite-difference gradient checks through every graph layer (inputs and a parameter).
final class LayerGradientTests: XCTestCase {
    func testGCNAndGATGradients() {
        var rng = RandomGenerator(seed: 20)
        let (s, t) = randomEdges(nodes: 6, edges: 14, generator: &rng)
        let edges = EdgeList(sources: s, targets: t)
        let x = Tensor.normal([6, 4], generator: &rng)
        let gcn = GCNConv(4, 3, generator: &rng)
        checkGradients([x, gcn.lin.weight]) { gcn($0[0], edges: edges) }
        let gat = GATConv(.init(inChannels: 4, outChannels: 2, heads: 2), generator: &rng)
        // Small eps: a 1e-2 step crosses the LeakyReLU kink of some attention logits.
        checkGradients([x, gat.attSrc, gat.attDst, gat.lin.weight], eps: 1e-3, atol: 3e-3) { gat($0[0], edges: edges) }
    }

    func testMessagePassingAttentionGradient() {
        var rng = RandomGenerator(seed: 21)
        let (s, t) = randomEdges(nodes: 6, edges: 14, generator: &rng)
        let adj = SparseAdjacency(sources: s, targets: t, nodeCount: 6)
        let lin = Linear(8, 4, generator: &rng)
        let layer = MessagePassing(aggregation: .attention, modules: [("lin", lin)],
                                   message: { xi, xj, _ in lin(Tensor.concat([xi, xj], axis: 1)).tanh() },
                                   score: { xi, xj, _ in (xi * xj).sum(axis: 1, keepDims: true) })
        let x = Tensor.normal([6, 4], generator: &rng)
        checkGradients([x, lin.weight]) { layer($0[0], adjacency: adj) }
        let mean = MessagePassing(aggregation: .mean, message: { _, xj, e in xj * e! })
        let ef = Tensor.normal([14, 4], generator: &rng)
        checkGradients([x, ef]) { mean($0[0], adjacency: adj, edgeFeatures: $0[1]) }
    }

    func testEdgeNodeGradients() {
        var rng = RandomGenerator(seed: 22)
        let (s, t) = randomEdges(nodes: 6, edges: 12, generator: &rng)
        let adj = SparseAdjacency(sources: s, targets: t, nodeCount: 6)
        let times = [0, 1, 2, 0, 1, 2]
        let edgeUpdate = EdgeUpdate(nodeChannels: 3, edgeChannels: 2, hidden: 5, outChannels: 2, generator: &rng)
        let nodeUpdate = TimeAwareNodeUpdate(nodeChannels: 3, edgeChannels: 2, hidden: 4, outChannels: 3, generator: &rng)
        let x = Tensor.normal([6, 3], generator: &rng)
        let ef = Tensor.normal([12, 2], generator: &rng)
        checkGradients([x, ef], eps: 1e-3, atol: 3e-3) { v in
            nodeUpdate(v[0], edgeFeatures: edgeUpdate(v[0], edgeFeatures: v[1], adjacency: adj), adjacency: adj, times: times)
        }
    }

    func testRSTGStepGradients() {
        var rng = RandomGenerator(seed: 23)
        let map = Tensor.normal([2, 3, 4, 4], generator: &rng)
        let graph = PatchGraphBuilder(gridSizes: [2, 1]).build(featureMap: map)
        let space = RSTGSpaceStep(channels: 3, hidden: 4, positions: 5, generator: &rng)
        let pairs = RSTGSpaceStep.framePairs(graph)
        let x = graph.features.detached()
        checkGradients([x, space.adjacencyBias, space.position!], eps: 1e-3, atol: 3e-3) { space($0[0], pairs: pairs) }
        let time = RSTGTimeStep(channels: 3, hidden: 2, generator: &rng)
        checkGradients([x]) { time($0[0], frames: 2) }
    }

    func testSimilarityGraphAndRegionPoolingGradients() {
        var rng = RandomGenerator(seed: 24)
        let sim = SimilarityGraph(channels: 3, embedding: 2, generator: &rng)
        let x = Tensor.normal([5, 3], generator: &rng)
        let g = sim(x)
        for i in 0..<5 { XCTAssertEqual(g.data[(i * 5)..<(i * 5 + 5)].reduce(0, +), 1, accuracy: 1e-5) }
        checkGradients([x]) { sim($0[0]) }
        let map = Tensor.normal([2, 2, 3, 3], generator: &rng)
        let regions = [PoolingRegion(frame: 0, pixels: [0, 4, 8]), PoolingRegion(frame: 1, pixels: [2]),
                       PoolingRegion(frame: 1, pixels: [])]
        let pooled = RegionPooling.pool(map, regions: regions)
        XCTAssertEqual(pooled.data[0], (map.data[0] + map.data[4] + map.data[8]) / 3, accuracy: 1e-6)
        XCTAssertEqual(pooled.data[4], 0)
        checkGradients([map]) { RegionPooling.pool($0[0], regions: regions) }
    }
}

final class GATDropoutTests: XCTestCase {
    func testAttentionDropoutOnlyInTraining() {
        var rng = RandomGenerator(seed: 30)
        let (s, t) = randomEdges(nodes: 8, edges: 40, generator: &rng)
        let adj = GATConv.prepare(edges: EdgeList(sources: s, targets: t), nodeCount: 8)
        let gat = GATConv(.init(inChannels: 3, outChannels: 2, heads: 2, dropout: 0.5), generator: &rng)
        let x = Tensor.normal([8, 3], generator: &rng)
        gat.setTraining(false)
        let (evalOut, evalAlpha) = gat.forward(x, adjacency: adj)
        XCTAssertTrue(evalAlpha.data.allSatisfy { $0 > 0 })
        gat.setTraining(true)
        let (trainOut, trainAlpha) = gat.forward(x, adjacency: adj)
        let dropped = trainAlpha.data.filter { $0 == 0 }.count
        XCTAssertGreaterThan(dropped, trainAlpha.count / 4)
        XCTAssertLessThan(dropped, trainAlpha.count * 3 / 4)
        // Kept weights are the evaluation weights scaled by 1 / (1 - p).
        for i in 0..<trainAlpha.count where trainAlpha.data[i] != 0 {
            XCTAssertEqual(trainAlpha.data[i], evalAlpha.data[i] * 2, accuracy: 1e-5)
        }
        XCTAssertNotEqual(trainOut.data, evalOut.data)
    }
}
