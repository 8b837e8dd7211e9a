import Tensors

/// The state of an LSTM: hidden h and cell c, each `[B, H]`.
public struct LSTMState {
    public var h: Tensor
    public var c: Tensor
    public init(h: Tensor, c: Tensor) {
        self.h = h
        self.c = c
    }
}

/// Long short-term memory cell (Hochreiter & Schmidhuber 1997; PyTorch nn.LSTMCell, gate order i, f, g, o).
///
/// [i, f, g, o] = W_ih x + b_ih + W_hh h + b_hh; c' = sigma(f) * c + sigma(i) * tanh(g); h' = sigma(o) * tanh(c').
/// Parameters (PyTorch names): `weight_ih` `[4H, I]`, `weight_hh` `[4H, H]`, `bias_ih`, `bias_hh` `[4H]`,
/// all initialised U(-1/sqrt(H), 1/sqrt(H)).
public final class LSTMCell: RecurrentCell {
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
    /// `[4H, I]`
    public let weightIH: Tensor
    /// `[4H, H]`
    public let weightHH: Tensor
    /// `[4H]`
    public let biasIH: Tensor?
    /// `[4H]`
    public let biasHH: Tensor?
    public var isTraining = true

    public init(_ config: Config, generator: inout RandomGenerator) {
        self.config = config
        let h = config.hiddenSize, bound = 1 / Float(h).squareRoot()
        weightIH = Tensor.uniform([4 * h, config.inputSize], low: -bound, high: bound, generator: &generator, requiresGrad: true)
        weightHH = Tensor.uniform([4 * h, h], low: -bound, high: bound, generator: &generator, requiresGrad: true)
        biasIH = config.bias ? Tensor.uniform([4 * h], low: -bound, high: bound, generator: &generator, requiresGrad: true) : nil
        biasHH = config.bias ? Tensor.uniform([4 * h], low: -bound, high: bound, generator: &generator, requiresGrad: true) : nil
    }

    public convenience init(_ inputSize: Int, _ hiddenSize: Int, generator: inout RandomGenerator) {
        self.init(Config(inputSize: inputSize, hiddenSize: hiddenSize), generator: &generator)
    }

    public var ownParameters: [(name: String, tensor: Tensor)] {
        [("weight_ih", weightIH), ("weight_hh", weightHH)]
            + [biasIH.map { ("bias_ih", $0) }, biasHH.map { ("bias_hh", $0) }].compactMap { $0 }
    }

    /// Zeros h, c `[B, H]` for an input `[B, I]`.
    public func zeroState(for input: Tensor) -> LSTMState {
        LSTMState(h: Tensor.zeros([input.shape[0], config.hiddenSize]), c: Tensor.zeros([input.shape[0], config.hiddenSize]))
    }

    /// x `[B, I]`, state (h, c) `[B, H]` -> (h', c').
    public func step(_ x: Tensor, _ state: LSTMState) -> LSTMState {
        let hs = config.hiddenSize
        precondition(x.rank == 2 && x.shape[1] == config.inputSize && state.h.shape == [x.shape[0], hs] && state.c.shape == state.h.shape,
                     "LSTMCell: input \(x.shape) / state \(state.h.shape) do not match I=\(config.inputSize), H=\(hs)")
        let gates = (affineRows(x, weightIH, biasIH) + affineRows(state.h, weightHH, biasHH))   // [B, 4H]
            .split(axis: 1, sizes: [hs, hs, hs, hs])
        let c = gates[1].sigmoid() * state.c + gates[0].sigmoid() * gates[2].tanh()
        let h = gates[3].sigmoid() * c.tanh()
        return LSTMState(h: h, c: c)
    }

    /// Same as `step`.
    public func callAsFunction(_ x: Tensor, _ state: LSTMState) -> LSTMState { step(x, state) }
}
