import Datasets
import Foundation
import Media
import Yams

/// A model and its training recipe, read from a YAML file (one file per shipped model in `configs/`).
///
/// ```yaml
/// name: rstg-sync3
/// kind: rstg            # rstg | mean-lstm | conv-lstm | regions
/// classes: syncmnist    # or a list of label names
/// input: {frames: 10, size: 64}
/// architecture: {backbone_widths: [16, 32, 64], hidden: 64, rounds: 3, space: true, time: true, positional: false, grids: [3, 2, 1]}
/// training: {epochs: 30, clips_per_epoch: 8000, batch_size: 32, optimizer: adamw, learning_rate: 0.002, ...}
/// data: {dataset: syncmnist, digits: 3, mnist: ../shared/data/mnist, val_clips: 1000,
///        digit_augmentation: {rotation: 12, scale: 0.12, shear: 0.2},   # optional, training clips only
///        overlap_oversampling: 0.5}                                     # optional, training clips only
/// test: {reverse: true}  # optional: the test-time views `vidgraph classify` uses by default
/// ```
/// Unknown keys and out-of-range values throw `ModelConfigError` naming the file and the key.
public struct ModelConfig: Sendable, Equatable {
    /// The model kinds this module can build.
    public static let kinds = ["rstg", "mean-lstm", "conv-lstm", "regions"]

    /// Network shape.
    public struct Architecture: Sendable, Equatable {
        /// Output channels of the 3x3 convs of the per-frame backbone (each followed by ReLU and 2x2 max-pool).
        public var backboneWidths: [Int] = [16, 32, 64]
        /// Width D of node states / recurrent hidden states.
        public var hidden: Int = 64
        /// Rounds of [time -> space] before the final recurrent pass.
        public var rounds: Int = 3
        /// Whether the space steps run (ablation `time-only` sets false).
        public var space: Bool = true
        /// Whether the time steps run (ablation `space-only` sets false).
        public var time: Bool = true
        /// Learned positional embedding of each cell in the space step.
        public var positional: Bool = false
        /// Patch grids per frame (3x3, 2x2, 1x1 = 14 nodes).
        public var grids: [Int] = [3, 2, 1]
        /// RSTG space steps also see how alike the motions of two cells are (`MotionAffinity`; needs `flow`).
        public var motionAffinity: Bool = false
        /// RSTG readout: `sum` (the paper's linear readout of the summed node states) or `synchrony`
        /// (plus per-digit pair votes from the finest grid's nodes, `SynchronyPairReadout`; SyncMNIST labels).
        public var readout: String = "sum"
        /// With `readout: synchrony`: add the digit-track term (`DigitTrackReadout`; needs `flow`).
        public var trackReadout: Bool = false
        /// Motion of the finest cells for `motion_affinity` / `track_readout`: `flow` (the mean of the flow
        /// channels) or `matching` (block matching, `MotionAffinity.matchFineCells`).
        public var cellMotion: String = "flow"
        /// Pooled map side for the conv-lstm baseline.
        public var convPool: Int = 4
        /// Residual RSTG steps: `x <- x + step(x)` around every time and space step (keeps the
        /// backbone's gradient from vanishing through the stacked LSTMs and LayerNorms).
        public var residual: Bool = false
        /// Normalisation after each backbone conv: `none` (the paper's plain conv) or `batch`.
        public var backboneNorm: String = "none"
        /// Append `x, y` coordinate channels to every frame before the backbone (CoordConv).
        public var coordinates: Bool = false
        /// Give the backbone each frame stacked with its predecessor (2 input channels: I_t, I_{t-1}).
        public var previousFrame: Bool = false
        /// Append the dense optical flow into each frame from its predecessor (2 channels dx, dy, in
        /// units of 8 px; zero for frame 0), computed by `OpticalFlow` (pyramidal Lucas-Kanade) on the
        /// input frames: the two-stream idea (appearance + motion) as extra backbone channels.
        public var flow: Bool = false
        /// How `flow` takes the Lucas-Kanade temporal difference over a window (`flow_warp`):
        /// `pixelwise` (default; what the models shipped before 2026-11-26 were trained with) or
        /// `windowed` (Lucas-Kanade proper, ~5x lower median error on SyncMNIST digits); see `OpticalFlow.Warp`.
        public var flowWarp: OpticalFlow.Warp = .pixelwise
        /// Backbone input channels: 1 gray (+1 previous frame) (+2 flow).
        public var backboneInputChannels: Int { 1 + (previousFrame ? 1 : 0) + (flow ? 2 : 0) }
        /// Region nodes kept per frame K by the region-graph classifier (the K largest regions).
        public var regionsPerFrame: Int = 4
        /// Stacked GCN layers of the region-graph classifier.
        public var gcnLayers: Int = 3
        /// Where region nodes come from: `components` (connected components of bright pixels) or
        /// `slic` (SLIC superpixels of the gray frame, about `regions_per_frame` of them).
        public var regionSource: String = "components"
        /// Gray level in [0, 1] above which a pixel is foreground for `region_source: components`.
        public var regionThreshold: Double = 0.2
        public init() {}
    }

