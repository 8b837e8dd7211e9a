import Tensors

/// Several space-time graphs joined into one block-diagonal graph, with the offsets to split node
/// results back per graph and per frame.
public struct GraphBatch {
    /// The joined graph: nodes, features and edges of graph g shifted by `nodeOffsets[g]`;
    /// frame indices shifted by `frameOffsets[g]` so frames stay distinct.
    public let graph: SpaceTimeGraph
    /// `[G + 1]` first node of each graph (last entry = total nodes).
    public let nodeOffsets: [Int]
    /// `[G + 1]` first frame of each graph in the joined frame numbering.
    public let frameOffsets: [Int]

    /// Number of graphs G.
    public var graphCount: Int { nodeOffsets.count - 1 }

    /// Joins graphs (features must have the same channel count; concat is differentiable).
    public init(_ graphs: [SpaceTimeGraph]) {
        precondition(!graphs.isEmpty, "GraphBatch: no graphs")
        var nodes: [GraphNode] = []
        var edges: [EdgeType: EdgeList] = [:]
        var edgeFeatureParts: [EdgeType: [Tensor]] = [:]
        var nodeOffsets = [0], frameOffsets = [0]
        for g in graphs {
            let offset = nodeOffsets.last!, frameOffset = frameOffsets.last!
            nodes += g.nodes.map { var n = $0; n.time += frameOffset; return n }
            for (type, list) in g.edges {
                var merged = edges[type] ?? EdgeList()
                for i in 0..<list.count {
                    merged.append(Int(list.sources[i]) + offset, Int(list.targets[i]) + offset, weight: list.weights?[i])
                }
                edges[type] = merged
            }
            nodeOffsets.append(offset + g.nodeCount)
            frameOffsets.append(frameOffset + g.frameCount)
        }
        for type in edges.keys {
            let withFeatures = graphs.filter { $0.edgeFeatures[type] != nil }
            guard !withFeatures.isEmpty else { continue }
            precondition(graphs.allSatisfy { $0.edgeFeatures[type] != nil || ($0.edges[type]?.count ?? 0) == 0 },
                         "GraphBatch: \(type) edge features present in some graphs only")
            edgeFeatureParts[type] = withFeatures.map { $0.edgeFeatures[type]! }
        }
        let features = graphs.count == 1 ? graphs[0].features : Tensor.concat(graphs.map(\.features), axis: 0)
        graph = SpaceTimeGraph(nodes: nodes, features: features, edges: edges,
                               edgeFeatures: edgeFeatureParts.mapValues { $0.count == 1 ? $0[0] : Tensor.concat($0, axis: 0) },
                               frameCount: frameOffsets.last!)
        self.nodeOffsets = nodeOffsets
        self.frameOffsets = frameOffsets
    }

    /// Splits per-node values `[N_total, ...]` back into one tensor per graph (differentiable slices).
    public func split(_ values: Tensor) -> [Tensor] {
        precondition(values.shape.first == nodeOffsets.last!, "GraphBatch.split: \(values.shape) for \(nodeOffsets.last!) nodes")
        return (0..<graphCount).map { values.slice(axis: 0, start: nodeOffsets[$0], end: nodeOffsets[$0 + 1]) }
    }

    /// Splits per-node values into `[graph][frame]` tensors of that frame's nodes (in node order).
    public func splitByFrame(_ values: Tensor) -> [[Tensor]] {
        precondition(values.shape.first == nodeOffsets.last!, "GraphBatch.splitByFrame: \(values.shape) for \(nodeOffsets.last!) nodes")
        let byFrame = graph.nodesByFrame
        return (0..<graphCount).map { g in
            (frameOffsets[g]..<frameOffsets[g + 1]).map { f in
                values.indexSelect(axis: 0, indices: byFrame[f].map { Int32($0) })
            }
        }
    }
}
