import Foundation
import Media
import Yams

/// A frame-graph segmentation model and its training recipe, read from YAML (`configs/segment-*.yaml`).
///
/// ```yaml
/// name: framegraph
/// kind: framegraph
/// input: {width: 256, height: 144, frames: 3}     # frames = nodes per graph
/// architecture: {backbone_widths: [24, 32, 48, 64], key_channels: 16, iterations: 3, motion: true}
/// training: {epochs: 20, steps_per_epoch: 200, learning_rate: 0.001, poly_power: 0.9, dice_weight: 1, ...}
/// data: {davis: ../shared/data/davis16-dev, train: [blackswan, ...], val: [...], synthetic_clips: 64}
/// ```
/// Unknown keys and out-of-range values throw `ModelConfigError` naming the file and the key.
public struct SegmentationConfig: Sendable, Equatable {
    /// The kind tag of frame-graph segmenters.
    public static let kind = "framegraph"

    public struct Architecture: Sendable, Equatable {
        /// Channels of the four backbone stages (3x3 conv + GroupNorm + ReLU; strides 2, 2, 2, 1).
        public var backboneWidths: [Int] = [24, 32, 48, 64]
        /// Channels of the intra-attention query/key projections.
        public var keyChannels: Int = 16
        /// Message-passing iterations K (0 = no attention: readout of the backbone alone).
        public var iterations: Int = 3
        /// Whether 3 motion channels (residual dx, dy, magnitude) are in the input.
        public var motion: Bool = true
        /// How the motion cue's Lucas-Kanade flow takes its temporal difference (`motion_warp`):
        /// `pixelwise` (default; the shipped framegraph models) or `windowed` (see `OpticalFlow.Warp`).
        public var motionWarp: OpticalFlow.Warp = .pixelwise
        /// Whether the 3 RGB channels are in the input (false with motion: true = a motion-only model,
        /// the ablation that shows what appearance adds).
        public var rgb: Bool = true
        /// Channels of the stride-4 decoder (skip from the backbone's second stage); 0 = no decoder,
        /// the readout's stride-8 logits are upsampled directly.
        public var decoderChannels: Int = 0
        public init() {}
    }

    public struct Training: Sendable, Equatable {
        public var epochs: Int = 20
        public var stepsPerEpoch: Int = 200
        public var learningRate: Double = 1e-3
        public var polyPower: Double = 0.9
        public var weightDecay: Double = 0
        public var diceWeight: Double = 1
        public var clipGradNorm: Double = 5
        public var seed: Int = 1
        public var checkpointMinutes: Double = 5
        public var threads: Int = 2
        /// Fraction of steps drawn from synthetic clips (the rest from DAVIS training sequences).
        public var syntheticFraction: Double = 0.5
        /// Smallest random crop, as a fraction of the clip's side (crops span [min_crop_scale, max_crop_scale]).
        public var minCropScale: Double = 0.7
        /// Largest random crop, as a fraction of the clip's side (1 = the whole stored clip).
        public var maxCropScale: Double = 1
        /// Size of the stored training clips, as a multiple of the input size (crops are resampled from
        /// them: 1.25 keeps crops near 1:1; 2 keeps zoomed-in crops sharp).
        public var clipScale: Double = 1.25
        /// Whether a crop's motion cue is rescaled to input pixels (x input width / crop width), as at
        /// test time, where the cue is computed at the input resolution. False keeps it in stored-clip
        /// pixels (the recipe of the earlier configs).
        public var motionInInputPixels: Bool = false
        /// Per-channel colour jitter: each RGB channel's gain is multiplied by U(1 - c, 1 + c) (0: off).
        public var colourJitter: Double = 0
        /// Probability that a graph's frames are turned to grey (luma in all three channels).
        public var grayscaleProbability: Double = 0
        /// Probability that a training graph gets the annotated object of another DAVIS training sequence
        /// pasted over it (copy-paste augmentation, Ghiasi et al. CVPR 2021; `SegmentationTrainer`); 0: off.
        public var copyPaste: Double = 0
        /// Decay of an exponential moving average of the weights (`WeightAverage`; 0: off). When on,
        /// validation and the saved model use the averaged weights; training continues on the raw ones.
        public var emaDecay: Double = 0
        /// Whether `vidgraph train` also writes the raw weights after every epoch to
        /// OUT/epochs/epoch-NNN.safetensors (model files; `vidgraph weights average` turns a range of
        /// them into one model, i.e. stochastic weight averaging over epochs, Izmailov et al. 2018).
        public var snapshots: Bool = false
        public init() {}
    }

    public struct DataSpec: Sendable, Equatable {
        /// DAVIS-2016 root (relative: working directory, then the repository root); absent -> synthetic only.
        public var davis: String? = "../shared/data/davis16-dev"
        public var train: [String] = ["blackswan", "breakdance", "car-roundabout", "cows", "dog"]
        public var val: [String] = ["drift-straight", "horsejump-high", "libby", "paragliding-launch", "scooter-black"]
        /// Synthetic clips generated in memory.
        public var syntheticClips: Int = 32
        public var syntheticFrames: Int = 12
        /// Every k-th frame of a validation sequence is scored (1 = all).
        public var valEvery: Int = 5
        public init() {}
    }

    public var name: String
    public var width: Int = 256
    public var height: Int = 144
    /// Nodes per graph N.
    public var frames: Int = 3
    public var architecture = Architecture()
    public var training = Training()
    public var data = DataSpec()
    public var text: String
    public var source: String

    /// Input channels: RGB and/or the motion cue, in that order.
    public var inputChannels: Int { (architecture.rgb ? 3 : 0) + (architecture.motion ? 3 : 0) }

