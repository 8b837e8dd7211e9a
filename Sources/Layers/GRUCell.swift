import Tensors

/// Gated recurrent unit cell (Cho et al. 2014; PyTorch nn.GRUCell, gate order r, z, n).
///
/// r = sigma(W_ir x + b_ir + W_hr h + b_hr), z = sigma(W_iz x + b_iz + W_hz h + b_hz),
/// n = tanh(W_in x + b_in + r * (W_hn h + b_hn)), h' = (1 - z) * n + z * h.
/// Parameters (PyTorch names): `weight_ih` `[3H, I]`, `weight_hh` `[3H, H]`, `bias_ih`, `bias_hh` `[3H]`,
/// all initialised U(-1/sqrt(H), 1/sqrt(H)).
public final class GRUCell: RecurrentCell {
    public struct Config: Sendable {
        public var inputSize: Int
        public var hiddenSize: Int
        public var bias: Bool = true
        public init(inputSize: Int, hiddenSize: Int, bias: Bool = true) {
            self.inputSize = inputSize
            self.hiddenSize = hiddenSize
            self.bias = bias
        }
    }

    public let config: Config
    /// `[3H, I]`
    public let weightIH: Tensor
    /// `[3H, H]`
    public let weightHH: Tensor
    /// `[3H]`
    public let biasIH: Tensor?
    /// `[3H]`
    public let biasHH: Tensor?
    public var isTraining = true

    public init(_ config: Config, generator: inout RandomGenerator) {
        self.config = config
        let h = config.hiddenSize, bound = 1 / Float(h).squareRoot()
        weightIH = Tensor.uniform([3 * h, config.inputSize], low: -bound, high: bound, generator: &generator, requiresGrad: true)
        weightHH = Tensor.uniform([3 * h, h], low: -bound, high: bound, generator: &generator, requiresGrad: true)
        biasIH = config.bias ? Tensor.uniform([3 * h], low: -bound, high: bound, generator: &generator, requiresGrad: true) : nil
        biasHH = config.bias ? Tensor.uniform([3 * h], low: -bound, high: bound, generator: &generator, requiresGrad: true) : nil
    }

    public convenience init(_ inputSize: Int, _ hiddenSize: Int, generator: inout RandomGenerator) {
        self.init(Config(inputSize: inputSize, hiddenSize: hiddenSize), generator: &generator)
    }

    public var ownParameters: [(name: String, tensor: Tensor)] {
        [("weight_ih", weightIH), ("weight_hh", weightHH)]
            + [biasIH.map { ("bias_ih", $0) }, biasHH.map { ("bias_hh", $0) }].compactMap { $0 }
    }

    /// Zeros `[B, H]` for an input `[B, I]`.
    public func zeroState(for input: Tensor) -> Tensor { Tensor.zeros([input.shape[0], config.hiddenSize]) }

    /// x `[B, I]`, h `[B, H]` -> h' `[B, H]`.
    public func step(_ x: Tensor, _ h: Tensor) -> Tensor {
        let hs = config.hiddenSize
        precondition(x.rank == 2 && x.shape[1] == config.inputSize && h.shape == [x.shape[0], hs],
                     "GRUCell: input \(x.shape) / state \(h.shape) do not match I=\(config.inputSize), H=\(hs)")
        let gi = affineRows(x, weightIH, biasIH).split(axis: 1, sizes: [hs, hs, hs])   // 3 x [B, H]
        let gh = affineRows(h, weightHH, biasHH).split(axis: 1, sizes: [hs, hs, hs])   // 3 x [B, H]
        let r = (gi[0] + gh[0]).sigmoid()
        let z = (gi[1] + gh[1]).sigmoid()
        let n = (gi[2] + r * gh[2]).tanh()
        return n + z * (h - n)
    }

    /// Same as `step`.
    public func callAsFunction(_ x: Tensor, _ h: Tensor) -> Tensor { step(x, h) }
}
