import Tensors

/// What a node stands for.
public enum NodeKind: String, Codable, Sendable, CaseIterable {
    /// A cell of a regular grid over a frame's feature map (RSTG).
    case patch
    /// A superpixel, mask component or detection box (Wang & Gupta).
    case region
    /// A whole frame (AGNN).
    case frame
}

/// The relation an edge encodes. Edges are directed (source -> target); messages flow along them.
public enum EdgeType: String, Codable, Sendable, CaseIterable, Comparable {
    /// Neighbouring nodes of the same grid scale in the same frame.
    case spatial
    /// Overlapping or touching nodes of different grid scales in the same frame.
    case crossScale
    /// Node at frame t -> node at frame t + 1.
    case temporalForward
    /// Node at frame t -> node at frame t - 1.
    case temporalBackward
    /// Learned or feature similarity between nodes.
    case similarity
    /// Frame node -> frame node (AGNN complete graph).
    case frameToFrame

    public static func < (a: EdgeType, b: EdgeType) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// An axis-aligned box in normalised frame coordinates: x from left (0) to right (1), y from top
/// (0) to bottom (1); `x1`, `y1` are exclusive edges, so a full frame is (0, 0, 1, 1).
public struct NodeBox: Codable, Sendable, Equatable {
    public var x0: Float, y0: Float, x1: Float, y1: Float

    public init(x0: Float, y0: Float, x1: Float, y1: Float) {
        self.x0 = x0; self.y0 = y0; self.x1 = x1; self.y1 = y1
    }

    /// Width times height (0 when empty).
    public var area: Float { Swift.max(0, x1 - x0) * Swift.max(0, y1 - y0) }

    /// Intersection over union with another box (0 when disjoint or both empty).
    public func iou(_ other: NodeBox) -> Float {
        let w = Swift.min(x1, other.x1) - Swift.max(x0, other.x0)
        let h = Swift.min(y1, other.y1) - Swift.max(y0, other.y0)
        guard w > 0, h > 0 else { return 0 }
        let inter = w * h
        return inter / (area + other.area - inter)
    }
}

/// A binary region mask on a `width` x `height` pixel grid, stored as the sorted flat indices
/// (`y * width + x`) of its pixels.
public struct RegionMask: Codable, Sendable, Equatable {
    public var width: Int
    public var height: Int
    /// Sorted `y * width + x` of the covered pixels.
    public var pixels: [Int32]

    public init(width: Int, height: Int, pixels: [Int32]) {
        self.width = width; self.height = height; self.pixels = pixels
    }
}

/// One node of a space-time graph: where and when it is.
public struct GraphNode: Codable, Sendable, Equatable {
    /// Frame index (0-based) within its video or clip.
    public var time: Int
    public var kind: NodeKind
    /// Grid scale index for patch nodes (0 = finest grid listed first in the builder), 0 otherwise.
    public var scale: Int
    /// Extent in normalised frame coordinates.
    public var box: NodeBox
    /// Pixels covered (regions), nil when the box says it all.
    public var mask: RegionMask?

    public init(time: Int, kind: NodeKind, scale: Int = 0, box: NodeBox, mask: RegionMask? = nil) {
        self.time = time; self.kind = kind; self.scale = scale; self.box = box; self.mask = mask
    }
}

/// A list of directed edges of one type: `[2, E]` (source row, then target row) plus optional
/// per-edge scalar weights `[E]`.
public struct EdgeList: Sendable, Equatable {
    /// `[E]`
    public var sources: [Int32]
    /// `[E]`
    public var targets: [Int32]
    /// `[E]` or nil (all 1).
    public var weights: [Float]?

    public init(sources: [Int32] = [], targets: [Int32] = [], weights: [Float]? = nil) {
        precondition(sources.count == targets.count, "EdgeList: \(sources.count) sources, \(targets.count) targets")
        precondition(weights == nil || weights!.count == sources.count, "EdgeList: weights for \(weights!.count) of \(sources.count) edges")
        self.sources = sources; self.targets = targets; self.weights = weights
    }

    public var count: Int { sources.count }

    /// The edges as a flat `[2, E]` array: sources then targets.
    public var edgeIndex: [Int32] { sources + targets }