    /// Optimisation recipe used by `vidgraph train`.
    public struct Training: Sendable, Equatable {
        public var epochs: Int = 30
        public var clipsPerEpoch: Int = 8000
        public var batchSize: Int = 32
        /// `adam` or `adamw`.
        public var optimizer: String = "adamw"
        public var learningRate: Double = 1e-3
        public var weightDecay: Double = 1e-4
        /// `cosine`, `constant` or `step`.
        public var schedule: String = "cosine"
        public var warmupSteps: Int = 200
        public var minLearningRate: Double = 1e-5
        /// Epochs at which a `cosine` schedule restarts (SGDR warm restarts; empty: one cycle). Each
        /// cycle anneals from `learning_rate * restart_scale^c` to `min_learning_rate`; the first keeps
        /// the warm-up, so a finished run can be extended by resuming with a restart at its last epoch.
        public var restartEpochs: [Int] = []
        /// Factor on the peak learning rate of each new cycle.
        public var restartScale: Double = 1
        public var labelSmoothing: Double = 0
        /// Global gradient-norm clip (0 disables).
        public var clipGradNorm: Double = 5
        public var seed: Int = 1
        /// Minutes between in-epoch checkpoints.
        public var checkpointMinutes: Double = 5
        /// Compute threads (OpenBLAS and element loops).
        public var threads: Int = 2
        /// Weight of an auxiliary training loss (0 = off, the paper's recipe): a linear head on the clip
        /// representation predicts which digit classes appear in the clip (10-way multi-label BCE).
        /// It gives the backbone a dense digit-identity signal early on, when the pair label alone
        /// leaves training at chance for a long time. The head is not part of the saved model.
        public var presenceWeight: Double = 0
        /// Weight of a second auxiliary training loss (0 = off; `rstg` models only): a linear head on
        /// every final node state predicts whether its cell holds the centre of one of the two
        /// synchronous digits in that frame (per-node BCE, frames 1..T-1; frame 0 has seen no motion).
        /// The generator knows where the digits are, so this dense target asks each node directly for
        /// the comparison the pair label only rewards after it is already solved. Not saved with the model.
        public var syncWeight: Double = 0
        /// Weight of a third auxiliary training loss (0 = off; `rstg` models only): a linear head on
        /// every final node state predicts the classes of the digits whose centres lie in its cell in
        /// that frame (per-node 10-way multi-label BCE, all frames). Most errors of the synchrony
        /// models on 3 digits are misread digits that overlap others, not wrong pairs (README), and
        /// the pair label names a digit's class only through the whole clip; this asks each node
        /// for the identity of what it tracks. Not saved with the model.
        public var identityWeight: Double = 0
        /// Model to start from instead of random weights (fine-tuning, e.g. 5-digit SyncMNIST from the
        /// 3-digit model): an embedded model name, a `.safetensors` file or a run folder. Its
        /// architecture must match this config's; the training-only heads start fresh. Relative
        /// paths are resolved against the working directory, then the repository root.
        public var initFrom: String?
        public init() {}
    }

