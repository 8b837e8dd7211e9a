import XCTest
@testable import Graphs
@testable import Layers
@testable import Tensors

/// f(PX, PAP^T) = P f(X, A) for every graph layer, on random graphs and permutations.
final class EquivarianceTests: XCTestCase {
    let n = 9, e = 30, c = 6

    struct Setup {
        let x: Tensor, xp: Tensor
        let edges: EdgeList, edgesP: EdgeList
        let perm: [Int32]      // new node k = old node perm[k]
        let inverse: [Int32]   // old node i is new node inverse[i]
    }

    func setup(seed: UInt64) -> Setup {
        var rng = RandomGenerator(seed: seed)
        let (s, t) = randomEdges(nodes: n, edges: e, generator: &rng)
        let x = Tensor.normal([n, c], generator: &rng)
        var perm = (0..<Int32(n)).map { $0 }
        perm.shuffle(using: &rng)
        var inverse = [Int32](repeating: 0, count: n)
        for (k, old) in perm.enumerated() { inverse[Int(old)] = Int32(k) }
        let w = (0..<e).map { _ in rng.nextUniform() + 0.5 }
        let edges = EdgeList(sources: s, targets: t, weights: w)
        let edgesP = EdgeList(sources: s.map { inverse[Int($0)] }, targets: t.map { inverse[Int($0)] }, weights: w)
        return Setup(x: x, xp: x.indexSelect(axis: 0, indices: perm), edges: edges, edgesP: edgesP, perm: perm, inverse: inverse)
    }

    func assertEquivariant(_ s: Setup, _ f: (Tensor, EdgeList) -> Tensor, _ name: String, file: StaticString = #filePath, line: UInt = #line) {
        let y = GradMode.disabled { f(s.x, s.edges) }
        let yp = GradMode.disabled { f(s.xp, s.edgesP) }
        assertClose(yp.data, y.indexSelect(axis: 0, indices: s.perm).data, atol: 1e-5, rtol: 1e-4, name, file: file, line: line)
    }

    func testGCNAndGAT() {
        var rng = RandomGenerator(seed: 10)
        let gcn = GCNConv(c, 4, generator: &rng)
        let gat = GATConv(.init(inChannels: c, outChannels: 3, heads: 2), generator: &rng)
        let gatMean = GATConv(.init(inChannels: c, outChannels: 3, heads: 3, concat: false), generator: &rng)
        for seed in [1, 2, 3] as [UInt64] {
            let s = setup(seed: seed)
            assertEquivariant(s, { gcn($0, edges: $1) }, "gcn")
            assertEquivariant(s, { gat($0, edges: $1) }, "gat")
            assertEquivariant(s, { gatMean($0, edges: $1) }, "gat mean")
        }
    }

    func testGenericMessagePassingAggregations() {
        var rng = RandomGenerator(seed: 11)
        let lin = Linear(2 * c, 4, generator: &rng)
        let att = Linear(2 * c, 2, generator: &rng)
        for aggregation in Aggregation.allCases {
            let layer = MessagePassing(
                aggregation: aggregation, modules: [("lin", lin), ("att", att)],
                message: { xi, xj, _ in lin(Tensor.concat([xi, xj - xi], axis: 1)).tanh() },
                score: { xi, xj, _ in att(Tensor.concat([xi, xj], axis: 1)) },
                update: { x, m in Tensor.concat([x, m], axis: 1) })
            XCTAssertEqual(layer.namedParameters().map(\.name), ["lin.weight", "lin.bias", "att.weight", "att.bias"])
            for seed in [4, 5] as [UInt64] {
                let s = setup(seed: seed)
                assertEquivariant(s, { x, edges in
                    layer(x, adjacency: SparseAdjacency(sources: edges.sources, targets: edges.targets, nodeCount: x.shape[0]))
                }, "message passing \(aggregation)")
            }
        }
    }

    func testEdgeAndTimeAwareNodeUpdates() {
        var rng = RandomGenerator(seed: 12)
        let edgeUpdate = EdgeUpdate(nodeChannels: c, edgeChannels: 3, hidden: 8, outChannels: 3, generator: &rng)
        let nodeUpdate = TimeAwareNodeUpdate(nodeChannels: c, edgeChannels: 3, hidden: 5, outChannels: 4, generator: &rng)
        let s = setup(seed: 6)
        let ef = Tensor.normal([e, 3], generator: &rng)
        let times = (0..<n).map { $0 % 3 }
        let timesP = s.perm.map { times[Int($0)] }
        let adj = SparseAdjacency(sources: s.edges.sources, targets: s.edges.targets, nodeCount: n)
        let adjP = SparseAdjacency(sources: s.edgesP.sources, targets: s.edgesP.targets, nodeCount: n)
        // Edge outputs: same edge order, so equal (edge-permutation is the identity here).
        let h = edgeUpdate(s.x, edgeFeatures: ef, adjacency: adj)
        let hp = edgeUpdate(s.xp, edgeFeatures: ef, adjacency: adjP)
        assertClose(hp.data, h.data, atol: 1e-5, "edge update")
        let y = nodeUpdate(s.x, edgeFeatures: h, adjacency: adj, times: times)
        let yp = nodeUpdate(s.xp, edgeFeatures: hp, adjacency: adjP, times: timesP)
        assertClose(yp.data, y.indexSelect(axis: 0, indices: s.perm).data, atol: 1e-5, "time-aware node update")
    }

    func testRSTGSpaceStepWithinFramePermutation() {
        var rng = RandomGenerator(seed: 13)
        let map = Tensor.normal([2, c, 6, 6], generator: &rng)
        let graph = PatchGraphBuilder().build(featureMap: map)
        let step = RSTGSpaceStep(channels: c, hidden: 8, generator: &rng)
        // Permute nodes arbitrarily across the whole graph (frames keep their nodes' times).
        var perm = (0..<Int32(graph.nodeCount)).map { $0 }
        perm.shuffle(using: &rng)
        var inverse = [Int32](repeating: 0, count: perm.count)
        for (k, old) in perm.enumerated() { inverse[Int(old)] = Int32(k) }
        var edges: [EdgeType: EdgeList] = [:]
        for (type, list) in graph.edges {
            edges[type] = EdgeList(sources: list.sources.map { inverse[Int($0)] }, targets: list.targets.map { inverse[Int($0)] })
        }
        let permuted = SpaceTimeGraph(nodes: perm.map { graph.nodes[Int($0)] }, features: graph.features.indexSelect(axis: 0, indices: perm),
                                      edges: edges, frameCount: graph.frameCount)
        let y = step(graph.features, graph: graph)
        let yp = step(permuted.features, graph: permuted)
        assertClose(yp.data, y.indexSelect(axis: 0, indices: perm).data, atol: 1e-4, "rstg space step")
    }

    func testRSTGTimeStepNodePermutation() {
        var rng = RandomGenerator(seed: 14)
        let t = 3, k = 5
        let x = Tensor.normal([t * k, c], generator: &rng)
        var local = Array(0..<k)
        local.shuffle(using: &rng)
        let perm = (0..<t).flatMap { f in local.map { Int32(f * k + $0) } }
        let step = RSTGTimeStep(channels: c, hidden: 4, generator: &rng)
        let y = step(x, frames: t)
        let yp = step(x.indexSelect(axis: 0, indices: perm), frames: t)
        assertClose(yp.data, y.indexSelect(axis: 0, indices: perm).data, atol: 1e-5, "rstg time step")
    }
}