    /// Index of the horizontal-motion plane (dx) among a frame's input channels, nil without motion
    /// (mirroring a frame negates it).
    public var horizontalMotionChannel: Int? { architecture.motion ? (architecture.rgb ? 3 : 0) : nil }

    /// The `kind:` of a YAML text, nil when it cannot be read (lets `vidgraph train` dispatch).
    public static func kind(ofYAML text: String) -> String? {
        ((try? Yams.load(yaml: text)) as? [String: Any])?["kind"] as? String
    }

    public init(yaml text: String, source: String) throws {
        let document: Any?
        do { document = try Yams.load(yaml: text) } catch {
            throw ModelConfigError(source: source, key: "", reason: "is not valid YAML")
        }
        guard let map = document as? [String: Any] else {
            throw ModelConfigError(source: source, key: "", reason: "must be a YAML mapping with name, kind, input, architecture, training and data")
        }
        let root = ConfigSection(map, source: source, path: "")
        self.text = text
        self.source = source
        name = try root.requiredString("name")
        let kind = try root.requiredString("kind")
        guard kind == Self.kind else { throw root.error("kind", "a segmentation config needs kind '\(Self.kind)', found '\(kind)'") }
        let input = try root.section("input")
        width = try input.int("width", default: 256, range: 16...4096)
        height = try input.int("height", default: 144, range: 16...4096)
        guard width % 8 == 0, height % 8 == 0 else { throw input.error("width", "width and height must be multiples of 8 (got \(width)x\(height))") }
        frames = try input.int("frames", default: 3, range: 1...16)
        try input.finish()
        let a = try root.section("architecture")
        architecture.backboneWidths = try a.ints("backbone_widths") ?? architecture.backboneWidths
        guard architecture.backboneWidths.count == 4, architecture.backboneWidths.allSatisfy({ (1...1024).contains($0) }) else {
            throw a.error("backbone_widths", "must list 4 channel counts in 1...1024")
        }
        architecture.keyChannels = try a.int("key_channels", default: 16, range: 1...1024)
        architecture.iterations = try a.int("iterations", default: 3, range: 0...16)
        architecture.motion = try a.bool("motion", default: true)
        let warp = try a.string("motion_warp", default: OpticalFlow.Warp.pixelwise.rawValue)
        guard let motionWarp = OpticalFlow.Warp(rawValue: warp) else {
            throw a.error("motion_warp", "must be 'pixelwise' or 'windowed', found '\(warp)'")
        }
        architecture.motionWarp = motionWarp
        architecture.rgb = try a.bool("rgb", default: true)
        architecture.decoderChannels = try a.int("decoder_channels", default: 0, range: 0...1024)
        guard architecture.rgb || architecture.motion else { throw a.error("rgb", "rgb and motion cannot both be false: the model needs an input") }
        try a.finish()
        let t = try root.section("training")
        training.epochs = try t.int("epochs", default: 20, range: 1...100_000)
        training.stepsPerEpoch = try t.int("steps_per_epoch", default: 200, range: 1...10_000_000)
        training.learningRate = try t.double("learning_rate", default: 1e-3, min: 0, max: 10)
        training.polyPower = try t.double("poly_power", default: 0.9, min: 0, max: 10)
        training.weightDecay = try t.double("weight_decay", default: 0, min: 0, max: 10)
        training.emaDecay = try t.double("ema_decay", default: 0, min: 0, max: 0.99999)
        training.snapshots = try t.bool("snapshots", default: false)
        training.diceWeight = try t.double("dice_weight", default: 1, min: 0, max: 100)
        training.clipGradNorm = try t.double("clip_grad_norm", default: 5, min: 0)
        training.seed = try t.int("seed", default: 1, range: 0...Int(Int32.max))
        training.checkpointMinutes = try t.double("checkpoint_minutes", default: 5, min: 0.01)
        training.threads = try t.int("threads", default: 2, range: 1...256)
        training.syntheticFraction = try t.double("synthetic_fraction", default: 0.5, min: 0, max: 1)
        training.minCropScale = try t.double("min_crop_scale", default: 0.7, min: 0.1, max: 1)
        training.maxCropScale = try t.double("max_crop_scale", default: 1, min: 0.1, max: 1)
        guard training.maxCropScale >= training.minCropScale else {
            throw t.error("max_crop_scale", "must be at least min_crop_scale (\(training.minCropScale)), got \(training.maxCropScale)")
        }
        training.clipScale = try t.double("clip_scale", default: 1.25, min: 1, max: 4)
        training.motionInInputPixels = try t.bool("motion_input_pixels", default: false)
        training.colourJitter = try t.double("colour_jitter", default: 0, min: 0, max: 0.9)
        training.grayscaleProbability = try t.double("grayscale_probability", default: 0, min: 0, max: 1)
        training.copyPaste = try t.double("copy_paste", default: 0, min: 0, max: 1)
        try t.finish()
        let d = try root.section("data")
        if let folder = try d.string("davis") { data.davis = (folder.isEmpty || folder == "none") ? nil : folder }
        data.train = try d.strings("train") ?? data.train
        data.val = try d.strings("val") ?? data.val
        data.syntheticClips = try d.int("synthetic_clips", default: 32, range: 0...100_000)
        data.syntheticFrames = try d.int("synthetic_frames", default: 12, range: 2...1000)
        data.valEvery = try d.int("val_every", default: 5, range: 1...1000)
        try d.finish()
        _ = root.value("description")
        try root.finish()
    }

    public init(contentsOf url: URL) throws {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            throw ModelConfigError(source: url.path, key: "", reason: "cannot be read")
        }
        try self.init(yaml: text, source: url.path)
    }
}
