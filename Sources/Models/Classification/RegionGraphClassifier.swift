import Foundation
import Graphs
import Layers
import Tensors

/// Space-time region graph clip classifier (Wang & Gupta, "Videos as Space-Time Region Graphs",
/// ECCV 2018), sized for SyncMNIST.
///
/// Pipeline for clips `[B, T, 1, S, S]`:
/// 1. Backbone: frames folded time-major `[T * B, 1, S, S]` -> `stages x (conv3x3, [BatchNorm], ReLU,
///    maxpool2)` -> maps `[T * B, C, s, s]`.
/// 2. Region nodes (`RegionExtractor`, from pixel values, not differentiable): per frame the K =
///    `regions_per_frame` largest connected components of pixels brighter than `region_threshold`
///    (`region_source: components`) or SLIC superpixels (`slic`). Frames keep fewer when fewer exist:
///    the node count varies per frame and clip, and every graph op below is a segment/CSR op over
///    the real nodes only - no padding nodes, so nothing needs masking and a clip with 17 regions
///    costs 17 nodes, not T * K.
/// 3. Node features: the map of the node's frame average-pooled under its mask downsampled to the
///    map grid by area (`RegionPooling`; map cell weight = number of the region's image pixels in
///    that cell, so thin strokes still count; differentiable w.r.t. the map), joined with the box
///    geometry g = (x0, y0, x1, y1, area) (normalised):  `x_i = W_e [pool_i(map), g_i] + b_e`  `[N, D]`.
/// 4. `gcn_layers` x graph convolution over two graphs of each clip's nodes (all frames):
///    similarity `G^sim_ij = softmax_{j in clip(i)}(phi_l(x_i)^T phi'_l(x_j))` (learned, recomputed
///    per layer) and the spatial-temporal IoU graphs `G^fwd` (t-1 -> t) and `G^bwd` (t+1 -> t),
///    `G_ij ∝ IoU(box_i, box_j)`, row-normalised (`RegionClipGraph`), each with its own weights:
///    `Z = G^sim X W^sim_l + G^fwd X W^fwd_l + G^bwd X W^bwd_l`,
///    `X <- X + ReLU(LayerNorm(Z))` (`residual: true`; otherwise `X <- ReLU(LayerNorm(Z))`).
/// 5. Readout: `f = [mean_{i in clip} x_i, mean_{t, p} map_t(p)]` `[B, D + C]` (node mean joined with
///    the globally average-pooled backbone feature), logits `y = W_c f + b_c` `[B, classes]`.
///
/// Batching: the nodes of all B clips form one block-diagonal graph (`RegionClipGraph`), so each layer
/// is one linear map per graph type over all N nodes, one batched GEMM for the per-clip similarity
/// scores (`BlockPairs`: rows scattered into a `[B, M, M]` scratch, M = largest clip), a segment
/// softmax and three sparse propagations - no per-clip Swift loop over tensors.
///
/// Initialisation: the classifier starts at zero (as RSTGClassifier: no uninformative logit spread to
/// remove first). Names: `backbone.*`, `node_embed.*`, `similarity.<l>.phi.*`,
/// `similarity.<l>.phi_prime.*`, `gcn_sim.<l>.weight`, `gcn_fwd.<l>.weight`, `gcn_bwd.<l>.weight`,
/// `norm.<l>.*`, `classifier.*`.
public final class RegionGraphClassifier: ClipClassifier {
    public let config: ModelConfig
    public let backbone: FrameBackbone
    public let nodeEmbed: Linear
    public let similarity: [SimilarityGraph]
    public let gcnSim: [Linear]
    public let gcnForward: [Linear]
    public let gcnBackward: [Linear]
    public let norms: [LayerNorm]
    public let classifier: Linear
    public let extractor: RegionExtractor
    public var isTraining = true

    /// Box geometry features per node.
    public static let geometryWidth = 5

    public init(config: ModelConfig, generator: inout RandomGenerator) {
        self.config = config
        let a = config.architecture
        let d = a.hidden
        extractor = RegionExtractor(source: RegionExtractor.Source(rawValue: a.regionSource) ?? .components,
                                    regionsPerFrame: a.regionsPerFrame, threshold: Float(a.regionThreshold))
        backbone = FrameBackbone(inChannels: config.architecture.backboneInputChannels, widths: a.backboneWidths, batchNorm: a.backboneNorm == "batch", coordinates: a.coordinates, generator: &generator)
        nodeEmbed = Linear(backbone.outChannels + Self.geometryWidth, d, generator: &generator)
        var sim: [SimilarityGraph] = [], ws: [Linear] = [], wf: [Linear] = [], wb: [Linear] = [], norms: [LayerNorm] = []
        for _ in 0..<a.gcnLayers {
            sim.append(SimilarityGraph(channels: d, embedding: d, generator: &generator))
            ws.append(Linear(d, d, bias: false, generator: &generator))
            wf.append(Linear(d, d, bias: false, generator: &generator))
            wb.append(Linear(d, d, bias: false, generator: &generator))
            norms.append(LayerNorm(d))
        }
        similarity = sim; gcnSim = ws; gcnForward = wf; gcnBackward = wb; self.norms = norms
        classifier = Linear(d + backbone.outChannels, config.classCount, generator: &generator)
        classifier.weight.assign([Float](repeating: 0, count: classifier.weight.count))
        classifier.bias?.assign([Float](repeating: 0, count: config.classCount))
    }

