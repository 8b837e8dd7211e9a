import Tensors

/// Batch normalisation over the channels of an NCHW map (Ioffe & Szegedy 2015; PyTorch nn.BatchNorm2d).
///
/// y = (x - mu_c) / sqrt(var_c + eps) * weight_c + bias_c. Training: mu, var are the batch statistics
/// over (N, H, W) (biased variance), and the running statistics update as
/// running = (1 - momentum) running + momentum * batch (running_var takes the unbiased variance).
/// Evaluation: the running statistics are used. Fused forward/backward (`NormalizationKernels`).
/// state_dict names: `weight`, `bias` (parameters), `running_mean`, `running_var`,
/// `num_batches_tracked` (buffers; the last is kept as a Float scalar counter).
public final class BatchNorm2d: Module {
    public struct Config: Sendable {
        public var channels: Int
        public var eps: Float = 1e-5
        public var momentum: Float = 0.1
        public var affine: Bool = true
        public init(channels: Int, eps: Float = 1e-5, momentum: Float = 0.1, affine: Bool = true) {
            self.channels = channels
            self.eps = eps
            self.momentum = momentum
            self.affine = affine
        }
    }

    public let config: Config
    /// `[C]`, initialised to 1.
    public let weight: Tensor?
    /// `[C]`, initialised to 0.
    public let bias: Tensor?
    /// `[C]`, initialised to 0.
    public let runningMean: Tensor
    /// `[C]`, initialised to 1.
    public let runningVar: Tensor
    /// `[]`, the number of training batches seen.
    public let numBatchesTracked: Tensor
    public var isTraining = true

    public init(_ config: Config) {
        self.config = config
        weight = config.affine ? Tensor.ones([config.channels], requiresGrad: true) : nil
        bias = config.affine ? Tensor.zeros([config.channels], requiresGrad: true) : nil
        runningMean = Tensor.zeros([config.channels])
        runningVar = Tensor.ones([config.channels])
        numBatchesTracked = Tensor.zeros([])
    }

    public convenience init(_ channels: Int) { self.init(Config(channels: channels)) }

    public var ownParameters: [(name: String, tensor: Tensor)] {
        [weight.map { ("weight", $0) }, bias.map { ("bias", $0) }].compactMap { $0 }
    }

    public var ownBuffers: [(name: String, tensor: Tensor)] {
        [("running_mean", runningMean), ("running_var", runningVar), ("num_batches_tracked", numBatchesTracked)]
    }

    /// x `[N, C, H, W]` (or `[N, C]`, `[N, C, L]`) -> same shape.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        let c = config.channels
        precondition(x.rank >= 2 && x.shape[1] == c, "BatchNorm2d: input \(x.shape) does not have \(c) channels on axis 1")
        if isTraining {
            let (mean, variance) = NormalizationKernels.channelStatistics(x, channels: c)
            let count = x.count / c
            let m = config.momentum
            let unbiased: Float = count > 1 ? Float(count) / Float(count - 1) : 1
            runningMean.withMutableData { rm in for i in 0..<c { rm[i] = (1 - m) * rm[i] + m * mean[i] } }
            runningVar.withMutableData { rv in for i in 0..<c { rv[i] = (1 - m) * rv[i] + m * variance[i] * unbiased } }
            numBatchesTracked.withMutableData { $0[0] += 1 }
            return NormalizationKernels.channelNormalize(x, channels: c, mean: mean, variance: variance,
                                                         weight: weight, bias: bias, eps: config.eps, batchStatistics: true)
        }
        return NormalizationKernels.channelNormalize(x, channels: c, mean: runningMean.data, variance: runningVar.data,
                                                     weight: weight, bias: bias, eps: config.eps, batchStatistics: false)
    }

    /// The weights of one convolution followed by this layer in inference mode (running statistics):
    /// with s_c = weight_c / sqrt(running_var_c + eps), `BN(conv(x; W, b)) = conv(x; s W, s (b - mu) + beta)`.
    /// `convWeight` is `[C, ...]` (output channels first), `convBias` `[C]` or nil; no tape is recorded.
    public func folded(convWeight: Tensor, convBias: Tensor?) -> (weight: Tensor, bias: Tensor) {
        let c = config.channels
        precondition(convWeight.rank >= 1 && convWeight.shape[0] == c, "BatchNorm2d.folded: weight \(convWeight.shape) for \(c) channels")
        let perChannel = convWeight.count / c
        let gamma = weight?.data, beta = bias?.data, mean = runningMean.data, variance = runningVar.data
        var w = convWeight.data, b = [Float](repeating: 0, count: c)
        let convB = convBias?.data
        for ch in 0..<c {
            let scale = (gamma?[ch] ?? 1) / (variance[ch] + config.eps).squareRoot()
            for i in 0..<perChannel { w[ch * perChannel + i] *= scale }
            b[ch] = ((convB?[ch] ?? 0) - mean[ch]) * scale + (beta?[ch] ?? 0)
        }
        return (Tensor(w, shape: convWeight.shape), Tensor(b, shape: [c]))
    }
}
