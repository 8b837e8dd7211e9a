import Datasets
import Foundation
import Graphs
import Layers
import Tensors

/// Trains a `ClipClassifier` on streamed SyncMNIST clips (no files): step `s` uses training clips
/// `s * B ..< (s + 1) * B` (fresh clips forever, a pure function of the step, so a resumed run sees
/// exactly the clips an uninterrupted one would). Validation (model selection) uses `val_clips`
/// training-split clips from index `validationFirstClip` = 2^40 on, compositions no training run
/// reaches, so the test split (MNIST digits 8000..9999) stays unseen until the final evaluation.
///
/// Optimiser Adam/AdamW; learning rate per step from the config's schedule (cosine with linear warmup
/// and optional warm restarts, constant, or step decay x0.1 at 60 % and 85 %); optional global-norm
/// gradient clipping.
public final class ClipTrainer {
    public let config: ModelConfig
    public let model: any ClipClassifier
    public let optimizer: Adam
    /// Auxiliary digit-presence head (`presence.*`, training only) when `training.presence_weight` > 0.
    public let presenceHead: Linear?
    /// Auxiliary per-node synchrony head (`sync.*`, training only) when `training.sync_weight` > 0.
    public let syncHead: Linear?
    /// Auxiliary per-node digit-identity head (`identity.*`, training only) when `training.identity_weight` > 0.
    public let identityHead: Linear?
    /// The model plus the auxiliary head: what checkpoints store and the optimiser updates.
    let modules: TrainingModules
    /// The training stream (with `data.digit_augmentation` and `data.overlap_oversampling` when set).
    public private(set) var train: SyncMNIST
    public let validation: SyncMNIST
    /// Index of the first validation clip in `validation` (the training split's generator).
    public static let validationFirstClip = 1 << 40
    /// Steps done so far (the next step's index).
    public private(set) var step = 0
    /// Best validation accuracy seen (0 before the first evaluation).
    public var bestValAccuracy: Double = 0
    /// Seconds of training before this process (restored from checkpoints).
    public var elapsedBefore: Double = 0
    private var prefetched: (step: Int, batch: (frames: [Float], labels: [Int]))?

    /// - Parameters: `mnist` the digit set (nil: procedural digits).
    public init(config: ModelConfig, mnist: MNIST?) throws {
        self.config = config
        model = ModelFactory.make(config)
        let t = config.training
        var headGenerator = RandomGenerator(seed: UInt64(t.seed) &+ 0x9E37)
        presenceHead = t.presenceWeight > 0 ? Linear(model.featureWidth, 10, generator: &headGenerator) : nil
        // Zero-initialised like the RSTG classifier (no uninformative logit spread to remove first).
        presenceHead?.weight.assign([Float](repeating: 0, count: presenceHead!.weight.count))
        let ownSync = try Self.nodeHead(weight: t.syncWeight, key: "sync_weight", outputs: 1, model: model, config: config, generator: &headGenerator)
        let ownIdentity = try Self.nodeHead(weight: t.identityWeight, key: "identity_weight", outputs: 10, model: model, config: config,
                                            generator: &headGenerator)
        // With `readout: synchrony` the per-node losses supervise the readout's own heads (part of the model).
        let pairReadout = (model as? RSTGClassifier)?.pairReadout
        syncHead = ownSync.map { pairReadout?.sync ?? $0 }
        identityHead = ownIdentity.map { pairReadout?.identity ?? $0 }
        modules = TrainingModules(model: model, presence: presenceHead, sync: pairReadout == nil ? ownSync : nil,
                                  identity: pairReadout == nil ? ownIdentity : nil)
        let adamConfig = t.optimizer == "adamw"
            ? Adam.Config.adamW(learningRate: Float(t.learningRate), weightDecay: Float(t.weightDecay))
            : Adam.Config(learningRate: Float(t.learningRate), weightDecay: Float(t.weightDecay))
        optimizer = Adam(modules, adamConfig)
        let seed = UInt64(config.data.seed)
        if let mnist {
            train = try SyncMNIST(digits: mnist, digitsPerClip: config.data.digits, split: .train, seed: seed)
        } else {
            train = try SyncMNIST.procedural(digitsPerClip: config.data.digits, split: .train, seed: seed)
        }
        validation = train
        train.augmentation = config.data.digitAugmentation
        train.overlapOversampling = config.data.overlapOversampling
    }

