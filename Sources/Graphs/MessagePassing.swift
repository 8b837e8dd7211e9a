import Foundation
import Layers
import Tensors

/// How incoming messages are combined at a target node (all permutation invariant, any degree).
public enum Aggregation: String, Sendable, CaseIterable {
    /// m_i = sum_j m_ij
    case sum
    /// m_i = mean_j m_ij (0 without incoming edges)
    case mean
    /// m_i = max_j m_ij per channel (0 without incoming edges)
    case max
    /// m_i = sum_j softmax_j(s_ij) m_ij, scores s_ij from the `score` closure (per channel group)
    case attention
}

/// A generic message-passing layer in the PyG `MessagePassing` style (Gilmer et al. 2017):
/// `m_ij = message(x_i, x_j, e_ij)` for every edge j -> i, `m_i = aggregate_j m_ij`,
/// `x_i' = update(x_i, m_i)`.
///
/// Closures receive edge-wise tensors: `x_i` (target rows) and `x_j` (source rows) `[E, C]`, edge
/// features `[E, D]` or nil. `message` returns `[E, M]`; `score` (attention only) returns `[E, K]`
/// with K dividing M (K heads of M/K channels); `update` maps `[N, C]`, `[N, M]` to the output.
/// Trainable sub-modules used by the closures are registered as `modules` (hierarchical names).
public final class MessagePassing: Module {
    public typealias Message = (_ xi: Tensor, _ xj: Tensor, _ eij: Tensor?) -> Tensor
    public typealias Update = (_ x: Tensor, _ m: Tensor) -> Tensor

    public let aggregation: Aggregation
    public let message: Message
    public let score: Message?
    public let update: Update
    public let modules: [(name: String, module: any Module)]
    public var isTraining = true

    public init(aggregation: Aggregation, modules: [(name: String, module: any Module)] = [],
                message: @escaping Message, score: Message? = nil,
                update: @escaping Update = { _, m in m }) {
        precondition(aggregation != .attention || score != nil, "MessagePassing: attention aggregation needs a score closure")
        self.aggregation = aggregation
        self.modules = modules
        self.message = message
        self.score = score
        self.update = update
    }

    public var children: [(name: String, module: any Module)] { modules }

    /// Runs one round on node features `[N, C]` over `adjacency`, with optional edge features `[E, D]`.
    public func callAsFunction(_ x: Tensor, adjacency adj: SparseAdjacency, edgeFeatures: Tensor? = nil) -> Tensor {
        let xi = x.indexSelect(axis: 0, indices: adj.targets)   // [E, C]
        let xj = x.indexSelect(axis: 0, indices: adj.sources)   // [E, C]
        let m = message(xi, xj, edgeFeatures)                   // [E, M]
        let aggregated: Tensor
        switch aggregation {
        case .sum: aggregated = m.segmentSum(adj.byTarget)
        case .mean: aggregated = m.segmentMean(adj.byTarget)
        case .max: aggregated = m.segmentMax(adj.byTarget)
        case .attention:
            let s = score!(xi, xj, edgeFeatures)                // [E, K]
            let e = m.shape[0], width = m.shape[1], heads = s.count / Swift.max(e, 1)
            precondition(width % heads == 0, "MessagePassing: \(width) message channels for \(heads) score heads")
            let alpha = s.reshaped([e, heads]).segmentSoftmax(adj.byTarget)                     // [E, K]
            let weighted = m.reshaped([e, heads, width / heads]) * alpha.reshaped([e, heads, 1]) // [E, K, M/K]
            aggregated = weighted.reshaped([e, width]).segmentSum(adj.byTarget)
        }
        return update(x, aggregated)
    }
}