    /// Where training clips come from.
    public struct DataSpec: Sendable, Equatable {
        /// Only `syncmnist` so far.
        public var dataset: String = "syncmnist"
        public var digits: Int = 3
        /// MNIST folder (relative paths are resolved against the working directory, then the
        /// repository root); `none` or "" for procedural digits, which are also used when the folder is absent.
        public var mnist: String? = "../shared/data/mnist"
        public var seed: Int = 0
        /// Validation clips per epoch: held-out compositions of the training digits (`ClipTrainer`).
        public var valClips: Int = 1000
        /// Random affine distortion of the training clips' digit images
        /// (`digit_augmentation: {rotation: degrees, scale: s, shear: k}`; validation clips are never
        /// distorted); nil: none.
        public var digitAugmentation: DigitAugmentation?
        /// Probability that a training clip is redrawn until a digit of its synchronous pair is
        /// overlapped by another digit (`overlap_oversampling`, `SyncMNIST+Overlap.swift`; validation
        /// clips never are); 0: the protocol's clips.
        public var overlapOversampling: Double = 0
        public init() {}
    }

    /// The model's default test-time views (as the test pipeline of an MMAction2 config): what
    /// `vidgraph classify` does unless its options say otherwise.
    public struct TestViews: Sendable, Equatable {
        /// Also classify each window played backwards and average the scores. Only for labels that
        /// do not depend on the direction of time: SyncMNIST's synchronous pair moves together in
        /// either direction, and the generator's motion statistics are the same both ways.
        public var reverse: Bool = false
        /// Pixels of 4 extra diagonally translated copies of every view (0: none; scores averaged).
        public var shift: Int = 0
        public init() {}
    }

    public var name: String
    public var kind: String
    /// Label names in class-index order.
    public var classes: [String]
    /// Frames per clip T.
    public var frames: Int = 10
    /// Square input side in pixels.
    public var size: Int = 64
    public var architecture = Architecture()
    public var training = Training()
    public var data = DataSpec()
    public var test = TestViews()
    /// The YAML text this config was read from (stored in weight files' metadata).
    public var text: String
    /// Where it was read from.
    public var source: String

