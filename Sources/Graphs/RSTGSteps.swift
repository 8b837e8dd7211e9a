import Foundation
import Layers
import Tensors

/// The RSTG space step (Nicolicioiu, Duta & Leordeanu, NeurIPS 2019), applied to every frame:
/// send `m_ij = MLP_send([x_i, x_j])` (x optionally plus a learned positional embedding of the
/// node's cell), gather `a_i = sum_j alpha_ij m_ij` with dot-product attention
/// `alpha_ij = softmax_j((q_i . k_j) / sqrt(D) + beta * A_ij)` over all nodes j of the same frame
/// (self included; A = 1 for neighbours by the graph's spatial + cross-scale edges, so the
/// adjacency biases attention softly, beta learned, initialised to 1), and update
/// `x_i' = LayerNorm(MLP_update([x_i, a_i]))`.
/// Optional motion affinities (`affinities` M > 0): M per-pair features phi_ij (e.g. how alike the
/// motions of cells i and j are, a constant input) enter the send MLP's first layer and the
/// attention score: `m_ij = W_2 ReLU(W_1 [h_i, h_j] + b_1 + W_phi phi_ij) + b_2`,
/// `score_ij += beta_phi . phi_ij`, with W_phi `[H, M]` and beta_phi `[M]` starting at zero.
/// Names: `send.*`, `query.*`, `key.*`, `update.*`, `norm.*`, `adjacency_bias`, `position` `[P, C]`,
/// `motion_message` `[H, M]`, `motion_attention` `[M]`.
public final class RSTGSpaceStep: Module {
    let send: GraphMLP
    let query: Linear
    let key: Linear
    let update: GraphMLP
    let norm: LayerNorm
    /// `[1]` learned weight of the adjacency bias.
    public let adjacencyBias: Tensor
    /// `[P, C]` positional embedding per cell index within the frame, or nil.
    public let position: Tensor?
    /// `[H, M]` weight of the motion affinities in the send MLP's first layer, or nil.
    public let motionMessage: Tensor?
    /// `[M]` weight of the motion affinities in the attention score, or nil.
    public let motionAttention: Tensor?
    public let channels: Int
    public var isTraining = true

    public init(channels: Int, hidden: Int? = nil, positions: Int? = nil, affinities: Int = 0, generator: inout RandomGenerator) {
        let h = hidden ?? channels
        self.channels = channels
        send = GraphMLP(2 * channels, h, channels, generator: &generator)
        query = Linear(channels, channels, generator: &generator)
        key = Linear(channels, channels, generator: &generator)
        update = GraphMLP(2 * channels, h, channels, generator: &generator)
        norm = LayerNorm(channels)
        adjacencyBias = Tensor([1], shape: [1], requiresGrad: true)
        position = positions.map { Tensor.normal([$0, channels], std: 0.02, generator: &generator, requiresGrad: true) }
        motionMessage = affinities > 0 ? Tensor.zeros([h, affinities], requiresGrad: true) : nil
        motionAttention = affinities > 0 ? Tensor.zeros([affinities], requiresGrad: true) : nil
    }

    public var ownParameters: [(name: String, tensor: Tensor)] {
        [("adjacency_bias", adjacencyBias)] + (position.map { [("position", $0)] } ?? [])
            + (motionMessage.map { [("motion_message", $0)] } ?? []) + (motionAttention.map { [("motion_attention", $0)] } ?? [])
    }
    public var children: [(name: String, module: any Module)] {
        [("send", send), ("query", query), ("key", key), ("update", update), ("norm", norm)]
    }

    /// The dense within-frame pairs an RSTG space step attends over.
    public struct FramePairs: Sendable {
        /// Edges j -> i for all nodes i, j of the same frame (self included).
        public let adjacency: SparseAdjacency
        /// `[E]` 1 where j and i are neighbours by the graph's spatial / cross-scale edges, else 0.
        public let neighbour: [Float]
        /// `[N]` index of each node within its frame (selects its positional embedding).
        public let slot: [Int32]
    }