    /// Appends one edge.
    public mutating func append(_ source: Int, _ target: Int, weight: Float? = nil) {
        sources.append(Int32(source)); targets.append(Int32(target))
        if let weight {
            if weights == nil { weights = [Float](repeating: 1, count: sources.count - 1) }
            weights!.append(weight)
        } else if weights != nil {
            weights!.append(1)
        }
    }
}

/// A space-time graph: nodes (patches, regions or frames, each with a frame index and a box),
/// node features `[N, C]`, and typed directed edges stored as `[2, E]` (source, target) lists.
///
/// Aggregation uses the CSR-by-target view from `adjacency(_:)`. Several graphs batch into one
/// block-diagonal graph with `SpaceTimeGraph.batch` (see `GraphBatch`).
public struct SpaceTimeGraph {
    /// The nodes, in feature-row order.
    public var nodes: [GraphNode]
    /// `[N, C]` node features (may be tracked by the tape).
    public var features: Tensor
    /// Edges by type.
    public var edges: [EdgeType: EdgeList]
    /// Optional edge features `[E_type, D]` per edge type, rows in that type's edge order.
    public var edgeFeatures: [EdgeType: Tensor]
    /// Number of frames the graph spans.
    public var frameCount: Int

    public init(nodes: [GraphNode], features: Tensor, edges: [EdgeType: EdgeList] = [:],
                edgeFeatures: [EdgeType: Tensor] = [:], frameCount: Int? = nil) {
        precondition(features.rank == 2 && features.shape[0] == nodes.count,
                     "SpaceTimeGraph: features \(features.shape) for \(nodes.count) nodes")
        for (type, list) in edges {
            for i in list.sources + list.targets {
                precondition(i >= 0 && Int(i) < nodes.count, "SpaceTimeGraph: \(type) edge node \(i) out of range 0..<\(nodes.count)")
            }
        }
        for (type, f) in edgeFeatures {
            precondition(f.rank == 2 && f.shape[0] == (edges[type]?.count ?? 0),
                         "SpaceTimeGraph: \(type) edge features \(f.shape) for \(edges[type]?.count ?? 0) edges")
        }
        self.nodes = nodes
        self.features = features
        self.edges = edges
        self.edgeFeatures = edgeFeatures
        self.frameCount = frameCount ?? ((nodes.map(\.time).max() ?? -1) + 1)
    }

    /// Number of nodes N.
    public var nodeCount: Int { nodes.count }
    /// Feature channels C.
    public var featureCount: Int { features.shape[1] }
    /// Total number of edges over all types.
    public var edgeCount: Int { edges.values.reduce(0) { $0 + $1.count } }

    /// The edges of the given types (all when nil) merged into one list, types in `EdgeType` order.
    public func edgeList(_ types: [EdgeType]? = nil) -> EdgeList {
        var merged = EdgeList()
        let chosen = (types ?? EdgeType.allCases).sorted()
        let anyWeights = chosen.contains { edges[$0]?.weights != nil }
        if anyWeights { merged.weights = [] }
        for type in chosen {
            guard let list = edges[type] else { continue }
            merged.sources += list.sources
            merged.targets += list.targets
            if anyWeights { merged.weights! += list.weights ?? [Float](repeating: 1, count: list.count) }
        }
        return merged
    }

    /// The CSR view (by target and by source) of the edges of the given types (all when nil).
    public func adjacency(_ types: [EdgeType]? = nil) -> SparseAdjacency {
        let list = edgeList(types)
        return SparseAdjacency(sources: list.sources, targets: list.targets, nodeCount: nodeCount)
    }

    /// Node ids of each frame, `[frameCount][...]` in node order.
    public var nodesByFrame: [[Int]] {
        var result = [[Int]](repeating: [], count: frameCount)
        for (i, node) in nodes.enumerated() where node.time >= 0 && node.time < frameCount { result[node.time].append(i) }
        return result
    }

    /// Adds edges of a type (appending to any existing edges of that type).
    public mutating func addEdges(_ list: EdgeList, type: EdgeType) {
        var existing = edges[type] ?? EdgeList()
        for i in 0..<list.count {
            existing.append(Int(list.sources[i]), Int(list.targets[i]), weight: list.weights?[i])
        }
        edges[type] = existing
    }

    /// A copy whose node features are replaced (e.g. after a message-passing layer).
    public func with(features newFeatures: Tensor) -> SpaceTimeGraph {
        var copy = self
        precondition(newFeatures.rank == 2 && newFeatures.shape[0] == nodeCount,
                     "SpaceTimeGraph.with(features:): \(newFeatures.shape) for \(nodeCount) nodes")
        copy.features = newFeatures
        return copy
    }
}
