import Datasets
import Evaluation
import Foundation
import Layers
import Media
import Tensors

/// Trains a `FrameGraphSegmenter`: each step draws one graph of N frames from one clip (synthetic or
/// DAVIS training sequence), augments it (random crop/scale, mirror, brightness/contrast, optional
/// per-channel colour jitter and greyscale, which hide the training sequences' colours; optional
/// copy-paste of another DAVIS training sequence's annotated object over it), and minimises
/// weighted BCE (posWeight = negatives/positives of the graph) + dice_weight * Dice with Adam under a
/// poly schedule, optionally keeping a moving average of the weights (`ema_decay`).
/// Step s's randomness is a pure function of (seed, s), so a resumed run
/// continues exactly.
public final class SegmentationTrainer {
    public let config: SegmentationConfig
    public let model: FrameGraphSegmenter
    public let optimizer: Adam
    /// Moving average of the weights (`training.ema_decay` > 0), used for validation and the saved model.
    public let average: WeightAverage?
    public let trainClips: [SegmentationClip]
    public let valClips: [SegmentationClip]
    /// Indices of `trainClips` that are synthetic.
    public let syntheticCount: Int
    public private(set) var step = 0
    public var bestScore: Double = -1
    public private(set) var elapsedBefore: Double = 0

    public init(config: SegmentationConfig, trainClips: [SegmentationClip], syntheticCount: Int, valClips: [SegmentationClip]) {
        precondition(!trainClips.isEmpty, "SegmentationTrainer: no training clips")
        self.config = config
        self.trainClips = trainClips
        self.syntheticCount = syntheticCount
        self.valClips = valClips
        model = FrameGraphSegmenter(config: config, seed: UInt64(config.training.seed))
        optimizer = Adam(model, Adam.Config(learningRate: Float(config.training.learningRate), weightDecay: Float(config.training.weightDecay)))
        average = config.training.emaDecay > 0 ? WeightAverage(model, decay: Float(config.training.emaDecay)) : nil
    }

    /// Runs `body` with the weights a user gets: the moving average when the run keeps one, else the
    /// trained weights (validation and `model.safetensors` go through here).
    public func withServedWeights<R>(_ body: () throws -> R) rethrows -> R {
        guard let average else { return try body() }
        return try average.withAveragedWeights(of: model, body)
    }

    public var stepsPerEpoch: Int { config.training.stepsPerEpoch }
    public var totalSteps: Int { config.training.epochs * stepsPerEpoch }
    public var epoch: Int { step / stepsPerEpoch }

    public func learningRate(at s: Int) -> Float {
        PolyLR(base: Float(config.training.learningRate), totalSteps: totalSteps, power: Float(config.training.polyPower)).learningRate(at: s)
    }