    /// The dense within-frame pairs (j -> i for all i, j of the same frame) and their adjacency bias
    /// indicator from the graph's spatial and cross-scale edges.
    public static func framePairs(_ graph: SpaceTimeGraph) -> FramePairs {
        var linked = Set<Int64>()
        for type in [EdgeType.spatial, .crossScale] {
            guard let list = graph.edges[type] else { continue }
            for e in 0..<list.count { linked.insert(Int64(list.sources[e]) << 32 | Int64(list.targets[e])) }
        }
        var sources: [Int32] = [], targets: [Int32] = [], neighbour: [Float] = []
        var slot = [Int32](repeating: 0, count: graph.nodeCount)
        for frame in graph.nodesByFrame {
            for (k, i) in frame.enumerated() {
                slot[i] = Int32(k)
                for j in frame {
                    sources.append(Int32(j)); targets.append(Int32(i))
                    neighbour.append(linked.contains(Int64(j) << 32 | Int64(i)) ? 1 : 0)
                }
            }
        }
        return FramePairs(adjacency: SparseAdjacency(sources: sources, targets: targets, nodeCount: graph.nodeCount),
                          neighbour: neighbour, slot: slot)
    }

    /// Node features `[N, C]` of `graph` (layout from `graph`) -> `[N, C]`.
    public func callAsFunction(_ x: Tensor, graph: SpaceTimeGraph) -> Tensor {
        let pairs = Self.framePairs(graph)
        return callAsFunction(x, pairs: pairs)
    }

    /// As above with precomputed `framePairs`; `affinity` `[E, M]` (edge order of `pairs`) when the
    /// step has motion affinities.
    public func callAsFunction(_ x: Tensor, pairs: FramePairs, affinity: Tensor? = nil) -> Tensor {
        precondition(x.rank == 2 && x.shape[1] == channels, "RSTGSpaceStep: input \(x.shape), expected [N, \(channels)]")
        precondition((affinity == nil) == (motionMessage == nil), "RSTGSpaceStep: motion affinities given to a step without them, or missing")
        let adj = pairs.adjacency
        let e = adj.edgeCount
        var h = x
        if let position { h = x + position.indexSelect(axis: 0, indices: pairs.slot) }     // [N, C]
        let hi = h.indexSelect(axis: 0, indices: adj.targets)                              // [E, C]
        let hj = h.indexSelect(axis: 0, indices: adj.sources)                              // [E, C]
        var firstLayer = send.first(Tensor.concat([hi, hj], axis: 1))                      // [E, H]
        if let affinity, let motionMessage { firstLayer = firstLayer + Tensor.matmul(affinity, motionMessage, transposeB: true) }
        let messages = send.second(firstLayer.relu())                                      // [E, C]
        let q = query(h).indexSelect(axis: 0, indices: adj.targets)                        // [E, C]
        let k = key(h).indexSelect(axis: 0, indices: adj.sources)                          // [E, C]
        var scores = (q * k).sum(axis: 1, keepDims: true) * (1 / Float(channels).squareRoot())
            + adjacencyBias * Tensor(pairs.neighbour, shape: [e, 1])                       // [E, 1]
        if let affinity, let motionAttention {
            scores = scores + Tensor.matmul(affinity, motionAttention.reshaped([motionAttention.count, 1]))   // [E, 1]
        }
        let alpha = scores.segmentSoftmax(adj.byTarget)                                    // [E, 1]
        let gathered = (messages * alpha).segmentSum(adj.byTarget)                         // [N, C]
        return norm(update(Tensor.concat([x, gathered], axis: 1)))
    }
}

/// The RSTG time step: one LSTM cell (weights shared by all nodes) runs over the frames for each
/// node position. Input `[T * K, C]` in frame-major node order (K nodes per frame, as the patch
/// builder lays them out) -> hidden states `[T * K, H]`. Names: `cell.weight_ih`, ... (PyTorch LSTMCell).
public final class RSTGTimeStep: Module {
    let cell: LSTMCell
    public var isTraining = true

    public init(channels: Int, hidden: Int? = nil, generator: inout RandomGenerator) {
        cell = LSTMCell(channels, hidden ?? channels, generator: &generator)
    }

    public var children: [(name: String, module: any Module)] { [("cell", cell)] }

    /// x `[T * K, C]` with `frames` = T -> `[T * K, H]`; zero initial state.
    public func callAsFunction(_ x: Tensor, frames t: Int) -> Tensor {
        precondition(x.rank == 2 && x.shape[0] % Swift.max(t, 1) == 0, "RSTGTimeStep: \(x.shape) rows for \(t) frames")
        let k = x.shape[0] / t
        var state = LSTMState(h: Tensor.zeros([k, cell.config.hiddenSize]), c: Tensor.zeros([k, cell.config.hiddenSize]))
        var outputs: [Tensor] = []
        for frame in 0..<t {
            state = cell.step(x.slice(axis: 0, start: frame * k, end: (frame + 1) * k), state)
            outputs.append(state.h)
        }
        return Tensor.concat(outputs, axis: 0)
    }
}
