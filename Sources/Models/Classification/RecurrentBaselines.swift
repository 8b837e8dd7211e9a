import Layers
import Tensors

/// Mean+LSTM baseline of the RSTG paper: the backbone map of every frame is averaged over space,
/// an LSTM runs over time, and the last hidden state is classified.
///
/// clips `[B, T, 1, S, S]` -> frames `[T * B, 1, S, S]` -> maps `[T * B, C, s, s]` -> means `[T, B, C]`
/// -> `h_t = LSTM(W_e mean_t + b_e, h_{t-1})` -> `y = W_c h_T + b_c`.
/// Names: `backbone.*`, `embed.*`, `lstm.*` (PyTorch LSTMCell names), `classifier.*`.
public final class MeanLSTMClassifier: ClipClassifier {
    public let config: ModelConfig
    public let backbone: FrameBackbone
    public let embed: Linear
    public let lstm: LSTMCell
    public let classifier: Linear
    public var isTraining = true

    public init(config: ModelConfig, generator: inout RandomGenerator) {
        self.config = config
        let d = config.architecture.hidden
        backbone = FrameBackbone(inChannels: config.architecture.backboneInputChannels, widths: config.architecture.backboneWidths, batchNorm: config.architecture.backboneNorm == "batch", coordinates: config.architecture.coordinates, generator: &generator)
        embed = Linear(backbone.outChannels, d, generator: &generator)
        lstm = LSTMCell(d, d, generator: &generator)
        classifier = Linear(d, config.classCount, generator: &generator)
    }

    public var children: [(name: String, module: any Module)] {
        [("backbone", backbone), ("embed", embed), ("lstm", lstm), ("classifier", classifier)]
    }

    /// clips `[B, T, 1, S, S]` -> last hidden state `[B, D]`.
    public func features(_ clips: Tensor) -> Tensor {
        let b = clips.shape[0], t = clips.shape[1]
        let maps = backbone(backboneFrames(clips))                 // [T * B, C, s, s]
        let x = embed(maps.mean(axes: [2, 3]))                      // [T * B, D]
        let steps = (0..<t).map { x.slice(axis: 0, start: $0 * b, end: ($0 + 1) * b) }   // T x [B, D]
        let states = lstm.sequence(steps)
        return states.last!.h                                       // [B, D]
    }
}

/// Conv+LSTM baseline: the backbone map of every frame is area-pooled to `conv_pool` x `conv_pool`,
/// flattened (keeping where things are), embedded, and an LSTM over time is classified at the end.
///
/// maps `[T * B, C, s, s]` -> pooled `[T * B, C * P * P]` -> `ReLU(W_e . + b_e)` `[T * B, D]` -> LSTM -> linear.
/// Names: `backbone.*`, `embed.*`, `lstm.*`, `classifier.*`.
public final class ConvLSTMClassifier: ClipClassifier {
    public let config: ModelConfig
    public let backbone: FrameBackbone
    public let embed: Linear
    public let lstm: LSTMCell
    public let classifier: Linear
    public var isTraining = true

    public init(config: ModelConfig, generator: inout RandomGenerator) {
        self.config = config
        let d = config.architecture.hidden, p = min(config.architecture.convPool, config.mapSide)
        backbone = FrameBackbone(inChannels: config.architecture.backboneInputChannels, widths: config.architecture.backboneWidths, batchNorm: config.architecture.backboneNorm == "batch", coordinates: config.architecture.coordinates, generator: &generator)
        embed = Linear(backbone.outChannels * p * p, d, generator: &generator)
        lstm = LSTMCell(d, d, generator: &generator)
        classifier = Linear(d, config.classCount, generator: &generator)
    }

    public var children: [(name: String, module: any Module)] {
        [("backbone", backbone), ("embed", embed), ("lstm", lstm), ("classifier", classifier)]
    }

    /// clips `[B, T, 1, S, S]` -> last hidden state `[B, D]`.
    public func features(_ clips: Tensor) -> Tensor {
        let b = clips.shape[0], t = clips.shape[1]
        let p = min(config.architecture.convPool, config.mapSide)
        let maps = backbone(backboneFrames(clips)).adaptiveAvgPool2d(outputSize: (p, p))   // [T * B, C, P, P]
        let x = embed(maps.reshaped([t * b, -1])).relu()                                    // [T * B, D]
        let steps = (0..<t).map { x.slice(axis: 0, start: $0 * b, end: ($0 + 1) * b) }      // T x [B, D]
        let states = lstm.sequence(steps)
        return states.last!.h                                                               // [B, D]
    }
}