    /// The augmented graph of step `s`: inputs `[N, C_in, H, W]`, masks `[N, 1, H, W]`.
    public func trainingGraph(step s: Int) -> (input: Tensor, masks: Tensor) {
        var rng = SeededRandom(seeds: UInt64(config.training.seed), UInt64(s), 0x5E6)
        let useSynthetic = syntheticCount > 0 && (syntheticCount == trainClips.count || rng.chance(config.training.syntheticFraction))
        let clipIndex = useSynthetic ? rng.int(0, syntheticCount - 1) : rng.int(syntheticCount, trainClips.count - 1)
        let clip = trainClips[clipIndex]
        let n = config.frames, w = config.width, h = config.height
        let crop = randomCrop(of: clip, rng: &rng)
        let flip = rng.chance(0.5)
        let gain = Float(rng.uniform(0.8, 1.2)), bias = Float(rng.uniform(-0.08, 0.08))
        // Colour augmentation draws from its own stream, so configs without it keep their exact steps.
        var colourRng = SeededRandom(seeds: UInt64(config.training.seed), UInt64(s), 0xC010)
        let jitter = config.training.colourJitter
        let gains = (0..<3).map { _ in gain * (jitter > 0 ? Float(colourRng.uniform(1 - jitter, 1 + jitter)) : 1) }
        let grayscale = config.training.grayscaleProbability > 0 && colourRng.chance(config.training.grayscaleProbability)
        // Copy-paste draws from its own stream too; the donor gets its own crop and mirror.
        var pasteRng = SeededRandom(seeds: UInt64(config.training.seed), UInt64(s), 0xC0B7)
        var donor: (clip: SegmentationClip, crop: (x: Float, y: Float, w: Float, h: Float), flip: Bool)?
        if config.training.copyPaste > 0 {
            let donors = (syntheticCount..<trainClips.count).filter { $0 != clipIndex }   // other DAVIS clips
            if !donors.isEmpty, pasteRng.chance(config.training.copyPaste) {
                let source = trainClips[donors[pasteRng.int(0, donors.count - 1)]]
                donor = (source, randomCrop(of: source, rng: &pasteRng), pasteRng.chance(0.5))
            }
        }
        var inputs: [Float] = [], masks: [Float] = []
        for _ in 0..<n {
            let index = rng.int(0, clip.frames.count - 1)
            var (x, m) = clip.sample(index, crop: crop, outWidth: w, outHeight: h, flip: flip, gains: gains, bias: bias, grayscale: grayscale,
                                     rgb: config.architecture.rgb, motion: config.architecture.motion,
                                     motionGain: config.training.motionInInputPixels ? Float(w) / crop.w : 1)
            if let donor {
                let (dx, dm) = donor.clip.sample(pasteRng.int(0, donor.clip.frames.count - 1), crop: donor.crop, outWidth: w, outHeight: h,
                                                 flip: donor.flip, gains: gains, bias: bias, grayscale: grayscale,
                                                 rgb: config.architecture.rgb, motion: config.architecture.motion,
                                                 motionGain: config.training.motionInInputPixels ? Float(w) / donor.crop.w : 1)
                Self.paste(input: &x, mask: &m, donorInput: dx, donorMask: dm, plane: w * h)
            }
            inputs += x; masks += m
        }
        return (Tensor(inputs, shape: [n, config.inputChannels, h, w]), Tensor(masks, shape: [n, 1, h, w]))
    }

    /// A crop window of `clip` in clip pixels: side fraction U(min_crop_scale, max_crop_scale) of the
    /// clip's, position uniform inside it (draws scale, x, y in that order).
    func randomCrop(of clip: SegmentationClip, rng: inout SeededRandom) -> (x: Float, y: Float, w: Float, h: Float) {
        let scale = Float(rng.uniform(config.training.minCropScale, config.training.maxCropScale))
        let cw = Float(clip.width) * scale, ch = Float(clip.height) * scale
        return (x: Float(rng.uniform(0, Double(Float(clip.width) - cw))), y: Float(rng.uniform(0, Double(Float(clip.height) - ch))), w: cw, h: ch)
    }

    /// Copy-paste (Ghiasi et al., "Simple Copy-Paste is a Strong Data Augmentation Method for Instance
    /// Segmentation", CVPR 2021): where the donor's mask is set, every input plane (RGB and motion) takes
    /// the donor's value and the mask becomes 1, so the target is the union of both objects, the host's
    /// covered part excluded by construction. `input` is `[C, plane]`, the masks `[plane]` in {0, 1}.
    static func paste(input: inout [Float], mask: inout [Float], donorInput: [Float], donorMask: [Float], plane: Int) {
        let channels = input.count / plane
        for i in 0..<plane where donorMask[i] >= 0.5 {
            for c in 0..<channels { input[c * plane + i] = donorInput[c * plane + i] }
            mask[i] = 1
        }
    }

    /// Weighted BCE + Dice of logits `[N, 1, H, W]` against masks.
    public func loss(logits: Tensor, masks: Tensor) -> Tensor {
        let positives = masks.data.reduce(0, +), total = Float(masks.count)
        let posWeight = min(50, max(1, (total - positives) / max(positives, 1)))
        let bce = Loss.binaryCrossEntropyWithLogits(logits, masks, posWeight: posWeight)
        guard config.training.diceWeight > 0 else { return bce }
        return bce + Loss.dice(logits.sigmoid(), masks) * Float(config.training.diceWeight)
    }

