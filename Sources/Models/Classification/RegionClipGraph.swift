import Foundation
import Graphs
import Tensors

/// The structure of the region graphs of a batch of clips (Wang & Gupta, ECCV 2018), batched
/// block-diagonally: every node belongs to one clip, and no edge crosses clips.
///
/// - `pairs`: all ordered pairs (self included) within each clip, the support of the dense
///   per-clip similarity graph `G^sim_ij = softmax_j(phi(x_i)^T phi'(x_j))` (`BlockPairs`).
/// - `forward`: IoU edges j -> i from region j at frame t-1 to region i at frame t of the same clip,
///   weight `IoU(box_i, box_j) / sum_j' IoU(box_i, box_j')` (each node's incoming weights sum to 1;
///   no edge where boxes do not overlap; frame-0 nodes receive none). `backward`: from t+1 to t likewise.
/// - `clips`: nodes grouped by clip, for the per-clip mean readout.
///
/// Nodes may come in any order (the graph stage is permutation equivariant); variable node counts
/// per frame and clip need no padding.
public struct RegionClipGraph: Sendable {
    /// A graph of fixed edge weights (row-normalised IoU).
    public struct WeightedEdges: Sendable {
        public let adjacency: SparseAdjacency
        /// `[E]` weight of each edge.
        public let weights: [Float]
    }

    /// `[N]` nodes: `time` is the frame within the clip, `box` normalised.
    public let nodes: [GraphNode]
    /// `[N]` clip of each node.
    public let clipOf: [Int]
    /// Number of clips B.
    public let clipCount: Int
    /// Similarity-graph support (all pairs within each clip).
    public let pairs: BlockPairs
    /// IoU edges t-1 -> t.
    public let forward: WeightedEdges
    /// IoU edges t+1 -> t.
    public let backward: WeightedEdges
    /// Nodes grouped by clip.
    public let clips: SegmentIndex

    /// Builds the graphs over `nodes` (clip of node n: `clipOf[n]` in `0..<clipCount`).
    public init(nodes: [GraphNode], clipOf: [Int], clipCount: Int) {
        precondition(nodes.count == clipOf.count, "RegionClipGraph: \(nodes.count) nodes, \(clipOf.count) clip ids")
        self.nodes = nodes
        self.clipOf = clipOf
        self.clipCount = clipCount
        var members = [[Int]](repeating: [], count: clipCount)
        for (n, c) in clipOf.enumerated() {
            precondition(c >= 0 && c < clipCount, "RegionClipGraph: clip \(c) out of range 0..<\(clipCount)")
            members[c].append(n)
        }
        pairs = BlockPairs(members: members, nodeCount: nodes.count)
        var fs: [Int32] = [], ft: [Int32] = [], fw: [Float] = []
        var bs: [Int32] = [], bt: [Int32] = [], bw: [Float] = []
        for block in members where !block.isEmpty {
            let (f, b) = RegionGraphBuilder.iouEdges(block.map { nodes[$0] })   // local ids
            for e in 0..<f.count {
                fs.append(Int32(block[Int(f.sources[e])])); ft.append(Int32(block[Int(f.targets[e])])); fw.append(f.weights![e])
            }
            for e in 0..<b.count {
                bs.append(Int32(block[Int(b.sources[e])])); bt.append(Int32(block[Int(b.targets[e])])); bw.append(b.weights![e])
            }
        }
        forward = WeightedEdges(adjacency: SparseAdjacency(sources: fs, targets: ft, nodeCount: nodes.count), weights: fw)
        backward = WeightedEdges(adjacency: SparseAdjacency(sources: bs, targets: bt, nodeCount: nodes.count), weights: bw)
        clips = SegmentIndex(segmentIds: clipOf.map(Int32.init), segmentCount: clipCount)
    }

    /// Number of nodes N.
    public var nodeCount: Int { nodes.count }

    /// Box geometry `[N, 5]`: normalised x0, y0, x1, y1 and box area.
    public var geometry: Tensor {
        var g = [Float](repeating: 0, count: nodes.count * 5)
        for (n, node) in nodes.enumerated() {
            let b = node.box
            g[5 * n] = b.x0; g[5 * n + 1] = b.y0; g[5 * n + 2] = b.x1; g[5 * n + 3] = b.y1; g[5 * n + 4] = b.area
        }
        return Tensor(g, shape: [nodes.count, 5])
    }
}
