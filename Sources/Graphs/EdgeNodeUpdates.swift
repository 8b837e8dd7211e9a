import Foundation
import Layers
import Tensors

/// Node-to-edge update (Brasó & Leal-Taixé, "Learning a Neural Solver for Multiple Object
/// Tracking", CVPR 2020): for an edge j -> i, `h_ji' = N_e([h_j, h_ji, h_i])` with N_e a two-layer
/// MLP (`mlp.0`, `mlp.2`). Edge features `[E, D]` in the adjacency's edge order -> `[E, D_out]`.
public final class EdgeUpdate: Module {
    let mlp: GraphMLP
    public let nodeChannels: Int
    public let edgeChannels: Int
    public var isTraining = true

    public init(nodeChannels: Int, edgeChannels: Int, hidden: Int, outChannels: Int, generator: inout RandomGenerator) {
        self.nodeChannels = nodeChannels
        self.edgeChannels = edgeChannels
        mlp = GraphMLP(2 * nodeChannels + edgeChannels, hidden, outChannels, generator: &generator)
    }

    public var children: [(name: String, module: any Module)] { [("mlp", mlp)] }

    /// x `[N, C]`, edge features `[E, D]` -> `[E, D_out]`.
    public func callAsFunction(_ x: Tensor, edgeFeatures: Tensor, adjacency adj: SparseAdjacency) -> Tensor {
        let xs = x.indexSelect(axis: 0, indices: adj.sources)   // [E, C]
        let xt = x.indexSelect(axis: 0, indices: adj.targets)   // [E, C]
        return mlp(Tensor.concat([xs, edgeFeatures, xt], axis: 1))
    }
}

/// Time-aware edge-to-node update (Brasó & Leal-Taixé 2020): for node i, messages from past
/// neighbours (source frame < target frame) `m_ji = N_past([h_i, h_ji])` and from future neighbours
/// `m_ji = N_future([h_i, h_ji])` are summed separately and combined: `h_i' = N_v([m_past, m_future])`.
/// Edges between nodes of the same frame are ignored. Names: `past.*`, `future.*`, `node.*`.
public final class TimeAwareNodeUpdate: Module {
    let past: GraphMLP
    let future: GraphMLP
    let node: GraphMLP
    public var isTraining = true

    public init(nodeChannels: Int, edgeChannels: Int, hidden: Int, outChannels: Int, generator: inout RandomGenerator) {
        past = GraphMLP(nodeChannels + edgeChannels, hidden, hidden, generator: &generator)
        future = GraphMLP(nodeChannels + edgeChannels, hidden, hidden, generator: &generator)
        node = GraphMLP(2 * hidden, hidden, outChannels, generator: &generator)
    }

    public var children: [(name: String, module: any Module)] { [("past", past), ("future", future), ("node", node)] }

    /// x `[N, C]`, edge features `[E, D]`, node frame indices `[N]` -> `[N, C_out]`.
    public func callAsFunction(_ x: Tensor, edgeFeatures: Tensor, adjacency adj: SparseAdjacency, times: [Int]) -> Tensor {
        precondition(times.count == adj.nodeCount, "TimeAwareNodeUpdate: \(times.count) times for \(adj.nodeCount) nodes")
        func side(_ keep: (Int, Int) -> Bool, _ mlp: GraphMLP) -> Tensor {
            let edges = (0..<adj.edgeCount).filter { keep(times[Int(adj.sources[$0])], times[Int(adj.targets[$0])]) }
            let ids = edges.map { Int32($0) }
            let sub = SparseAdjacency(sources: ids.map { adj.sources[Int($0)] }, targets: ids.map { adj.targets[Int($0)] },
                                      nodeCount: adj.nodeCount)
            let hi = x.indexSelect(axis: 0, indices: sub.targets)                   // [E', C]
            let hij = edgeFeatures.indexSelect(axis: 0, indices: ids)              // [E', D]
            let m = mlp(Tensor.concat([hi, hij], axis: 1))                         // [E', hidden]
            return m.segmentSum(sub.byTarget)                                      // [N, hidden]
        }
        let mPast = side({ $0 < $1 }, past)
        let mFuture = side({ $0 > $1 }, future)
        return node(Tensor.concat([mPast, mFuture], axis: 1))
    }
}
