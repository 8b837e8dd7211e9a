import Layers
import Tensors

/// The per-frame CNN of the RSTG SyncMNIST experiments: `stages` x (3x3 conv, padding 1 -> ReLU ->
/// 2x2 max-pool), so frames `[F, Cin, S, S]` become maps `[F, C_last, S / 2^stages, S / 2^stages]`.
///
/// All frames of a batch are folded into the conv batch (one im2col GEMM per stage).
/// Initialisation: He/Kaiming normal `W ~ N(0, 2 / fan_in)`, zero bias. (PyTorch's default conv init
/// shrinks mostly-black SyncMNIST frames so much that the per-frame features become bias-dominated and
/// the logits of different clips differ by ~1e-5 at initialisation: training then sits at chance.)
/// With `batchNorm` each conv is followed by BatchNorm2d (`bn1.*`, ...) before the ReLU: the per-channel
/// statistics of all frames in the batch set the scale, so digit cells stand out from empty background
/// from the first step (the paper's plain convs need many more updates to get there).
/// With `coordinates` two constant channels `x, y` in [-1, 1] (CoordConv: Liu et al., "An intriguing
/// failing of convolutional neural networks and the CoordConv solution", NeurIPS 2018) are appended to
/// every frame, so `conv -> ReLU -> max-pool` can report where in its window a digit is (e.g. the max of
/// `I + a x` over a cell is the digit's rightmost column): SyncMNIST's synchronous pair is defined by
/// equal per-frame displacements of a few pixels, finer than one cell of the stride-8 map.
/// Names: `conv1.weight` `[C1, Cin (+2), 3, 3]`, `conv1.bias` `[C1]`, `conv2.*`, ..., `bn1.*` when normalised.
public final class FrameBackbone: Module {
    public let convs: [Conv2d]
    public let norms: [BatchNorm2d]
    public let coordinates: Bool
    public var isTraining = true

    public init(inChannels: Int = 1, widths: [Int], batchNorm: Bool = false, coordinates: Bool = false,
                generator: inout RandomGenerator) {
        self.coordinates = coordinates
        var c = inChannels + (coordinates ? 2 : 0)
        var convs: [Conv2d] = []
        for w in widths {
            let conv = Conv2d(c, w, kernel: 3, padding: 1, generator: &generator)
            let std = (2 / Float(c * 9)).squareRoot()
            conv.weight.assign(Tensor.normal(conv.weight.shape, std: std, generator: &generator).data)   // [w, c, 3, 3]
            conv.bias?.assign([Float](repeating: 0, count: w))
            convs.append(conv)
            c = w
        }
        self.convs = convs
        norms = batchNorm ? widths.map { BatchNorm2d(BatchNorm2d.Config(channels: $0)) } : []
    }

    /// Output channels.
    public var outChannels: Int { convs.last?.config.outChannels ?? 1 }

    public var children: [(name: String, module: any Module)] {
        convs.enumerated().map { ("conv\($0.offset + 1)", $0.element as any Module) }
            + norms.enumerated().map { ("bn\($0.offset + 1)", $0.element as any Module) }
    }

    /// frames `[F, Cin, S, S]` -> maps `[F, C_last, S / 2^n, S / 2^n]`.
    public func callAsFunction(_ frames: Tensor) -> Tensor {
        var x = coordinates ? Tensor.concat([frames, Self.coordinateChannels(like: frames)], axis: 1) : frames
        for (i, conv) in convs.enumerated() {
            if !norms.isEmpty && !norms[i].isTraining && !GradMode.isEnabled {
                // Inference: the BatchNorm folded into the convolution (one pass instead of two).
                let (w, b) = norms[i].folded(convWeight: conv.weight, convBias: conv.bias)
                x = Tensor.conv2d(x, weight: w, bias: b, stride: conv.config.stride, padding: conv.config.padding,
                                  dilation: conv.config.dilation, groups: conv.config.groups)   // [F, C_i, s, s]
            } else {
                x = conv(x)                                       // [F, C_i, s, s]
                if !norms.isEmpty { x = norms[i](x) }
            }
            // max-pool then ReLU: equal to ReLU then max-pool (ReLU is monotone), with a 4x smaller ReLU.
            x = x.maxPool2d(kernel: (2, 2)).relu()                // [F, C_i, s / 2, s / 2]
        }
        return x
    }

    /// Constant channels `[F, 2, H, W]`: channel 0 is `x = -1 + 2 j / (W - 1)`, channel 1 is `y` likewise.
    static func coordinateChannels(like frames: Tensor) -> Tensor {
        let f = frames.shape[0], h = frames.shape[2], w = frames.shape[3]
        var plane = [Float](repeating: 0, count: 2 * h * w)
        for i in 0..<h {
            for j in 0..<w {
                plane[i * w + j] = w > 1 ? -1 + 2 * Float(j) / Float(w - 1) : 0
                plane[h * w + i * w + j] = h > 1 ? -1 + 2 * Float(i) / Float(h - 1) : 0
            }
        }
        var data = [Float]()
        data.reserveCapacity(f * plane.count)
        for _ in 0..<f { data += plane }
        return Tensor(data, shape: [f, 2, h, w])
    }
}
