import Tensors

/// 2-D convolution over NCHW maps (PyTorch nn.Conv2d; im2col + GEMM in `Tensor.conv2d`).
///
/// y[n, o, i, j] = bias[o] + sum_{c, u, v} weight[o, c, u, v] x[n, g(o) Cin/G + c, i s_h - p_h + u d_h, j s_w - p_w + v d_w]
/// (cross-correlation, zero padding; groups split input and output channels).
/// Initialised as PyTorch: kaiming_uniform(a = sqrt 5) = U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for the
/// weight and the same bound for the bias, fan_in = Cin/G * kH * kW. state_dict names: `weight`, `bias`.
public final class Conv2d: Module {
    public struct Config: Sendable {
        public var inChannels: Int
        public var outChannels: Int
        public var kernelSize: (Int, Int)
        public var stride: (Int, Int) = (1, 1)
        public var padding: (Int, Int) = (0, 0)
        public var dilation: (Int, Int) = (1, 1)
        public var groups: Int = 1
        public var bias: Bool = true

        public init(inChannels: Int, outChannels: Int, kernelSize: (Int, Int), stride: (Int, Int) = (1, 1),
                    padding: (Int, Int) = (0, 0), dilation: (Int, Int) = (1, 1), groups: Int = 1, bias: Bool = true) {
            precondition(groups > 0 && inChannels % groups == 0 && outChannels % groups == 0,
                         "Conv2d: \(inChannels) -> \(outChannels) channels do not split into \(groups) groups")
            self.inChannels = inChannels
            self.outChannels = outChannels
            self.kernelSize = kernelSize
            self.stride = stride
            self.padding = padding
            self.dilation = dilation
            self.groups = groups
            self.bias = bias
        }

        /// Square kernel, stride, padding and dilation.
        public init(_ inChannels: Int, _ outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0,
                    dilation: Int = 1, groups: Int = 1, bias: Bool = true) {
            self.init(inChannels: inChannels, outChannels: outChannels, kernelSize: (kernel, kernel), stride: (stride, stride),
                      padding: (padding, padding), dilation: (dilation, dilation), groups: groups, bias: bias)
        }
    }

    public let config: Config
    /// `[Cout, Cin/groups, kH, kW]`
    public let weight: Tensor
    /// `[Cout]`
    public let bias: Tensor?
    public var isTraining = true

    public init(_ config: Config, generator: inout RandomGenerator) {
        self.config = config
        let fanIn = config.inChannels / config.groups * config.kernelSize.0 * config.kernelSize.1
        let bound = 1 / Float(fanIn).squareRoot()
        weight = Tensor.uniform([config.outChannels, config.inChannels / config.groups, config.kernelSize.0, config.kernelSize.1],
                                low: -bound, high: bound, generator: &generator, requiresGrad: true)
        bias = config.bias
            ? Tensor.uniform([config.outChannels], low: -bound, high: bound, generator: &generator, requiresGrad: true)
            : nil
    }

    /// Square kernel, stride, padding (default 0 as PyTorch; `kernel / 2` keeps the size for odd kernels).
    public convenience init(_ inChannels: Int, _ outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0,
                            dilation: Int = 1, groups: Int = 1, bias: Bool = true, generator: inout RandomGenerator) {
        self.init(Config(inChannels, outChannels, kernel: kernel, stride: stride, padding: padding,
                         dilation: dilation, groups: groups, bias: bias), generator: &generator)
    }

    public var ownParameters: [(name: String, tensor: Tensor)] {
        [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
    }

    /// x `[N, Cin, H, W]` -> `[N, Cout, H', W']`, H' = (H + 2p - d(k-1) - 1) / s + 1.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        precondition(x.rank == 4 && x.shape[1] == config.inChannels,
                     "Conv2d: input \(x.shape) is not [N, \(config.inChannels), H, W]")
        return Tensor.conv2d(x, weight: weight, bias: bias, stride: config.stride, padding: config.padding,
                             dilation: config.dilation, groups: config.groups)
    }
}
