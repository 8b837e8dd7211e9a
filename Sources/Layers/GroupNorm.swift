import Tensors

/// Group normalisation (Wu & He 2018; PyTorch nn.GroupNorm).
///
/// The C channels of x `[N, C, *]` split into G groups; each (sample, group) is normalised over its
/// C/G channels and all spatial positions: y = (x - mean) / sqrt(var + eps) * weight_c + bias_c
/// (biased variance, per-channel affine). Fused forward/backward. state_dict names: `weight`, `bias`.
public final class GroupNorm: Module {
    public struct Config: Sendable {
        public var groups: Int
        public var channels: Int
        public var eps: Float = 1e-5
        public var affine: Bool = true
        public init(groups: Int, channels: Int, eps: Float = 1e-5, affine: Bool = true) {
            precondition(groups > 0 && channels % groups == 0, "GroupNorm: \(channels) channels do not split into \(groups) groups")
            self.groups = groups
            self.channels = channels
            self.eps = eps
            self.affine = affine
        }
    }

    public let config: Config
    /// `[C]`, initialised to 1.
    public let weight: Tensor?
    /// `[C]`, initialised to 0.
    public let bias: Tensor?
    public var isTraining = true

    public init(_ config: Config) {
        self.config = config
        weight = config.affine ? Tensor.ones([config.channels], requiresGrad: true) : nil
        bias = config.affine ? Tensor.zeros([config.channels], requiresGrad: true) : nil
    }

    public convenience init(groups: Int, channels: Int) { self.init(Config(groups: groups, channels: channels)) }

    public var ownParameters: [(name: String, tensor: Tensor)] {
        [weight.map { ("weight", $0) }, bias.map { ("bias", $0) }].compactMap { $0 }
    }

    /// x `[N, C, *]` -> same shape.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        precondition(x.rank >= 2 && x.shape[1] == config.channels,
                     "GroupNorm: input \(x.shape) does not have \(config.channels) channels on axis 1")
        let spatial = x.shape.dropFirst(2).reduce(1, *)
        return NormalizationKernels.rowNormalize(x, groups: config.groups, channelsPerGroup: config.channels / config.groups,
                                                 spatial: spatial, weight: weight, bias: bias, eps: config.eps)
    }
}
