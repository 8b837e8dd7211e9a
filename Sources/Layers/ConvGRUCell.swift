import Tensors

/// Convolutional GRU cell: the node-state update of the AGNN frame-graph segmenter
/// (Wang et al., ICCV 2019, "Zero-Shot Video Object Segmentation via Attentive Graph Neural Networks";
/// ConvGRU of Ballas et al. 2016).
///
/// z = sigma(Conv_z([x, h])), r = sigma(Conv_r([x, h])), h~ = tanh(Conv_h([x, r * h])), h' = (1 - z) * h + z * h~.
/// Convention: Conv_z and Conv_r are fused into one conv `gates` with 2H output channels, the first H
/// being z (update) and the next H being r (reset); `candidate` is Conv_h. Both take the channel
/// concatenation [x, .] (input channels first) and use "same" padding k/2.
/// Parameters: `gates.weight` `[2H, I+H, k, k]`, `gates.bias` `[2H]`, `candidate.weight` `[H, I+H, k, k]`,
/// `candidate.bias` `[H]` (PyTorch Conv2d init).
public final class ConvGRUCell: RecurrentCell {
    public struct Config: Sendable {
        public var inputChannels: Int
        public var hiddenChannels: Int
        public var kernelSize: Int = 3
        public init(inputChannels: Int, hiddenChannels: Int, kernelSize: Int = 3) {
            precondition(kernelSize % 2 == 1, "ConvGRUCell: kernel size \(kernelSize) must be odd")
            self.inputChannels = inputChannels
            self.hiddenChannels = hiddenChannels
            self.kernelSize = kernelSize
        }
    }

    public let config: Config
    /// I+H -> 2H: [z, r].
    public let gates: Conv2d
    /// I+H -> H.
    public let candidate: Conv2d
    public var isTraining = true

    public init(_ config: Config, generator: inout RandomGenerator) {
        self.config = config
        let k = config.kernelSize, both = config.inputChannels + config.hiddenChannels
        gates = Conv2d(both, 2 * config.hiddenChannels, kernel: k, padding: k / 2, generator: &generator)
        candidate = Conv2d(both, config.hiddenChannels, kernel: k, padding: k / 2, generator: &generator)
    }

    public var children: [(name: String, module: any Module)] { [("gates", gates), ("candidate", candidate)] }

    /// Zeros `[N, H, h, w]` for an input `[N, I, h, w]`.
    public func zeroState(for input: Tensor) -> Tensor {
        Tensor.zeros([input.shape[0], config.hiddenChannels, input.shape[2], input.shape[3]])
    }

    /// x `[N, I, h, w]`, state `[N, H, h, w]` -> `[N, H, h, w]`.
    public func step(_ x: Tensor, _ h: Tensor) -> Tensor {
        let hs = config.hiddenChannels
        precondition(x.rank == 4 && x.shape[1] == config.inputChannels && h.shape == [x.shape[0], hs, x.shape[2], x.shape[3]],
                     "ConvGRUCell: input \(x.shape) / state \(h.shape) do not match I=\(config.inputChannels), H=\(hs)")
        let zr = gates(Tensor.concat([x, h], axis: 1)).sigmoid().split(axis: 1, sizes: [hs, hs])   // 2 x [N, H, h, w]
        let z = zr[0], r = zr[1]
        let proposal = candidate(Tensor.concat([x, r * h], axis: 1)).tanh()                         // [N, H, h, w]
        return h + z * (proposal - h)
    }

    /// Same as `step`.
    public func callAsFunction(_ x: Tensor, _ h: Tensor) -> Tensor { step(x, h) }
}
