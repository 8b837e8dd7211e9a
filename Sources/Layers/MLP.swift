import Tensors

/// Multi-layer perceptron: Linear -> activation -> ... -> Linear over the last axis.
///
/// `widths = [in, h1, ..., out]` gives `widths.count - 1` Linear layers named `layers.0`, `layers.1`, ...
/// (so state_dict keys are `layers.<i>.weight`, `layers.<i>.bias`). The activation follows every
/// layer but the last (and the last too when `activateLast`). Optional dropout after hidden activations.
public final class MLP: Module {
    public struct Config: Sendable {
        public var widths: [Int]
        public var activation: Activation = .relu
        public var activateLast: Bool = false
        public var dropout: Float = 0
        public var bias: Bool = true
        public init(widths: [Int], activation: Activation = .relu, activateLast: Bool = false, dropout: Float = 0, bias: Bool = true) {
            precondition(widths.count >= 2, "MLP: needs at least input and output widths, got \(widths)")
            self.widths = widths
            self.activation = activation
            self.activateLast = activateLast
            self.dropout = dropout
            self.bias = bias
        }
    }

    public let config: Config
    public let layers: [Linear]
    public let dropout: Dropout?
    public var isTraining = true

    public init(_ config: Config, generator: inout RandomGenerator) {
        self.config = config
        var layers: [Linear] = []
        for i in 0..<(config.widths.count - 1) {
            layers.append(Linear(config.widths[i], config.widths[i + 1], bias: config.bias, generator: &generator))
        }
        self.layers = layers
        dropout = config.dropout > 0 ? Dropout(p: config.dropout, seed: generator.next()) : nil
    }

    public convenience init(_ widths: [Int], activation: Activation = .relu, generator: inout RandomGenerator) {
        self.init(Config(widths: widths, activation: activation), generator: &generator)
    }

    public var children: [(name: String, module: any Module)] {
        layers.enumerated().map { ("layers.\($0.offset)", $0.element as any Module) }
            + (dropout.map { [("dropout", $0 as any Module)] } ?? [])
    }

    /// x `[..., widths.first]` -> `[..., widths.last]`.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        var h = x
        for (i, layer) in layers.enumerated() {
            h = layer(h)
            let last = i == layers.count - 1
            if !last || config.activateLast { h = config.activation(h) }
            if !last, let dropout { h = dropout(h) }
        }
        return h
    }
}
