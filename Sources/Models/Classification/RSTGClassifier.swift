import Foundation
import Graphs
import Layers
import Tensors

/// Recurrent space-time graph clip classifier (Nicolicioiu, Duta & Leordeanu, "Recurrent Space-time
/// Graph Neural Networks", NeurIPS 2019), configured as in their SyncMNIST experiments.
///
/// Pipeline for clips `[B, T, 1, S, S]`:
/// 1. Backbone: frames folded time-major into the conv batch `[T * B, 1, S, S]` ->
///    `stages x (conv3x3, ReLU, maxpool2)` -> maps `[T * B, C, s, s]`.
/// 2. Nodes: per frame the cells of the 3x3, 2x2 and 1x1 grids (K = 14), area-average pooled
///    (`PatchGraphBuilder`), then embedded `x = W_e p + b_e` to width D: `[T * B * K, D]`, rows ordered
///    (t, b, k). Neighbours by the RSTG rule (cells overlapping or sharing a border, within and
///    across scales; no self-loops) bias the space step's attention softly.
/// 3. `rounds` x [time step -> space step]:
///    time: per node position an LSTM over t: `h_t = LSTM(x_t, h_{t-1})`, `x <- h`;
///    space (per frame): `m_ij = MLP_s([x_i, x_j])`, `alpha_ij = softmax_j(q_i.k_j / sqrt(D) + beta A_ij)`,
///    `a_i = sum_j alpha_ij m_ij`, `x_i <- LayerNorm(MLP_u([x_i, a_i]))` (optional positional embedding of the cell;
///    with `motion_affinity: true` the cells' flow affinities `MotionAffinity` join messages and attention).
///    With `residual: true` every step adds to its input instead: `x <- x + step(x)`.
/// 4. A final recurrent pass (LSTM over t).
/// 5. Readout: `y = W_c sum_k mean_t x_{t,k} + b_c` -> logits `[B, classes]`; with `readout: synchrony`
///    plus the per-digit pair votes of `SynchronyPairReadout` (and with `track_readout: true` its
///    digit-track term `DigitTrackReadout`, which also reads the cells' measured motion).
///
/// Ablations: `space: false` (time-only) drops the space steps; `time: false` (space-only) drops
/// every LSTM, so frames never exchange information before the temporal mean.
/// Names: `backbone.conv1.*`, `embed.*`, `time.<r>.cell.*`, `space.<r>.*`, `final.cell.*`, `classifier.*`,
/// `pair_readout.*`.
public final class RSTGClassifier: ClipClassifier {
    public let config: ModelConfig
    public let backbone: FrameBackbone
    public let embed: Linear
    public let timeSteps: [RSTGTimeStep]
    public let spaceSteps: [RSTGSpaceStep]
    public let finalStep: RSTGTimeStep?
    public let classifier: Linear
    /// The pairwise synchrony readout (`readout: synchrony`), nil for the paper's linear readout.
    public let pairReadout: SynchronyPairReadout?
    public let builder: PatchGraphBuilder
    public var isTraining = true
    private let pairCache = PairCache()
    /// The space steps evaluated with the factorised send MLP (same parameter tensors).
    private let fastSpaceSteps: [FactorizedSpaceStep]

    public init(config: ModelConfig, generator: inout RandomGenerator) {
        self.config = config
        let a = config.architecture
        let d = a.hidden
        builder = PatchGraphBuilder(gridSizes: a.grids, temporalEdges: false)
        backbone = FrameBackbone(inChannels: config.architecture.backboneInputChannels, widths: a.backboneWidths, batchNorm: a.backboneNorm == "batch", coordinates: a.coordinates, generator: &generator)
        embed = Linear(backbone.outChannels, d, generator: &generator)
        var time: [RSTGTimeStep] = [], space: [RSTGSpaceStep] = []
        for _ in 0..<a.rounds {
            if a.time { time.append(RSTGTimeStep(channels: d, generator: &generator)) }
            if a.space {
                space.append(RSTGSpaceStep(channels: d, positions: a.positional ? builder.nodesPerFrame : nil,
                                           affinities: a.motionAffinity ? MotionAffinity.scales.count : 0, generator: &generator))
            }
        }
        // Zero the biases of the space steps' MLPs and projections: the LSTM outputs feeding them are
        // small (|h| ~ 0.1), so random biases would dominate `MLP_u([x_i, a_i])` and the LayerNorm
        // after it would output nearly the same bias pattern for every node and clip (the input
        // signal shrinks ~15x per space step at PyTorch's default init; training then sits at chance).
        // With zero biases the ReLU MLPs are positively homogeneous and LayerNorm keeps the signal.
        for step in space {
            for (name, p) in step.namedParameters() where name.hasSuffix(".bias") && !name.hasPrefix("norm.") {
                p.assign([Float](repeating: 0, count: p.count))
            }
        }
        timeSteps = time
        spaceSteps = space
        fastSpaceSteps = space.map(FactorizedSpaceStep.init)
        finalStep = a.time ? RSTGTimeStep(channels: d, generator: &generator) : nil
        classifier = Linear(d, config.classCount, generator: &generator)
        // Zero-initialised classifier: the readout sums 14 nodes, so a random classifier starts with
        // logits spread ~6 that carry no label information; the fastest way for the first updates to
        // cut that loss (4.8 vs ln 46 = 3.83) is to make the node states constant, and the graph
        // then collapses (observed: clip features equal to 1e-4 after 20k clips, accuracy at chance).
        // Starting from zero logits removes that pressure.
        classifier.weight.assign([Float](repeating: 0, count: classifier.weight.count))
        classifier.bias?.assign([Float](repeating: 0, count: config.classCount))
        pairReadout = a.readout == "synchrony"
            ? SynchronyPairReadout(channels: d, fineCells: a.grids[0] * a.grids[0], classNames: config.classes,
                                   track: a.trackReadout, generator: &generator)
            : nil
    }

