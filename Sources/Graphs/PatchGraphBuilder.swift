import Foundation
import Tensors

/// Builds RSTG patch nodes (Nicolicioiu, Duta & Leordeanu, NeurIPS 2019): for every frame, the
/// cells of square grids at several scales (default 3x3, 2x2, 1x1 = 14 nodes per frame) over a
/// feature map `[T, C, H, W]`, area-average pooled (adaptive-average-pool bounds).
///
/// Node order: frame-major, then scale in `gridSizes` order, then row-major cells. Node boxes are
/// the ideal cells `[col/n, (col+1)/n] x [row/n, (row+1)/n]` in normalised coordinates.
/// Neighbour rule (on the ideal cells, independent of the map size): two distinct cells of the
/// same frame are neighbours when their closed rectangles overlap with positive area or share a
/// border segment of positive length; touching at a corner only does not count; no self-loops.
/// Same-scale pairs are `spatial` edges, different-scale pairs `crossScale`; both directions.
/// Temporal edges link the same cell of frames t and t+1 (`temporalForward` t -> t+1,
/// `temporalBackward` t+1 -> t).
public struct PatchGraphBuilder: Sendable {
    /// Grid side lengths, each giving an n x n grid.
    public var gridSizes: [Int]
    /// Whether to add temporal edges between consecutive frames.
    public var temporalEdges: Bool

    public init(gridSizes: [Int] = [3, 2, 1], temporalEdges: Bool = true) {
        precondition(gridSizes.allSatisfy { $0 > 0 }, "PatchGraphBuilder: grid sizes \(gridSizes) must be positive")
        self.gridSizes = gridSizes
        self.temporalEdges = temporalEdges
    }

    /// One grid cell: scale index, row, column.
    public struct Cell: Sendable, Equatable {
        public var scale: Int, row: Int, col: Int, gridSize: Int
    }

    /// The cells of one frame in node order.
    public var cells: [Cell] {
        gridSizes.enumerated().flatMap { s, n in
            (0..<(n * n)).map { Cell(scale: s, row: $0 / n, col: $0 % n, gridSize: n) }
        }
    }

    /// Nodes per frame.
    public var nodesPerFrame: Int { gridSizes.reduce(0) { $0 + $1 * $1 } }

    /// Whether two cells are neighbours (see the type's rule). Exact integer arithmetic.
    public static func areNeighbours(_ a: Cell, _ b: Cell) -> Bool {
        if a == b { return false }
        // Interval [p/n, (p+1)/n] vs [q/m, (q+1)/m]: overlap length sign via cross-multiplication.
        func overlap(_ p: Int, _ n: Int, _ q: Int, _ m: Int) -> Int {
            // min(end) - max(start) scaled by n*m.
            Swift.min((p + 1) * m, (q + 1) * n) - Swift.max(p * m, q * n)
        }
        let ox = overlap(a.col, a.gridSize, b.col, b.gridSize)
        let oy = overlap(a.row, a.gridSize, b.row, b.gridSize)
        return ox >= 0 && oy >= 0 && (ox > 0 || oy > 0)
    }

    /// The within-frame edges over `cells` (local ids), split into same-scale and cross-scale.
    public func frameEdges() -> (spatial: [(Int, Int)], crossScale: [(Int, Int)]) {
        let cs = cells
        var spatial: [(Int, Int)] = [], cross: [(Int, Int)] = []
        for i in 0..<cs.count {
            for j in 0..<cs.count where i != j && Self.areNeighbours(cs[i], cs[j]) {
                if cs[i].scale == cs[j].scale { spatial.append((j, i)) } else { cross.append((j, i)) }
            }
        }
        return (spatial, cross)
    }

    /// Builds the graph for a feature map `[T, C, H, W]` (features differentiable w.r.t. the map).
    public func build(featureMap map: Tensor) -> SpaceTimeGraph {
        precondition(map.rank == 4, "PatchGraphBuilder.build: map \(map.shape) is not [T, C, H, W]")
        let t = map.shape[0], h = map.shape[2], w = map.shape[3]
        let cs = cells
        var nodes: [GraphNode] = []
        var regions: [PoolingRegion] = []
        for frame in 0..<t {
            for cell in cs {
                let n = cell.gridSize
                let ys = RegionPooling.cellBounds(cell.row, of: n, extent: h)
                let xs = RegionPooling.cellBounds(cell.col, of: n, extent: w)
                regions.append(.rectangle(frame: frame, y0: ys.lowerBound, y1: ys.upperBound,
                                          x0: xs.lowerBound, x1: xs.upperBound, width: w))
                let box = NodeBox(x0: Float(cell.col) / Float(n), y0: Float(cell.row) / Float(n),
                                  x1: Float(cell.col + 1) / Float(n), y1: Float(cell.row + 1) / Float(n))
                nodes.append(GraphNode(time: frame, kind: .patch, scale: cell.scale, box: box))
            }
        }
        let features = RegionPooling.pool(map, regions: regions)   // [T * nodesPerFrame, C]
        return SpaceTimeGraph(nodes: nodes, features: features, edges: edges(frameCount: t), frameCount: t)
    }

    /// The typed edges for `frameCount` frames of `nodesPerFrame` nodes each.
    public func edges(frameCount t: Int) -> [EdgeType: EdgeList] {
        let (spatialLocal, crossLocal) = frameEdges()
        let k = nodesPerFrame
        var spatial = EdgeList(), cross = EdgeList(), forward = EdgeList(), backward = EdgeList()
        for frame in 0..<t {
            for (s, d) in spatialLocal { spatial.append(frame * k + s, frame * k + d) }
            for (s, d) in crossLocal { cross.append(frame * k + s, frame * k + d) }
            if temporalEdges && frame + 1 < t {
                for i in 0..<k {
                    forward.append(frame * k + i, (frame + 1) * k + i)
                    backward.append((frame + 1) * k + i, frame * k + i)
                }
            }
        }
        var result: [EdgeType: EdgeList] = [.spatial: spatial, .crossScale: cross]
        if temporalEdges { result[.temporalForward] = forward; result[.temporalBackward] = backward }
        return result
    }
}
