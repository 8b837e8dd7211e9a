import Layers
import Tensors

/// A stride-4 decoder in the manner of DeepLabv3+ (Chen et al., ECCV 2018): the graph's stride-8
/// readout features are upsampled x2 and fused with a 1x1 projection of the backbone's stride-4
/// features, so that mask edges can follow image edges that the stride-8 graph cannot resolve:
///
///     d = ConvNormReLU_3x3( concat( up2(r), ConvNormReLU_1x1(s4) ) )
///
/// Layout: readout r `[N, C, h, w]` (stride 8), skip s4 `[N, C_s, 2h, 2w]` (stride 4) -> d `[N, D, 2h, 2w]`.
/// Parameter names: `skip.conv.weight`, `skip.norm.*`, `fuse.conv.weight`, `fuse.norm.*`.
public final class SkipDecoder: Module {
    public let skip: ConvNormReLU
    public let fuse: ConvNormReLU
    public var isTraining = true

    public init(readoutChannels: Int, skipChannels: Int, channels: Int, generator: inout RandomGenerator) {
        skip = ConvNormReLU(skipChannels, channels, kernel: 1, stride: 1, generator: &generator)
        fuse = ConvNormReLU(readoutChannels + channels, channels, kernel: 3, stride: 1, generator: &generator)
    }

    public var children: [(name: String, module: any Module)] { [("skip", skip), ("fuse", fuse)] }

    public func callAsFunction(_ readout: Tensor, skip s4: Tensor) -> Tensor {
        let up = readout.upsampleBilinear(size: (s4.shape[2], s4.shape[3]))        // [N, C, 2h, 2w]
        return fuse(Tensor.concat([up, skip(s4)], axis: 1))                        // [N, D, 2h, 2w]
    }
}