    /// A training-only per-node head (RSTG models only) with `outputs` logits, nil when its loss weight is 0.
    static func nodeHead(weight: Double, key: String, outputs: Int, model: any ClipClassifier, config: ModelConfig,
                         generator: inout RandomGenerator) throws -> Linear? {
        guard weight > 0 else { return nil }
        guard model is RSTGClassifier else {
            throw ModelConfigError(source: config.name, key: "training.\(key)", reason: "needs a 'rstg' model (node states per cell), this config is '\(config.kind)'")
        }
        return Linear(model.featureWidth, outputs, generator: &generator)
    }

    /// Optimiser steps per epoch (`ceil(clips_per_epoch / batch_size)`).
    public var stepsPerEpoch: Int { (config.training.clipsPerEpoch + config.training.batchSize - 1) / config.training.batchSize }
    /// Total steps of the configured run.
    public var totalSteps: Int { stepsPerEpoch * config.training.epochs }
    /// Epochs completed.
    public var epoch: Int { step / stepsPerEpoch }

    /// Learning rate of step `s`.
    public func learningRate(at s: Int) -> Float {
        let t = config.training, base = Float(t.learningRate)
        switch t.schedule {
        case "constant":
            return t.warmupSteps > 0 && s < t.warmupSteps ? base * Float(s + 1) / Float(t.warmupSteps) : base
        case "step":
            let f = Double(s) / Double(max(totalSteps, 1))
            return base * (f < 0.6 ? 1 : f < 0.85 ? 0.1 : 0.01)
        default:
            if !t.restartEpochs.isEmpty {
                return CosineRestartsLR(base: base, totalSteps: max(totalSteps, 1), restartSteps: t.restartEpochs.map { $0 * stepsPerEpoch },
                                        restartScale: Float(t.restartScale), warmupSteps: t.warmupSteps,
                                        minimum: Float(t.minLearningRate)).learningRate(at: s)
            }
            return CosineLR(base: base, totalSteps: max(totalSteps, 1), warmupSteps: t.warmupSteps,
                            minimum: Float(t.minLearningRate)).learningRate(at: s)
        }
    }

    /// Clips `[B, T, 1, S, S]` and labels for training step `s`.
    public func trainingBatch(step s: Int) -> (clips: Tensor, labels: [Int]) {
        let b = config.training.batchSize
        let data = prefetched?.step == s ? prefetched!.batch : train.batch(indices: Array((s * b)..<((s + 1) * b)))
        return (Self.clipTensor(data.frames, count: b), data.labels)
    }

    static func clipTensor(_ frames: [Float], count b: Int) -> Tensor {
        Tensor(frames, shape: [b, SyncMNIST.frameCount, 1, SyncMNIST.side, SyncMNIST.side])   // [B, T, 1, 64, 64]
    }

    /// One optimiser step; returns the mean loss and the batch accuracy.
    @discardableResult
    public func trainStep() -> (loss: Float, accuracy: Float) {
        let s = step
        let batch = trainingBatch(step: s)
        // Draw the next batch on another thread while this one trains.
        let next = s + 1, b = config.training.batchSize
        let upcoming = BatchBox()
        let group = DispatchGroup()
        let generator = train
        DispatchQueue.global().async(group: group) {
            upcoming.value = generator.batch(indices: Array((next * b)..<((next + 1) * b)))
        }
        model.setTraining(true)
        optimizer.learningRate = learningRate(at: s)
        var features: Tensor                                           // [B, D]
        let logits: Tensor                                             // [B, classes]
        var nodeLosses: [Tensor] = []                                  // weighted per-node auxiliary losses
        if let rstg = model as? RSTGClassifier {
            let (states, motion) = rstg.encode(batch.clips)            // [T, B, K, D]
            features = rstg.readout(states)
            logits = rstg.logits(states: states, motion: motion)
            let k = rstg.builder.nodesPerFrame, t = SyncMNIST.frameCount
            let nodes = states.reshaped([t * b * k, model.featureWidth])  // [T * B * K, D]
            if let syncHead {
                let (target, weight) = syncTargets(firstClip: s * b, count: b, builder: rstg.builder)
                let logits = syncHead(nodes)                                   // [T * B * K, 1]
                nodeLosses.append(Loss.binaryCrossEntropyWithLogits(logits, Tensor(target, shape: [t * b * k, 1]),
                                                                    weight: Tensor(weight, shape: [t * b * k, 1])) * Float(config.training.syncWeight))
            }
            if let identityHead {
                let target = Self.identityTargets(train, firstClip: s * b, count: b, builder: rstg.builder)
                let logits = identityHead(nodes)                               // [T * B * K, 10]
                nodeLosses.append(Loss.binaryCrossEntropyWithLogits(logits, Tensor(target, shape: [t * b * k, 10]))
                                  * Float(config.training.identityWeight))
            }
        } else {
            features = model.features(batch.clips)
            logits = model.classifier(features)
        }
        var loss = Loss.crossEntropy(logits, targets: batch.labels, labelSmoothing: Float(config.training.labelSmoothing))
        if let presenceHead {
            var present = [Float](repeating: 0, count: b * 10)          // [B, 10] multi-hot digit classes
            for i in 0..<b { for c in train.layout(index: s * b + i).classes { present[i * 10 + c] = 1 } }
            let aux = Loss.binaryCrossEntropyWithLogits(presenceHead(features), Tensor(present, shape: [b, 10]))
            loss = loss + aux * Float(config.training.presenceWeight)
        }
        for nodeLoss in nodeLosses { loss = loss + nodeLoss }
        optimizer.zeroGrad()
        loss.backward()
        if config.training.clipGradNorm > 0 {
            GradientClipping.clipByGlobalNorm(model.parameters, maxNorm: Float(config.training.clipGradNorm))
        }
        optimizer.step()
        group.wait()
        prefetched = upcoming.value.map { (next, $0) }
        step += 1
        let predictions = logits.argmaxLastAxis()
        let correct = zip(predictions, batch.labels).filter { $0 == $1 }.count
        return (loss.item, Float(correct) / Float(batch.labels.count))
    }

