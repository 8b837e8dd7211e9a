import Foundation
import Layers
import Tensors

/// Builds region nodes (Wang & Gupta, "Videos as Space-Time Region Graphs", ECCV 2018) from
/// per-frame region labellings (superpixels from `SLIC` or mask components from
/// `ComponentLabels`): one node per label with its box (normalised) and mask (image pixels),
/// features mask-average pooled from a feature map `[T, C, h, w]` (differentiable w.r.t. the map),
/// and spatial-temporal IoU edges between consecutive frames.
///
/// A feature-map position belongs to the region whose label covers the image pixel at the
/// position's centre; a region no centre falls in pools the position holding its centroid.
public struct RegionGraphBuilder: Sendable {
    /// Whether to add the IoU edges (`temporalForward` t -> t+1, `temporalBackward` t+1 -> t).
    public var temporalEdges: Bool

    public init(temporalEdges: Bool = true) { self.temporalEdges = temporalEdges }

    /// Builds the graph: `labels[t]` labels frame t at image resolution; `featureMap` `[T, C, h, w]`.
    public func build(labels: [ComponentLabels], featureMap map: Tensor) -> SpaceTimeGraph {
        precondition(map.rank == 4 && map.shape[0] == labels.count, "RegionGraphBuilder: map \(map.shape) for \(labels.count) frames")
        let fh = map.shape[2], fw = map.shape[3]
        var nodes: [GraphNode] = []
        var regions: [PoolingRegion] = []
        for (t, frame) in labels.enumerated() {
            let w = frame.width, h = frame.height
            let pixels = frame.pixelsByLabel
            // Feature positions by the label at their centre.
            var positions = [[Int32]](repeating: [], count: frame.count)
            for fy in 0..<fh {
                let iy = Swift.min(h - 1, Int((Float(fy) + 0.5) * Float(h) / Float(fh)))
                for fx in 0..<fw {
                    let ix = Swift.min(w - 1, Int((Float(fx) + 0.5) * Float(w) / Float(fw)))
                    let l = frame.labels[iy * w + ix]
                    if l >= 0 { positions[Int(l)].append(Int32(fy * fw + fx)) }
                }
            }
            for (l, members) in pixels.enumerated() where !members.isEmpty {
                var x0 = Int.max, y0 = Int.max, x1 = 0, y1 = 0
                var sx = 0.0, sy = 0.0
                for p in members {
                    let x = Int(p) % w, y = Int(p) / w
                    x0 = Swift.min(x0, x); x1 = Swift.max(x1, x + 1); y0 = Swift.min(y0, y); y1 = Swift.max(y1, y + 1)
                    sx += Double(x); sy += Double(y)
                }
                var pooled = positions[l]
                if pooled.isEmpty {
                    let cx = sx / Double(members.count) + 0.5, cy = sy / Double(members.count) + 0.5
                    let fx = Swift.min(fw - 1, Int(cx * Double(fw) / Double(w)))
                    let fy = Swift.min(fh - 1, Int(cy * Double(fh) / Double(h)))
                    pooled = [Int32(fy * fw + fx)]
                }
                regions.append(PoolingRegion(frame: t, pixels: pooled))
                let box = NodeBox(x0: Float(x0) / Float(w), y0: Float(y0) / Float(h), x1: Float(x1) / Float(w), y1: Float(y1) / Float(h))
                nodes.append(GraphNode(time: t, kind: .region, box: box, mask: RegionMask(width: w, height: h, pixels: members)))
            }
        }
        let features = RegionPooling.pool(map, regions: regions)   // [N, C]
        var graph = SpaceTimeGraph(nodes: nodes, features: features, frameCount: labels.count)
        if temporalEdges {
            let (forward, backward) = Self.iouEdges(nodes)
            graph.edges[.temporalForward] = forward
            graph.edges[.temporalBackward] = backward
        }
        return graph
    }

    /// Spatial-temporal IoU graphs (Wang & Gupta): `forward` edges j -> i from regions j at t to
    /// regions i at t+1 with weight IoU(box_i, box_j) normalised over i's incoming forward edges
    /// (each row sums to 1); `backward` edges from t+1 to t likewise. Zero-IoU pairs get no edge.
    public static func iouEdges(_ nodes: [GraphNode]) -> (forward: EdgeList, backward: EdgeList) {
        let frameCount = (nodes.map(\.time).max() ?? -1) + 1
        var byFrame = [[Int]](repeating: [], count: frameCount)
        for (i, n) in nodes.enumerated() { byFrame[n.time].append(i) }
        func edges(from source: (Int) -> Int?) -> EdgeList {
            var list = EdgeList(sources: [], targets: [], weights: [])
            for t in 0..<frameCount {
                guard let s = source(t), s >= 0, s < frameCount else { continue }
                for i in byFrame[t] {
                    let row = byFrame[s].map { ($0, nodes[i].box.iou(nodes[$0].box)) }.filter { $0.1 > 0 }
                    let total = row.reduce(Float(0)) { $0 + $1.1 }
                    for (j, v) in row { list.append(j, i, weight: v / total) }
                }
            }
            return list
        }
        return (edges { $0 - 1 }, edges { $0 + 1 })
    }
}

/// The learned similarity graph of Wang & Gupta: `G_ij = softmax_j(phi(x_i)^T phi'(x_j))` with two
/// linear maps phi, phi' (`phi.*`, `phi_prime.*`), dense over all nodes -> `[N, N]` (rows sum to 1).
/// A graph convolution is then `Z = G X W`.
public final class SimilarityGraph: Module {
    let phi: Linear
    let phiPrime: Linear
    public var isTraining = true

    public init(channels: Int, embedding: Int, generator: inout RandomGenerator) {
        phi = Linear(channels, embedding, generator: &generator)
        phiPrime = Linear(channels, embedding, generator: &generator)
    }

    public var children: [(name: String, module: any Module)] { [("phi", phi), ("phi_prime", phiPrime)] }

    /// x `[N, C]` -> G `[N, N]`.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        Tensor.matmul(phi(x), phiPrime(x), transposeB: true).softmax(axis: 1)
    }
}