    /// Parses `text`; `source` names the file in errors.
    public init(yaml text: String, source: String) throws {
        let document: Any?
        do {
            document = try Yams.load(yaml: text)
        } catch {
            throw ModelConfigError(source: source, key: "", reason: "is not valid YAML: \(String(describing: error).split(separator: "\n").first ?? "")")
        }
        guard let map = document as? [String: Any] else {
            throw ModelConfigError(source: source, key: "", reason: "must be a YAML mapping with name, kind, architecture, training and data")
        }
        let root = ConfigSection(map, source: source, path: "")
        self.text = text
        self.source = source
        name = try root.requiredString("name")
        kind = try root.requiredString("kind")
        guard Self.kinds.contains(kind) else {
            throw root.error("kind", "unknown model kind '\(kind)' (known: \(Self.kinds.joined(separator: ", ")))")
        }
        if let list = try root.strings("classes") {
            guard list.count >= 2 else { throw root.error("classes", "needs at least 2 labels, found \(list.count)") }
            guard Set(list).count == list.count else { throw root.error("classes", "has duplicate labels") }
            classes = list
        } else {
            let preset = try root.string("classes", default: "syncmnist")
            guard preset == "syncmnist" else { throw root.error("classes", "expected a list of labels or 'syncmnist', found '\(preset)'") }
            classes = SyncMNIST.classNames
        }
        let input = try root.section("input")
        frames = try input.int("frames", default: 10, range: 1...1000)
        size = try input.int("size", default: 64, range: 8...1024)
        try input.finish()

        let a = try root.section("architecture")
        architecture.backboneWidths = try a.ints("backbone_widths") ?? architecture.backboneWidths
        guard !architecture.backboneWidths.isEmpty, architecture.backboneWidths.allSatisfy({ (1...4096).contains($0) }) else {
            throw a.error("backbone_widths", "must be a non-empty list of channel counts in 1...4096")
        }
        guard size >> architecture.backboneWidths.count >= 1 else {
            throw a.error("backbone_widths", "\(architecture.backboneWidths.count) pooling stages reduce the \(size)-pixel input below 1 pixel")
        }
        architecture.hidden = try a.int("hidden", default: 64, range: 1...4096)
        architecture.rounds = try a.int("rounds", default: 3, range: 0...16)
        architecture.space = try a.bool("space", default: true)
        architecture.time = try a.bool("time", default: true)
        architecture.positional = try a.bool("positional", default: false)
        architecture.grids = try a.ints("grids") ?? architecture.grids
        guard !architecture.grids.isEmpty, architecture.grids.allSatisfy({ (1...16).contains($0) }) else {
            throw a.error("grids", "must be a non-empty list of grid sides in 1...16")
        }
        architecture.readout = try a.string("readout", default: "sum")
        guard ["sum", "synchrony"].contains(architecture.readout) else {
            throw a.error("readout", "must be 'sum' or 'synchrony', found '\(architecture.readout)'")
        }
        architecture.convPool = try a.int("conv_pool", default: 4, range: 1...64)
        architecture.residual = try a.bool("residual", default: false)
        architecture.backboneNorm = try a.string("backbone_norm", default: "none")
        guard ["none", "batch"].contains(architecture.backboneNorm) else {
            throw a.error("backbone_norm", "must be 'none' or 'batch', found '\(architecture.backboneNorm)'")
        }
        architecture.coordinates = try a.bool("coordinates", default: false)
        architecture.previousFrame = try a.bool("previous_frame", default: false)
        architecture.flow = try a.bool("flow", default: false)
        let warp = try a.string("flow_warp", default: OpticalFlow.Warp.pixelwise.rawValue)
        guard let flowWarp = OpticalFlow.Warp(rawValue: warp) else {
            throw a.error("flow_warp", "must be 'pixelwise' or 'windowed', found '\(warp)'")
        }
        architecture.flowWarp = flowWarp
        architecture.motionAffinity = try a.bool("motion_affinity", default: false)
        if architecture.motionAffinity && !architecture.flow {
            throw a.error("motion_affinity", "needs 'flow: true' (the affinities compare the cells' optical flow)")
        }
        architecture.trackReadout = try a.bool("track_readout", default: false)
        if architecture.trackReadout && (!architecture.flow || architecture.readout != "synchrony") {
            throw a.error("track_readout", "needs 'flow: true' and 'readout: synchrony' (the term compares the flow of the cells the identity head assigns to each digit)")
        }
        architecture.cellMotion = try a.string("cell_motion", default: "flow")
        guard ["flow", "matching"].contains(architecture.cellMotion) else {
            throw a.error("cell_motion", "must be 'flow' or 'matching', found '\(architecture.cellMotion)'")
        }
        if architecture.cellMotion == "matching" && !(architecture.motionAffinity || architecture.trackReadout) {
            throw a.error("cell_motion", "'matching' is read only by 'motion_affinity: true' or 'track_readout: true'")
        }
        architecture.regionsPerFrame = try a.int("regions_per_frame", default: 4, range: 1...256)
        architecture.gcnLayers = try a.int("gcn_layers", default: 3, range: 1...16)
        architecture.regionSource = try a.string("region_source", default: "components")
        guard ["components", "slic"].contains(architecture.regionSource) else {
            throw a.error("region_source", "must be 'components' or 'slic', found '\(architecture.regionSource)'")
        }
        architecture.regionThreshold = try a.double("region_threshold", default: 0.2, min: 0, max: 0.999)
        try a.finish()

        let t = try root.section("training")
        training.epochs = try t.int("epochs", default: 30, range: 1...100_000)
        training.clipsPerEpoch = try t.int("clips_per_epoch", default: 8000, range: 1...100_000_000)
        training.batchSize = try t.int("batch_size", default: 32, range: 1...4096)
        training.optimizer = try t.string("optimizer", default: "adamw")
        guard ["adam", "adamw"].contains(training.optimizer) else {
            throw t.error("optimizer", "must be adam or adamw, found '\(training.optimizer)'")
        }
        training.learningRate = try t.double("learning_rate", default: 1e-3, min: 0, max: 10)
        training.weightDecay = try t.double("weight_decay", default: 1e-4, min: 0, max: 10)
        training.schedule = try t.string("schedule", default: "cosine")
        guard ["cosine", "constant", "step"].contains(training.schedule) else {
            throw t.error("schedule", "must be cosine, constant or step, found '\(training.schedule)'")
        }
        training.warmupSteps = try t.int("warmup_steps", default: 200, range: 0...10_000_000)
        training.minLearningRate = try t.double("min_learning_rate", default: 1e-5, min: 0, max: 10)
        training.restartEpochs = try t.ints("restart_epochs") ?? []
        for (i, epoch) in training.restartEpochs.enumerated() {
            let previous = i == 0 ? 0 : training.restartEpochs[i - 1]
            guard epoch > previous, epoch < training.epochs else {
                throw t.error("restart_epochs", "must increase strictly and lie in 1..<epochs (\(training.epochs)), found \(training.restartEpochs)")
            }
        }
        if !training.restartEpochs.isEmpty && training.schedule != "cosine" {
            throw t.error("restart_epochs", "needs schedule: cosine, found '\(training.schedule)'")
        }
        training.restartScale = try t.double("restart_scale", default: 1, min: 0.001, max: 10)
        training.labelSmoothing = try t.double("label_smoothing", default: 0, min: 0, max: 0.99)
        training.clipGradNorm = try t.double("clip_grad_norm", default: 5, min: 0)
        training.seed = try t.int("seed", default: 1, range: 0...Int(Int32.max))
        training.checkpointMinutes = try t.double("checkpoint_minutes", default: 5, min: 0.01)
        training.threads = try t.int("threads", default: 2, range: 1...256)
        training.presenceWeight = try t.double("presence_weight", default: 0, min: 0, max: 100)
        training.syncWeight = try t.double("sync_weight", default: 0, min: 0, max: 100)
        training.identityWeight = try t.double("identity_weight", default: 0, min: 0, max: 100)
        training.initFrom = try t.string("init_from").flatMap { $0.isEmpty || $0 == "none" ? nil : $0 }
        try t.finish()

        let d = try root.section("data")
        data.dataset = try d.string("dataset", default: "syncmnist")
        guard data.dataset == "syncmnist" else { throw d.error("dataset", "only 'syncmnist' is supported, found '\(data.dataset)'") }
        data.digits = try d.int("digits", default: 3, range: 2...10)
        if let folder = try d.string("mnist") { data.mnist = (folder.isEmpty || folder == "none") ? nil : folder }
        data.seed = try d.int("seed", default: 0, range: 0...Int(Int32.max))
        data.valClips = try d.int("val_clips", default: 1000, range: 1...1_000_000)
        if d.has("digit_augmentation") {
            let a = try d.section("digit_augmentation")
            let augmentation = DigitAugmentation(rotationDegrees: try a.double("rotation", default: 0, min: 0, max: 90),
                                                 scale: try a.double("scale", default: 0, min: 0, max: 0.5),
                                                 shear: try a.double("shear", default: 0, min: 0, max: 1))
            try a.finish()
            data.digitAugmentation = augmentation.isIdentity ? nil : augmentation
        }
        data.overlapOversampling = try d.double("overlap_oversampling", default: 0, min: 0, max: 1)
        try d.finish()
        if data.dataset == "syncmnist" && classes.count != SyncMNIST.classNames.count {
            throw root.error("classes", "syncmnist data has \(SyncMNIST.classNames.count) classes, the config lists \(classes.count)")
        }
        if data.dataset == "syncmnist" && (frames != SyncMNIST.frameCount || size != SyncMNIST.side) {
            throw root.error("input", "syncmnist clips are \(SyncMNIST.frameCount) frames of \(SyncMNIST.side)x\(SyncMNIST.side); the config says \(frames) frames of \(size)x\(size)")
        }
        if architecture.readout == "synchrony" && (kind != "rstg" || !SynchronyPairReadout.supports(classNames: classes)) {
            throw root.error("architecture", "readout 'synchrony' needs a 'rstg' model with SyncMNIST labels ('a-b' digit pairs and 'none')")
        }
        let testSection = try root.section("test")
        test.reverse = try testSection.bool("reverse", default: false)
        test.shift = try testSection.int("shift", default: 0, range: 0...256)
        try testSection.finish()
        _ = root.value("description")
        try root.finish()
    }

    /// Reads and parses a YAML file.
    public init(contentsOf url: URL) throws {
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw ModelConfigError(source: url.path, key: "", reason: "cannot be read (\(FileManager.default.fileExists(atPath: url.path) ? "not UTF-8 text" : "no such file"))")
        }
        try self.init(yaml: text, source: url.path)
    }

    /// Number of classes.
    public var classCount: Int { classes.count }

    /// Side of the backbone's output map.
    public var mapSide: Int { size >> architecture.backboneWidths.count }
}