    /// One pass over validation clips `0 ..< count`.
    public struct Validation: Sendable {
        /// Top-1 accuracy and mean cross-entropy.
        public var accuracy: Double, loss: Double
        /// ROC AUC of the synchrony head (`evaluateSync`); nil without a head.
        public var syncAUC: Double?
    }

    /// Accuracy and mean loss on validation clips `0 ..< count` (no tape).
    public func evaluate(count: Int? = nil, batchSize: Int = 50) -> (accuracy: Double, loss: Double) {
        let v = validate(count: count, batchSize: batchSize)
        return (v.accuracy, v.loss)
    }

    /// Accuracy, mean loss and (with a synchrony head) its AUC on validation clips `0 ..< count`,
    /// from one forward pass per batch (no tape).
    public func validate(count: Int? = nil, batchSize: Int = 50) -> Validation {
        let n = count ?? config.data.valClips
        model.setTraining(false)
        defer { model.setTraining(true) }
        let synchrony = syncHead.flatMap { head in (model as? RSTGClassifier).map { (head, $0) } }
        var correct = 0
        var lossSum = 0.0
        var scored: [(logit: Float, positive: Bool)] = []
        var start = 0
        while start < n {
            let end = min(start + batchSize, n), b = end - start
            let data = validation.batch(indices: Array((Self.validationFirstClip + start)..<(Self.validationFirstClip + end)))
            GradMode.disabled {
                let clips = Self.clipTensor(data.frames, count: b)
                let logits: Tensor
                if let (head, rstg) = synchrony {
                    let (states, motion) = rstg.encode(clips)                              // [T, B, K, D]
                    logits = rstg.logits(states: states, motion: motion)
                    let k = rstg.builder.nodesPerFrame, t = SyncMNIST.frameCount
                    let syncLogits = head(states.reshaped([t * b * k, model.featureWidth])).data  // [T * B * K]
                    scored += syncScores(syncLogits, firstClip: Self.validationFirstClip + start, count: b, builder: rstg.builder)
                } else {
                    logits = model.logits(clips)
                }
                lossSum += Double(Loss.crossEntropy(logits, targets: data.labels, reduction: .sum).item)
                correct += zip(logits.argmaxLastAxis(), data.labels).filter { $0 == $1 }.count
            }
            start = end
        }
        return Validation(accuracy: Double(correct) / Double(max(n, 1)), loss: lossSum / Double(max(n, 1)),
                          syncAUC: synchrony == nil ? nil : Self.rocAUC(scored))
    }

