import Layers
import Tensors

/// Zero-shot video object segmentation with an attentive frame graph (AGNN, Wang et al., ICCV 2019).
///
/// Each of the N frames of a graph is a node whose state is a stride-8 feature map from a compact
/// backbone (RGB + optional motion channels). K iterations of message passing over the complete
/// graph: m_i = IntraAttention(h_i) + Σ_{j≠i} g_ji ⊙ softmax_j(h_i^T W_c h_j) h_j, then
/// h_i ← ConvGRU(m_i, h_i) (one cell shared by all nodes). Readout: concat(h_K, h_0) -> 3x3 conv ->
/// GroupNorm -> ReLU -> 1x1 conv -> bilinear upsample to the input size (logits; sigmoid for probabilities).
/// With `decoder_channels` D > 0, a `SkipDecoder` fuses the readout features with the backbone's stride-4
/// features before the 1x1 classifier (logits at stride 4, then upsampled).
/// `keyStride` s > 1 (a test-time option) pools the attention's keys and values over s x s cells.
///
/// Layout: input `[N, C_in, H, W]` (H, W multiples of 8) -> logits `[N, 1, H, W]`.
/// Parameter names: `backbone.{0..3}.conv.weight`, `backbone.{i}.norm.weight`, `intra.*`, `inter.*`,
/// `update.gates.*`, `update.candidate.*`, `readout.conv.*`, `readout.norm.*`, `readout.classifier.*`, and with a
/// decoder `decoder.skip.*`, `decoder.fuse.*`.
public final class FrameGraphSegmenter: Module {
    public let config: SegmentationConfig
    public let backbone: [ConvNormReLU]
    public let intra: IntraAttention
    public let inter: InterAttention
    public let update: ConvGRUCell
    public let readoutConv: ConvNormReLU
    public let decoder: SkipDecoder?
    public let classifier: Conv2d
    public var isTraining = true

    public init(config: SegmentationConfig, seed: UInt64 = 0) {
        self.config = config
        var rng = RandomGenerator(seed: seed &+ 0x5E6)
        let w = config.architecture.backboneWidths
        var layers: [ConvNormReLU] = []
        var inC = config.inputChannels
        for (i, c) in w.enumerated() {
            layers.append(ConvNormReLU(inC, c, kernel: 3, stride: i < 3 ? 2 : 1, generator: &rng))
            inC = c
        }
        backbone = layers
        let c = w[3]
        intra = IntraAttention(channels: c, keyChannels: config.architecture.keyChannels, generator: &rng)
        inter = InterAttention(channels: c, generator: &rng)
        update = ConvGRUCell(ConvGRUCell.Config(inputChannels: c, hiddenChannels: c), generator: &rng)
        readoutConv = ConvNormReLU(2 * c, c, kernel: 3, stride: 1, generator: &rng)
        let d = config.architecture.decoderChannels
        decoder = d > 0 ? SkipDecoder(readoutChannels: c, skipChannels: w[1], channels: d, generator: &rng) : nil
        classifier = Conv2d(d > 0 ? d : c, 1, kernel: 1, generator: &rng)
    }

    public var children: [(name: String, module: any Module)] {
        var list: [(name: String, module: any Module)] = backbone.enumerated().map { ("backbone.\($0.offset)", $0.element) }
        list += [("intra", intra), ("inter", inter), ("update", update), ("readout", readoutConv), ("readout.classifier", classifier)]
        if let decoder { list.append(("decoder", decoder)) }
        return list
    }

    /// Stride-8 node states h_0 `[N, C, H/8, W/8]` of frames `[N, C_in, H, W]`.
    public func encode(_ x: Tensor) -> Tensor { features(x).h0 }

    /// The backbone's stride-4 features `[N, C_1, H/4, W/4]` (the decoder's skip) and h_0 `[N, C, H/8, W/8]`.
    public func features(_ x: Tensor) -> (stride4: Tensor, h0: Tensor) {
        precondition(x.rank == 4 && x.shape[1] == config.inputChannels && x.shape[2] % 8 == 0 && x.shape[3] % 8 == 0,
                     "FrameGraphSegmenter: input \(x.shape) must be [N, \(config.inputChannels), H, W] with H, W multiples of 8")
        var h = x, stride4 = x
        for (i, layer) in backbone.enumerated() {
            h = layer(h)
            if i == 1 { stride4 = h }
        }
        return (stride4, h)
    }

    /// K rounds of message passing and the readout conv: h_0 `[N, C, h, w]` -> readout features `[N, C, h, w]`.
    public func graphFeatures(_ h0: Tensor, keyStride: Int = 1) -> Tensor {
        var h = h0
        for _ in 0..<config.architecture.iterations {
            let message = intra(h, keyStride: keyStride) + inter(h, keyStride: keyStride)  // [N, C, h, w]
            h = update.step(message, h)
        }
        return readoutConv(Tensor.concat([h, h0], axis: 1))
    }

    /// Stride-8 logits `[N, 1, h, w]` of h_0 `[N, C, h, w]` for a model without a decoder.
    public func graphLogits(_ h0: Tensor, keyStride: Int = 1) -> Tensor {
        precondition(decoder == nil, "FrameGraphSegmenter.graphLogits: a model with a decoder needs the stride-4 features; call the model")
        return classifier(graphFeatures(h0, keyStride: keyStride))  // [N, 1, h, w]
    }

    /// Logits `[N, 1, H, W]` for the graph of frames `[N, C_in, H, W]`.
    public func callAsFunction(_ x: Tensor, keyStride: Int = 1) -> Tensor {
        let (stride4, h0) = features(x)
        let top = graphFeatures(h0, keyStride: keyStride)                                      // [N, C, H/8, W/8]
        let logits = decoder.map { classifier($0(top, skip: stride4)) }    // [N, 1, H/4, W/4]
            ?? classifier(top)                                             // [N, 1, H/8, W/8]
        return logits.upsampleBilinear(size: (x.shape[2], x.shape[3]))
    }
}

/// 3x3 conv + GroupNorm + ReLU (parameters `conv.*`, `norm.*`).
public final class ConvNormReLU: Module {
    public let conv: Conv2d
    public let norm: GroupNorm
    public var isTraining = true

    public init(_ inC: Int, _ outC: Int, kernel: Int, stride: Int, generator: inout RandomGenerator) {
        conv = Conv2d(Conv2d.Config(inChannels: inC, outChannels: outC, kernelSize: (kernel, kernel), stride: (stride, stride),
                                    padding: (kernel / 2, kernel / 2), bias: false), generator: &generator)
        let groups = [8, 4, 2, 1].first { outC % $0 == 0 && outC / $0 >= 2 } ?? 1
        norm = GroupNorm(groups: groups, channels: outC)
    }

    public var children: [(name: String, module: any Module)] { [("conv", conv), ("norm", norm)] }

    public func callAsFunction(_ x: Tensor) -> Tensor { norm(conv(x)).relu() }
}