    public var children: [(name: String, module: any Module)] {
        var list: [(name: String, module: any Module)] = [("backbone", backbone), ("node_embed", nodeEmbed)]
        for l in 0..<similarity.count {
            list += [("similarity.\(l)", similarity[l]), ("gcn_sim.\(l)", gcnSim[l]), ("gcn_fwd.\(l)", gcnForward[l]),
                     ("gcn_bwd.\(l)", gcnBackward[l]), ("norm.\(l)", norms[l])]
        }
        list.append(("classifier", classifier))
        return list
    }

    /// The region nodes of clips `[B, T, 1, S, S]` (from pixel values) with their graphs, and the
    /// pooling regions on the backbone maps `[T * B, C, mapSide, mapSide]` (frame row t * B + b).
    public func regionGraph(_ clips: Tensor, mapSide: Int) -> (graph: RegionClipGraph, pooling: [PoolingRegion]) {
        precondition(clips.rank == 5 && clips.shape[2] == 1 && clips.shape[3] == clips.shape[4],
                     "RegionGraphClassifier: clips \(clips.shape) are not [B, T, 1, S, S]")
        let b = clips.shape[0], t = clips.shape[1], s = clips.shape[3]
        let regions = extractor.regions(clips: clips.data, clipCount: b, frameCount: t, side: s)   // [B][T][K_bt]
        var nodes: [GraphNode] = [], clipOf: [Int] = [], pooling: [PoolingRegion] = []
        for c in 0..<b {
            for f in 0..<t {
                for r in regions[c][f] {
                    nodes.append(GraphNode(time: f, kind: .region, box: r.box))
                    clipOf.append(c)
                    pooling.append(Self.poolingRegion(r.pixels, frameRow: f * b + c, imageSide: s, mapSide: mapSide))
                }
            }
        }
        return (RegionClipGraph(nodes: nodes, clipOf: clipOf, clipCount: b), pooling)
    }

    /// A region's image pixels mapped onto a `mapSide` x `mapSide` grid: one entry per image pixel
    /// (the cell containing it), so average pooling weights each cell by the region's area in it.
    public static func poolingRegion(_ pixels: [Int32], frameRow: Int, imageSide s: Int, mapSide m: Int) -> PoolingRegion {
        PoolingRegion(frame: frameRow, pixels: pixels.map { p in
            let x = Int(p) % s, y = Int(p) / s
            return Int32((y * m / s) * m + x * m / s)
        })
    }

    /// Node features `[N, D]` from maps `[T * B, C, s, s]`: region pooling joined with box geometry, embedded.
    public func nodeFeatures(maps: Tensor, graph: RegionClipGraph, pooling: [PoolingRegion]) -> Tensor {
        let pooled = RegionPooling.pool(maps, regions: pooling)                   // [N, C]
        return nodeEmbed(Tensor.concat([pooled, graph.geometry], axis: 1))        // [N, D]
    }

    /// The graph stage: `gcn_layers` summed graph convolutions over the similarity and IoU graphs,
    /// node states `[N, D]` -> `[N, D]` (permutation equivariant in the node order).
    public func graphStage(_ input: Tensor, graph: RegionClipGraph) -> Tensor {
        var x = input
        let forwardWeights = Tensor(graph.forward.weights, shape: [graph.forward.weights.count])      // [E_fwd]
        let backwardWeights = Tensor(graph.backward.weights, shape: [graph.backward.weights.count])   // [E_bwd]
        for l in 0..<similarity.count {
            let g = similarity[l].edgeWeights(x, pairs: graph.pairs)                                  // [E_sim]
            var z = Tensor.propagate(gcnSim[l](x), weights: g, adjacency: graph.pairs.adjacency)      // [N, D]
            z = z + Tensor.propagate(gcnForward[l](x), weights: forwardWeights, adjacency: graph.forward.adjacency)
            z = z + Tensor.propagate(gcnBackward[l](x), weights: backwardWeights, adjacency: graph.backward.adjacency)
            let y = norms[l](z).relu()
            x = config.architecture.residual ? x + y : y
        }
        return x
    }

    /// clips `[B, T, 1, S, S]` -> `[mean node state, global backbone mean]` `[B, D + C]`.
    public func features(_ clips: Tensor) -> Tensor {
        let b = clips.shape[0], t = clips.shape[1]
        let maps = backbone(backboneFrames(clips))                                    // [T * B, C, s, s]
        let c = maps.shape[1]
        let (graph, pooling) = regionGraph(clips, mapSide: maps.shape[2])
        let x = graphStage(nodeFeatures(maps: maps, graph: graph, pooling: pooling), graph: graph)   // [N, D]
        let nodeMean = x.segmentMean(graph.clips)                                      // [B, D]
        let global = maps.mean(axes: [2, 3]).reshaped([t, b, c]).mean(axis: 0)         // [B, C]
        return Tensor.concat([nodeMean, global], axis: 1)                              // [B, D + C]
    }
}
