import Tensors

/// Inverted dropout (Srivastava et al. 2014; PyTorch nn.Dropout): in training each element is zeroed
/// with probability p and the survivors scaled by 1/(1-p); in evaluation it is the identity.
/// The module owns its seeded generator so runs are reproducible (op: `Tensor.dropout`).
public final class Dropout: Module {
    public let p: Float
    public var generator: RandomGenerator
    public var isTraining = true

    public init(p: Float, seed: UInt64 = 0x5EED) {
        precondition(p >= 0 && p < 1, "Dropout: p = \(p) is not in [0, 1)")
        self.p = p
        generator = RandomGenerator(seed: seed)
    }

    /// x (any shape) -> same shape.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        x.dropout(p: p, training: isTraining, generator: &generator)
    }
}
