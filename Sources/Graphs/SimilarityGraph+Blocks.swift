import Foundation
import Tensors

/// All ordered node pairs within each block of a block-diagonal graph (e.g. the region nodes of one
/// clip in a batch of clips), as a sparse adjacency plus the layout that scores them with one
/// batched GEMM.
///
/// Block b holds `members[b]` (node ids, any order, any sizes, no padding nodes). Edges run
/// j -> i for every i, j of the same block (self-pairs included), so a softmax over each target's
/// incoming edges is the row softmax of that block's dense `[N_b, N_b]` matrix. For the scores,
/// node rows are laid out in a padded scratch `[B, M, M]` (M = largest block): edge e reads entry
/// `scoreIndex[e] = b * M * M + i_local * M + j_local`; padded slots are never read.
public struct BlockPairs: Sendable {
    /// Edges source j -> target i within each block (`byTarget` groups each row).
    public let adjacency: SparseAdjacency
    /// `[B * M]` node row of each padded slot (0 for unused slots, whose scores are never read).
    public let paddedRows: [Int32]
    /// `[E]` flat index of each edge's score in the padded `[B, M, M]` matrix.
    public let scoreIndex: [Int32]
    /// Number of blocks B.
    public let blockCount: Int
    /// Largest block size M.
    public let maxBlock: Int

    /// Builds the pairs of `members` (`members[b]`: node ids of block b, each in `0..<nodeCount`).
    public init(members: [[Int]], nodeCount: Int) {
        let m = Swift.max(1, members.map(\.count).max() ?? 0)
        var sources: [Int32] = [], targets: [Int32] = [], score: [Int32] = []
        let total = members.reduce(0) { $0 + $1.count * $1.count }
        sources.reserveCapacity(total); targets.reserveCapacity(total); score.reserveCapacity(total)
        var padded = [Int32](repeating: 0, count: members.count * m)
        for (b, block) in members.enumerated() {
            for (i, node) in block.enumerated() {
                precondition(node >= 0 && node < nodeCount, "BlockPairs: node \(node) out of range 0..<\(nodeCount)")
                padded[b * m + i] = Int32(node)
                for (j, other) in block.enumerated() {
                    sources.append(Int32(other)); targets.append(Int32(node))
                    score.append(Int32(b * m * m + i * m + j))
                }
            }
        }
        adjacency = SparseAdjacency(sources: sources, targets: targets, nodeCount: nodeCount)
        paddedRows = padded
        scoreIndex = score
        blockCount = members.count
        maxBlock = m
    }
}

extension SimilarityGraph {
    /// The similarity graph restricted to blocks, as edge weights `[E]` over `pairs.adjacency`:
    /// `w(j -> i) = softmax_{j in block(i)}(phi(x_i)^T phi'(x_j))` (each target's weights sum to 1),
    /// equal to the rows of `callAsFunction` applied to each block alone. x `[N, C]`.
    ///
    /// Cost: two linear maps, one batched GEMM `[B, M, e] x [B, M, e]^T`, a gather of the E scores
    /// and a segment softmax; differentiable w.r.t. x and phi, phi'.
    public func edgeWeights(_ x: Tensor, pairs: BlockPairs) -> Tensor {
        precondition(x.rank == 2 && x.shape[0] == pairs.adjacency.nodeCount,
                     "SimilarityGraph.edgeWeights: x \(x.shape) for \(pairs.adjacency.nodeCount) nodes")
        let b = pairs.blockCount, m = pairs.maxBlock
        let query = phi(x).indexSelect(axis: 0, indices: pairs.paddedRows)          // [B * M, e]
        let key = phiPrime(x).indexSelect(axis: 0, indices: pairs.paddedRows)       // [B * M, e]
        let e = query.shape[1]
        let scores = Tensor.matmul(query.reshaped([b, m, e]), key.reshaped([b, m, e]), transposeB: true)   // [B, M, M]
        let edges = scores.reshaped([b * m * m, 1]).indexSelect(axis: 0, indices: pairs.scoreIndex)        // [E, 1]
        return edges.segmentSoftmax(pairs.adjacency.byTarget).reshaped([pairs.adjacency.edgeCount])      // [E]
    }
}
