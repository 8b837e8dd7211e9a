import Foundation
import Tensors

/// Builds the AGNN frame graph (Wang et al., ICCV 2019): one node per frame, complete graph with
/// `frameToFrame` edges in both directions between distinct frames (and optionally a self edge).
/// Node features are given `[T, C]` or global-average pooled from a map `[T, C, H, W]`.
public struct FrameGraphBuilder: Sendable {
    /// Whether each frame also gets an edge to itself (AGNN's intra-attention edge).
    public var selfLoops: Bool

    public init(selfLoops: Bool = false) { self.selfLoops = selfLoops }

    /// Complete directed edges over `count` frames, ordered by target then source.
    public func edges(frameCount count: Int) -> EdgeList {
        var list = EdgeList()
        for i in 0..<count { for j in 0..<count where selfLoops || i != j { list.append(j, i) } }
        return list
    }

    /// Graph from per-frame features `[T, C]`.
    public func build(frameFeatures x: Tensor) -> SpaceTimeGraph {
        precondition(x.rank == 2, "FrameGraphBuilder.build: features \(x.shape) are not [T, C]")
        let t = x.shape[0]
        let nodes = (0..<t).map { GraphNode(time: $0, kind: .frame, box: NodeBox(x0: 0, y0: 0, x1: 1, y1: 1)) }
        return SpaceTimeGraph(nodes: nodes, features: x, edges: [.frameToFrame: edges(frameCount: t)], frameCount: t)
    }

    /// Graph from a feature map `[T, C, H, W]`, each frame's node = mean over its H x W positions.
    public func build(featureMap map: Tensor) -> SpaceTimeGraph {
        precondition(map.rank == 4, "FrameGraphBuilder.build: map \(map.shape) is not [T, C, H, W]")
        return build(frameFeatures: map.mean(axes: [2, 3]))
    }
}