    /// Starts from `source`'s weights instead of the random initialisation (fine-tuning; the optimiser
    /// state and the training-only heads start fresh). Its kind and architecture must match this
    /// config's: every parameter and buffer by name and shape.
    public func initialize(from source: LoadedModel) throws {
        guard source.config.kind == config.kind else {
            throw ModelConfigError(source: config.name, key: "training.init_from",
                                   reason: "\(source.url.path) is a '\(source.config.kind)' model, this config trains '\(config.kind)'")
        }
        do {
            var state = source.model.stateDict()
            let (oldGrids, newGrids) = (source.config.architecture.grids, config.architecture.grids)
            if oldGrids != newGrids { state = Self.regridPositions(state, from: oldGrids, to: newGrids, fresh: model.stateDict()) }
            // A fine-tune may add the synchrony readout (with its track term) or the motion-affinity weights:
            // the source lacks them and they keep this model's initialisation (gamma, the track term's
            // gains and offset and the motion weights start at zero).
            func addedByFineTune(_ name: String) -> Bool {
                name.hasPrefix("pair_readout.") || name.hasSuffix(".motion_message") || name.hasSuffix(".motion_attention")
            }
            let own = Set(model.stateDict().keys)
            let addsModules = own.contains { state[$0] == nil && addedByFineTune($0) }
            if addsModules {
                if let extra = state.keys.sorted().first(where: { !own.contains($0) }) { throw ModuleError.unexpectedParameter(extra) }
                if let missing = own.sorted().first(where: { state[$0] == nil && !addedByFineTune($0) }) {
                    throw ModuleError.missingParameter(missing)
                }
            }
            try model.load(stateDict: state, strict: !addsModules)
        } catch let error as ModuleError {
            throw ModelConfigError(source: config.name, key: "training.init_from",
                                   reason: "\(source.url.path) does not fit this config's architecture: \(error.errorDescription ?? "\(error)")")
        }
    }

    /// A fine-tune into other patch grids (e.g. `[4, 3, 2, 1]` from `[3, 2, 1]`): every positional
    /// embedding `*.position` `[cells, D]` of `state` is rebuilt for the new cells, a cell that both
    /// grid lists have (same side, row, column) keeping its learned row and a new one its fresh row
    /// from `fresh` (this model's initialisation). The other tensors do not depend on the grids.
    static func regridPositions(_ state: [String: Tensor], from oldGrids: [Int], to newGrids: [Int],
                                fresh: [String: Tensor]) -> [String: Tensor] {
        let oldCells = PatchGraphBuilder(gridSizes: oldGrids).cells, newCells = PatchGraphBuilder(gridSizes: newGrids).cells
        var result = state
        for (name, old) in state where name.hasSuffix(".position") && old.rank == 2 && old.shape[0] == oldCells.count {
            guard let initial = fresh[name], initial.shape == [newCells.count, old.shape[1]] else { continue }
            let d = old.shape[1]
            var rows = initial.data
            for (i, cell) in newCells.enumerated() {
                guard let j = oldCells.firstIndex(where: { $0.gridSize == cell.gridSize && $0.row == cell.row && $0.col == cell.col }) else { continue }
                for c in 0..<d { rows[i * d + c] = old.data[j * d + c] }
            }
            result[name] = Tensor(rows, shape: [newCells.count, d])
        }
        return result
    }

    /// Writes model + optimiser + step to `url` (atomically, via a temporary name).
    public func saveCheckpoint(to url: URL, elapsed: Double) throws {
        let metadata = TrainingMetadata(step: step, epoch: epoch, config: config.text,
                                        extra: ["best_val_accuracy": String(bestValAccuracy), "elapsed_seconds": String(elapsed)])
        try Checkpoint.save(model: modules, optimizer: optimizer, metadata: metadata, to: url)
    }

    /// Restores model, optimiser and step from `url`.
    public func loadCheckpoint(from url: URL) throws {
        let metadata = try Checkpoint.load(from: url, model: modules, optimizer: optimizer)
        step = metadata.step
        bestValAccuracy = Double(metadata.extra["best_val_accuracy"] ?? "") ?? 0
        elapsedBefore = Double(metadata.extra["elapsed_seconds"] ?? "") ?? 0
        prefetched = nil
    }
}

/// Holds a batch produced on another thread (read only after the producing work item finished).
private final class BatchBox: @unchecked Sendable {
    var value: (frames: [Float], labels: [Int])?
}

/// The trained model's modules plus training-only heads, under the model's own names
/// (`backbone.*`, ..., `presence.*`, `sync.*` and `identity.*`), so checkpoints line up with model files.
final class TrainingModules: Module {
    let model: any ClipClassifier
    let presence: Linear?
    let sync: Linear?
    let identity: Linear?
    var isTraining = true

    init(model: any ClipClassifier, presence: Linear?, sync: Linear?, identity: Linear? = nil) {
        self.model = model
        self.presence = presence
        self.sync = sync
        self.identity = identity
    }

    var ownParameters: [(name: String, tensor: Tensor)] { model.ownParameters }
    var ownBuffers: [(name: String, tensor: Tensor)] { model.ownBuffers }
    var children: [(name: String, module: any Module)] {
        model.children + (presence.map { [("presence", $0 as any Module)] } ?? [])
            + (sync.map { [("sync", $0 as any Module)] } ?? [])
            + (identity.map { [("identity", $0 as any Module)] } ?? [])
    }
}
