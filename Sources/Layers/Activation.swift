import Tensors

/// A pointwise nonlinearity chosen by configuration (MLP hidden layers, heads).
public enum Activation: String, Sendable, Codable, CaseIterable {
    case relu, gelu, tanh, sigmoid, leakyRelu, identity

    /// Applies the nonlinearity elementwise.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        switch self {
        case .relu: return x.relu()
        case .gelu: return x.gelu()
        case .tanh: return x.tanh()
        case .sigmoid: return x.sigmoid()
        case .leakyRelu: return x.leakyRelu(0.01)
        case .identity: return x
        }
    }
}