    public var children: [(name: String, module: any Module)] {
        var list: [(name: String, module: any Module)] = [("backbone", backbone), ("embed", embed)]
        list += timeSteps.enumerated().map { ("time.\($0.offset)", $0.element as any Module) }
        list += spaceSteps.enumerated().map { ("space.\($0.offset)", $0.element as any Module) }
        if let finalStep { list.append(("final", finalStep)) }
        list.append(("classifier", classifier))
        if let pairReadout { list.append(("pair_readout", pairReadout)) }
        return list
    }

    /// Node features `[T * B * K, D]` before message passing, for clips `[B, T, 1, S, S]`, and the
    /// backbone's input frames.
    func nodes(_ clips: Tensor) -> (x: Tensor, graph: SpaceTimeGraph, frames: Tensor) {
        let frames = backboneFrames(clips)                     // [T * B, 1 (+1 previous_frame, +2 flow), S, S]
        let maps = backbone(frames)                            // [T * B, C, s, s]
        let graph = builder.build(featureMap: maps)            // features [T * B * K, C], one "frame" per (t, b)
        return (embed(graph.features), graph, frames)          // [T * B * K, D]
    }

    /// clips `[B, T, 1, S, S]` -> pooled node states `[B, D]` (logits = classifier of this).
    public func features(_ clips: Tensor) -> Tensor {
        readout(nodeStates(clips))
    }

    /// clips `[B, T, 1, S, S]` -> logits `[B, classes]`.
    public func logits(_ clips: Tensor) -> Tensor {
        let (states, motion) = encode(clips)
        return logits(states: states, motion: motion)
    }

    /// Final node states `[T, B, K, D]` -> logits `[B, classes]`: the linear readout, plus the pair
    /// votes with `readout: synchrony`; `motion` is `encode`'s (needed with `track_readout: true`).
    public func logits(states: Tensor, motion: DigitTrackReadout.CellMotion?) -> Tensor {
        let linear = classifier(readout(states))                       // [B, classes]
        guard let pairReadout else { return linear }
        return linear + pairReadout(states, motion: motion)
    }

    /// Final node states `[T, B, K, D]` -> clip representation `[B, D]` (mean over t, sum over nodes).
    public func readout(_ states: Tensor) -> Tensor {
        states.mean(axis: 0).sum(axis: 1)
    }

    /// clips `[B, T, 1, S, S]` -> final node states `[T, B, K, D]` (before the readout), node k of
    /// frame t being cell `builder.cells[k]`.
    public func nodeStates(_ clips: Tensor) -> Tensor {
        encode(clips).states
    }

    /// clips `[B, T, 1, S, S]` -> final node states `[T, B, K, D]` and, with `track_readout: true`,
    /// the finest cells' motion that the track term reads.
    public func encode(_ clips: Tensor) -> (states: Tensor, motion: DigitTrackReadout.CellMotion?) {
        let b = clips.shape[0], t = clips.shape[1], k = builder.nodesPerFrame
        var (x, graph, frames) = nodes(clips)                  // [T * B * K, D]
        let pairs = pairCache.pairs(for: graph)
        let a = config.architecture
        let measured = a.motionAffinity || a.trackReadout       // per-node mean flow and digit fraction
            ? MotionAffinity.nodeMotion(frames: frames, builder: builder, clips: b, matching: a.cellMotion == "matching") : nil
        let affinity = a.motionAffinity                         // [E, M] for the space steps
            ? MotionAffinity.affinities(motion: measured!.motion, confidence: measured!.confidence, pairs: pairs) : nil
        let cellMotion = a.trackReadout
            ? DigitTrackReadout.CellMotion(motion: measured!.motion, confidence: measured!.confidence, frames: t, clips: b,
                                           nodesPerFrame: k, fineCells: a.grids[0] * a.grids[0]) : nil
        let residual = config.architecture.residual
        for r in 0..<config.architecture.rounds {
            if !timeSteps.isEmpty {   // LSTM over t for each of the B * K node positions
                let y = timeSteps[r](x, frames: t)
                x = residual ? x + y : y
            }
            if !fastSpaceSteps.isEmpty {   // == spaceSteps[r](x, pairs: pairs, affinity: affinity)
                let y = fastSpaceSteps[r](x, pairs: pairs, affinity: affinity)
                x = residual ? x + y : y
            }
        }
        if let finalStep {
            let y = finalStep(x, frames: t)
            x = residual ? x + y : y
        }
        return (x.reshaped([t, b, k, config.architecture.hidden]), cellMotion)   // [T, B, K, D]
    }
}

/// Caches `RSTGSpaceStep.framePairs` by frame count (the pairs depend only on it).
final class PairCache: @unchecked Sendable {
    typealias Pairs = RSTGSpaceStep.FramePairs
    private var cache: [Int: Pairs] = [:]
    private let lock = NSLock()

    func pairs(for graph: SpaceTimeGraph) -> Pairs {
        lock.lock()
        defer { lock.unlock() }
        if let p = cache[graph.frameCount] { return p }
        let p = RSTGSpaceStep.framePairs(graph)
        if cache.count > 8 { cache.removeAll() }
        cache[graph.frameCount] = p
        return p
    }
}