    /// One optimisation step; returns the loss.
    @discardableResult
    public func trainStep() -> Float {
        model.setTraining(true)
        let (x, y) = trainingGraph(step: step)
        let l = loss(logits: model(x), masks: y)
        optimizer.zeroGrad()
        l.backward()
        if config.training.clipGradNorm > 0 {
            _ = GradientClipping.clipByGlobalNorm(model.parameters, maxNorm: Float(config.training.clipGradNorm))
        }
        optimizer.learningRate = learningRate(at: step)
        optimizer.step()
        average?.update(from: model)
        step += 1
        return l.item
    }

    /// Mean J, F and J&F over the validation clips at the model resolution (every `data.val_every`-th
    /// frame; each frame grouped with N-1 reference frames spread over its clip, as at test time).
    public func evaluate() -> (j: Double, f: Double, jf: Double) {
        model.setTraining(false)
        defer { model.setTraining(true) }
        var js: [Double] = [], fs: [Double] = []
        withServedWeights {
            for clip in valClips {
                let (j, f) = Self.score(model: model, clip: clip, every: config.data.valEvery)
                js.append(j); fs.append(f)
            }
        }
        guard !js.isEmpty else { return (0, 0, 0) }
        let j = js.reduce(0, +) / Double(js.count), f = fs.reduce(0, +) / Double(fs.count)
        return (j, f, (j + f) / 2)
    }

    /// Mean J and F of `model` on `clip` (DAVIS measures, masks thresholded at 0.5), with the frame
    /// schedule of `vidgraph segment` (`VideoSegmenter`): the graph of step i joins frame i of each of
    /// the N streams and all its nodes are scored; every `every`-th step is run.
    public static func score(model: FrameGraphSegmenter, clip: SegmentationClip, every: Int = 1) -> (j: Double, f: Double) {
        let c = model.config
        let total = clip.frames.count
        func input(_ i: Int) -> [Float] { (c.architecture.rgb ? clip.frames[i] : []) + (c.architecture.motion ? clip.motion[i] : []) }
        let (streams, length) = VideoSegmenter.schedule(total: total, framesPerGraph: c.frames)
        let plane = clip.width * clip.height
        var js = 0.0, fs = 0.0, n = 0
        for step in stride(from: 0, to: length, by: max(1, every)) {
            let members = (0..<streams).map { min($0 * length + step, min(($0 + 1) * length, total) - 1) }   // frame of each stream
            let batch = Tensor(members.flatMap(input), shape: [streams, c.inputChannels, clip.height, clip.width])
            let probabilities = GradMode.disabled { model(batch).sigmoid() }.data                              // [N * H * W]
            for (k, frame) in members.enumerated() where frame == k * length + step {
                let p = probabilities[(k * plane)..<((k + 1) * plane)]
                let prediction = GrayImage(width: clip.width, height: clip.height, pixels: p.map { $0 >= 0.5 ? 255 : 0 })
                let truth = GrayImage(width: clip.width, height: clip.height, pixels: clip.masks[frame].map { $0 >= 0.5 ? 255 : 0 })
                let (j, f) = DAVISMetrics.frameMeasures(prediction: prediction, groundTruth: truth)
                js += j; fs += f; n += 1
            }
        }
        return (js / Double(max(n, 1)), fs / Double(max(n, 1)))
    }

    public func saveCheckpoint(to url: URL, elapsed: Double) throws {
        let metadata = TrainingMetadata(step: step, epoch: epoch, config: config.text,
                                        extra: ["best_score": String(bestScore), "elapsed": String(elapsed)])
        try Checkpoint.save(model: model, optimizer: optimizer, average: average, metadata: metadata, to: url)
    }

    public func loadCheckpoint(from url: URL) throws {
        let metadata = try Checkpoint.load(from: url, model: model, optimizer: optimizer, average: average)
        step = metadata.step
        bestScore = Double(metadata.extra["best_score"] ?? "") ?? -1
        elapsedBefore = Double(metadata.extra["elapsed"] ?? "") ?? 0
    }
}
