import ArgumentParser
import Datasets
import Foundation
import Models
import Tensors

/// `vidgraph train`: trains a clip classifier from a YAML config on streamed SyncMNIST clips.
struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a clip classifier (RSTG or a baseline) on streamed SyncMNIST clips.",
        discussion: """
        Writes OUT/checkpoint.safetensors (model + optimizer + step, every epoch and every \
        checkpoint_minutes), OUT/log.csv (epoch,step,loss,val_accuracy,lr,seconds), OUT/loss.png, \
        OUT/config.yaml and OUT/model.safetensors (the best model by validation accuracy, usable with \
        `vidgraph classify --model OUT`). --resume continues exactly from the checkpoint.
        """)

    @Option(help: "YAML model + training config (configs/*.yaml).")
    var config: String

    @Option(help: "Output folder (default runs/<config name>).")
    var out: String?

    @Flag(help: "Continue from OUT/checkpoint.safetensors.")
    var resume = false

    @Option(help: "Override training.epochs.")
    var epochs: Int?

    @Option(name: .customLong("max-minutes"), help: "Stop (after checkpointing) when this much wall time has passed.")
    var maxMinutes: Double?

    @Option(help: "MNIST folder (overrides data.mnist; 'none' for procedural digits).")
    var mnist: String?

    @Option(help: "Override training.threads.")
    var threads: Int?

    @Option(name: .customLong("val-clips"), help: "Override data.val_clips.")
    var valClips: Int?

    @Option(name: .customLong("clips-per-epoch"), help: "Override training.clips_per_epoch.")
    var clipsPerEpoch: Int?

    @Option(name: .customLong("init-from"), help: "Start from this model's weights (overrides training.init_from): an embedded name, a .safetensors file or a run folder; 'none' for random weights.")
    var initFrom: String?

    func validate() throws {
        if let epochs, epochs < 1 { throw ValidationError("--epochs must be >= 1 (got \(epochs))") }
        if let maxMinutes, maxMinutes <= 0 { throw ValidationError("--max-minutes must be > 0") }
        if let threads, threads < 1 { throw ValidationError("--threads must be >= 1") }
        if let valClips, valClips < 1 { throw ValidationError("--val-clips must be >= 1") }
        if let clipsPerEpoch, clipsPerEpoch < 1 { throw ValidationError("--clips-per-epoch must be >= 1") }
    }

    func run() throws {
        let configURL = URL(fileURLWithPath: config)
        if let text = try? String(contentsOf: configURL, encoding: .utf8), SegmentationConfig.kind(ofYAML: text) == SegmentationConfig.kind {
            return try runSegmentation(configURL: configURL)
        }
        var modelConfig = try ModelConfig(contentsOf: configURL)
        if let epochs { modelConfig.training.epochs = epochs }
        if let threads { modelConfig.training.threads = threads }
        if let valClips { modelConfig.data.valClips = valClips }
        if let clipsPerEpoch { modelConfig.training.clipsPerEpoch = clipsPerEpoch }
        if let initFrom { modelConfig.training.initFrom = initFrom == "none" || initFrom.isEmpty ? nil : initFrom }
        if let lastRestart = modelConfig.training.restartEpochs.last, lastRestart >= modelConfig.training.epochs {
            throw ModelConfigError(source: config, key: "training.restart_epochs",
                                   reason: "--epochs \(modelConfig.training.epochs) must exceed the last restart epoch \(lastRestart)")
        }
        ComputeThreads.count = modelConfig.training.threads

        let digits = try loadDigits(modelConfig, configURL: configURL)
        // Build the trainer first: a config it refuses leaves no run folder behind.
        let trainer = try ClipTrainer(config: modelConfig, mnist: digits)
        // A resumed run takes its weights from the checkpoint; the starting model is read (and
        // checked) only for a fresh run.
        var initialModel: LoadedModel?
        if !resume, let spec = modelConfig.training.initFrom {
            let source = try ModelRegistry.load(Self.resolve(spec, configURL: configURL))
            try trainer.initialize(from: source)
            initialModel = source
        }
        let folder = URL(fileURLWithPath: out ?? "runs/\(modelConfig.name)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let checkpointURL = folder.appendingPathComponent("checkpoint.safetensors")
        let logURL = folder.appendingPathComponent("log.csv")
        let modelURL = folder.appendingPathComponent("model.safetensors")

        let commandLine = (["vidgraph"] + CommandLine.arguments.dropFirst()).joined(separator: " ")
        var lossPoints: [(step: Int, value: Double)] = [], accuracyPoints: [(step: Int, value: Double)] = []
        if resume {
            guard FileManager.default.fileExists(atPath: checkpointURL.path) else {
                throw ValidationError("--resume: no checkpoint at \(checkpointURL.path)")
            }
            try trainer.loadCheckpoint(from: checkpointURL)
            (lossPoints, accuracyPoints) = Self.readLog(logURL, upTo: trainer.step)
            printError("train: resumed from \(checkpointURL.path) at step \(trainer.step) (epoch \(trainer.epoch))")
        } else {
            try "epoch,step,loss,val_accuracy,lr,seconds\n".write(to: logURL, atomically: true, encoding: .utf8)
            if let initialModel {
                printError("train: starting from \(initialModel.url.path) (\(initialModel.config.name)\(initialModel.metadata["val_accuracy"].map { ", val accuracy " + $0 } ?? ""))")
            }
        }
        try modelConfig.text.write(to: folder.appendingPathComponent("config.yaml"), atomically: true, encoding: .utf8)
        let log = try FileHandle(forWritingTo: logURL)
        log.seekToEndOfFile()
        defer { try? log.close() }

        let t = modelConfig.training
        printError("train: \(modelConfig.name) (\(modelConfig.kind), \(trainer.model.parameterCount) parameters), \(trainer.totalSteps) steps of \(t.batchSize) clips, \(trainer.stepsPerEpoch) steps/epoch, \(modelConfig.training.threads) threads, digits: \(digits == nil ? "procedural" : "MNIST")")
        let progress = ProgressLine(label: "train", total: trainer.totalSteps, startCount: trainer.step)
        let start = Date()
        var lastCheckpoint = Date()
        var runningLoss = 0.0, runningAccuracy = 0.0, runningCount = 0
        var lastLogged = Date()
        func elapsed() -> Double { trainer.elapsedBefore + Date().timeIntervalSince(start) }
        func writeLog(_ fields: [String]) {
            log.write(Data((fields.joined(separator: ",") + "\n").utf8))
            try? log.synchronize()
        }
        func checkpoint() throws {
            try trainer.saveCheckpoint(to: checkpointURL, elapsed: elapsed())
            try? TrainingPlot.write(loss: lossPoints, accuracy: accuracyPoints, to: folder.appendingPathComponent("loss.png"))
            lastCheckpoint = Date()
        }
        var stoppedEarly = false
        while trainer.step < trainer.totalSteps {
            let (loss, accuracy) = trainer.trainStep()
            guard loss.isFinite else {
                throw TrainingDiverged(step: trainer.step, folder: folder.path)
            }
            runningLoss += Double(loss); runningAccuracy += Double(accuracy); runningCount += 1
            let lr = trainer.learningRate(at: trainer.step - 1)
            if Date().timeIntervalSince(lastLogged) >= 20 || trainer.step % trainer.stepsPerEpoch == 0 {
                let mean = runningLoss / Double(runningCount)
                lossPoints.append((trainer.step, mean))
                writeLog(["\(trainer.epoch)", "\(trainer.step)", String(format: "%.5f", mean), "", String(format: "%.6g", lr), String(format: "%.1f", elapsed())])
                progress.update(done: trainer.step, rateScale: Double(t.batchSize), rateUnit: " clips/s",
                                detail: String(format: "loss %.4f acc %.3f lr %.2e", mean, runningAccuracy / Double(runningCount), lr), force: true)
                runningLoss = 0; runningAccuracy = 0; runningCount = 0
                lastLogged = Date()
            }
            if trainer.step % trainer.stepsPerEpoch == 0 {
                let evalStart = Date()
                let validation = trainer.validate()
                let (valAccuracy, valLoss) = (validation.accuracy, validation.loss)
                accuracyPoints.append((trainer.step, valAccuracy))
                writeLog(["\(trainer.epoch)", "\(trainer.step)", String(format: "%.5f", valLoss), String(format: "%.5f", valAccuracy), String(format: "%.6g", lr), String(format: "%.1f", elapsed())])
                let syncAUC = validation.syncAUC.map { String(format: " sync AUC %.3f", $0) } ?? ""
                printError(String(format: "train: epoch %d step %d val accuracy %.4f val loss %.4f%@ (%d clips, %.0fs)%@",
                                  trainer.epoch, trainer.step, valAccuracy, valLoss, syncAUC, modelConfig.data.valClips,
                                  Date().timeIntervalSince(evalStart), valAccuracy > trainer.bestValAccuracy ? " best" : ""))
                if valAccuracy > trainer.bestValAccuracy {
                    trainer.bestValAccuracy = valAccuracy
                    try ModelWeights.save(trainer.model, to: modelURL, trainedWith: commandLine,
                                          extra: ["val_accuracy": String(format: "%.4f", valAccuracy), "step": "\(trainer.step)",
                                                  "val_clips": "\(modelConfig.data.valClips)"])
                }
                try checkpoint()
            } else if Date().timeIntervalSince(lastCheckpoint) >= t.checkpointMinutes * 60 {
                try checkpoint()
            }
            if let maxMinutes, Date().timeIntervalSince(start) >= maxMinutes * 60, trainer.step < trainer.totalSteps {
                stoppedEarly = true
                break
            }
        }
        try checkpoint()
        progress.finish()
        if !FileManager.default.fileExists(atPath: modelURL.path) {
            try ModelWeights.save(trainer.model, to: modelURL, trainedWith: commandLine)
        }
        printError(String(format: "train: %@ at step %d (epoch %d) after %@; best val accuracy %.4f; model %@",
                          stoppedEarly ? "stopped (--max-minutes)" : "done", trainer.step, trainer.epoch,
                          ProgressLine.duration(elapsed()), trainer.bestValAccuracy, modelURL.path))
    }

    /// MNIST from --mnist / data.mnist (relative to the working directory, then to the config's
    /// parent folder, i.e. the repository root for configs/*.yaml); nil (procedural) when absent.
    func loadDigits(_ config: ModelConfig, configURL: URL) throws -> MNIST? {
        let spec = mnist ?? config.data.mnist
        guard let spec, spec != "none", !spec.isEmpty else { return nil }
        let candidates = spec.hasPrefix("/") ? [URL(fileURLWithPath: spec)]
            : [URL(fileURLWithPath: spec),
               configURL.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent(spec)]
        for url in candidates where FileManager.default.fileExists(atPath: url.path) {
            return try MNIST(directory: url)
        }
        if mnist != nil { throw ValidationError("--mnist: no folder \(spec)") }
        printError("train: MNIST folder \(spec) not found; using procedural digits")
        return nil
    }

    /// A model spec as given (embedded name, or a path that exists from the working directory), else
    /// the path relative to the config's parent folder (the repository root for configs/*.yaml).
    static func resolve(_ spec: String, configURL: URL) -> String {
        if spec.hasPrefix("/") || FileManager.default.fileExists(atPath: spec) || ModelRegistry.embeddedNames.contains(spec) {
            return spec
        }
        let fromRoot = configURL.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent(spec).path
        return FileManager.default.fileExists(atPath: fromRoot) ? fromRoot : spec
    }

    /// Loss and accuracy points of an existing log up to `step` (for the plot after --resume).
    static func readLog(_ url: URL, upTo step: Int) -> ([(step: Int, value: Double)], [(step: Int, value: Double)]) {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return ([], []) }
        var loss: [(step: Int, value: Double)] = [], accuracy: [(step: Int, value: Double)] = []
        for line in text.split(separator: "\n").dropFirst() {
            let f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard f.count >= 4, let s = Int(f[1]), s <= step else { continue }
            if let a = Double(f[3]) { accuracy.append((s, a)) } else if let l = Double(f[2]) { loss.append((s, l)) }
        }
        return (loss, accuracy)
    }
}

/// The training loss became NaN or infinite.
struct TrainingDiverged: LocalizedError {
    let step: Int
    let folder: String
    var errorDescription: String? { "training diverged (loss not finite) at step \(step); last checkpoint in \(folder)" }
}
