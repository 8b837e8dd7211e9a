import Tensors

/// Layer normalisation over the trailing axes (Ba et al. 2016; PyTorch nn.LayerNorm).
///
/// For each row of the last `normalizedShape.count` axes: y = (x - mean) / sqrt(var + eps) * weight + bias
/// (biased variance; weight and bias have `normalizedShape`). Fused forward/backward.
/// state_dict names: `weight`, `bias`.
public final class LayerNorm: Module {
    public struct Config: Sendable {
        public var normalizedShape: [Int]
        public var eps: Float = 1e-5
        public var elementwiseAffine: Bool = true
        public init(normalizedShape: [Int], eps: Float = 1e-5, elementwiseAffine: Bool = true) {
            self.normalizedShape = normalizedShape
            self.eps = eps
            self.elementwiseAffine = elementwiseAffine
        }
    }

    public let config: Config
    /// `normalizedShape`, initialised to 1.
    public let weight: Tensor?
    /// `normalizedShape`, initialised to 0.
    public let bias: Tensor?
    public var isTraining = true

    public init(_ config: Config) {
        self.config = config
        weight = config.elementwiseAffine ? Tensor.ones(config.normalizedShape, requiresGrad: true) : nil
        bias = config.elementwiseAffine ? Tensor.zeros(config.normalizedShape, requiresGrad: true) : nil
    }

    /// Normalises over the last axis of extent `features`.
    public convenience init(_ features: Int, eps: Float = 1e-5) {
        self.init(Config(normalizedShape: [features], eps: eps))
    }

    public var ownParameters: [(name: String, tensor: Tensor)] {
        [weight.map { ("weight", $0) }, bias.map { ("bias", $0) }].compactMap { $0 }
    }

    /// x `[..., *normalizedShape]` -> same shape.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        let k = config.normalizedShape.count
        precondition(x.rank >= k && Array(x.shape.suffix(k)) == config.normalizedShape,
                     "LayerNorm: input \(x.shape) does not end in \(config.normalizedShape)")
        let d = config.normalizedShape.reduce(1, *)
        return NormalizationKernels.rowNormalize(x, groups: 1, channelsPerGroup: d, spatial: 1,
                                                 weight: weight, bias: bias, eps: config.eps)
    }
}
