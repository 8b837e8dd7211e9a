import Tensors

/// Fully connected layer: y = x W^T + b, applied to the last axis of x `[..., in]` -> `[..., out]`.
/// Initialised as PyTorch's nn.Linear: W, b ~ U(-1/sqrt(in), 1/sqrt(in)).
public final class Linear: Module {
    public struct Config: Sendable {
        public var inFeatures: Int
        public var outFeatures: Int
        public var bias: Bool = true
        public init(inFeatures: Int, outFeatures: Int, bias: Bool = true) {
            self.inFeatures = inFeatures
            self.outFeatures = outFeatures
            self.bias = bias
        }
    }

    public let config: Config
    /// `[out, in]`
    public let weight: Tensor
    /// `[out]`
    public let bias: Tensor?
    public var isTraining = true

    public init(_ config: Config, generator: inout RandomGenerator) {
        self.config = config
        let bound = 1 / Float(config.inFeatures).squareRoot()
        weight = Tensor.uniform([config.outFeatures, config.inFeatures], low: -bound, high: bound,
                                generator: &generator, requiresGrad: true)
        bias = config.bias
            ? Tensor.uniform([config.outFeatures], low: -bound, high: bound, generator: &generator, requiresGrad: true)
            : nil
    }

    public convenience init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true, generator: inout RandomGenerator) {
        self.init(Config(inFeatures: inFeatures, outFeatures: outFeatures, bias: bias), generator: &generator)
    }

    public var ownParameters: [(name: String, tensor: Tensor)] {
        [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        precondition(x.shape.last == config.inFeatures, "Linear: input \(x.shape) does not end in \(config.inFeatures)")
        let rows = x.reshaped([-1, config.inFeatures])                       // [B, in]
        var y = Tensor.matmul(rows, weight, transposeB: true)                // [B, out]
        if let bias { y = y + bias }
        return y.reshaped(Array(x.shape.dropLast()) + [config.outFeatures])  // [..., out]
    }
}
