import ArgumentParser
import Foundation
import Layers
import Models
import Tensors

extension Train {
    /// `vidgraph train` for `kind: framegraph` configs: trains a FrameGraphSegmenter, validating J&F
    /// after every epoch. Writes OUT/checkpoint.safetensors, OUT/log.csv
    /// (epoch,step,loss,val_j,val_f,val_jf,lr,frames_per_s,seconds), OUT/loss.png, OUT/config.yaml and
    /// OUT/model.safetensors (best validation J&F); with `training.snapshots`, the raw weights after
    /// every epoch in OUT/epochs/epoch-NNN.safetensors.
    func runSegmentation(configURL: URL) throws {
        let classifierOnly = [("--init-from", initFrom), ("--mnist", mnist), ("--val-clips", valClips.map(String.init)),
                              ("--clips-per-epoch", clipsPerEpoch.map(String.init))].filter { $0.1 != nil }.map(\.0)
        guard classifierOnly.isEmpty else {
            throw ValidationError("\(classifierOnly.joined(separator: ", ")) apply to clip-classifier configs, not to a segmentation config")
        }
        var cfg = try SegmentationConfig(contentsOf: configURL)
        if let epochs { cfg.training.epochs = epochs }
        if let threads { cfg.training.threads = threads }
        ComputeThreads.count = cfg.training.threads
        let folder = URL(fileURLWithPath: out ?? "runs/\(cfg.name)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let checkpointURL = folder.appendingPathComponent("checkpoint.safetensors")
        let logURL = folder.appendingPathComponent("log.csv")
        let modelURL = folder.appendingPathComponent("model.safetensors")
        let repoRoot = configURL.deletingLastPathComponent().deletingLastPathComponent()
        let data = try SegmentationData.load(cfg, base: repoRoot, log: { printError("train: " + $0) })
        let trainer = SegmentationTrainer(config: cfg, trainClips: data.train, syntheticCount: data.synthetic, valClips: data.val)
        let commandLine = (["vidgraph"] + CommandLine.arguments.dropFirst()).joined(separator: " ")
        var lossPoints: [(step: Int, value: Double)] = [], scorePoints: [(step: Int, value: Double)] = []
        if resume {
            guard FileManager.default.fileExists(atPath: checkpointURL.path) else {
                throw ValidationError("--resume: no checkpoint at \(checkpointURL.path)")
            }
            try trainer.loadCheckpoint(from: checkpointURL)
            (lossPoints, _) = Self.readLog(logURL, upTo: trainer.step)
            printError("train: resumed from \(checkpointURL.path) at step \(trainer.step)")
        } else {
            try "epoch,step,loss,val_j,val_f,val_jf,lr,frames_per_s,seconds\n".write(to: logURL, atomically: true, encoding: .utf8)
        }
        try cfg.text.write(to: folder.appendingPathComponent("config.yaml"), atomically: true, encoding: .utf8)
        let log = try FileHandle(forWritingTo: logURL)
        log.seekToEndOfFile()
        defer { try? log.close() }
        printError("train: \(cfg.name) (framegraph, \(trainer.model.parameterCount) parameters), \(trainer.totalSteps) steps of one \(cfg.frames)-frame graph at \(cfg.width)x\(cfg.height), \(trainer.stepsPerEpoch) steps/epoch, \(cfg.training.threads) threads")
        let progress = ProgressLine(label: "train", total: trainer.totalSteps, startCount: trainer.step)
        let start = Date()
        var lastCheckpoint = Date(), lastLogged = Date()
        var runningLoss = 0.0, runningCount = 0, framesSince = 0
        func elapsed() -> Double { trainer.elapsedBefore + Date().timeIntervalSince(start) }
        func writeLog(_ fields: [String]) { log.write(Data((fields.joined(separator: ",") + "\n").utf8)); try? log.synchronize() }
        func checkpoint() throws {
            try trainer.saveCheckpoint(to: checkpointURL, elapsed: elapsed())
            try? TrainingPlot.write(loss: lossPoints, accuracy: scorePoints, to: folder.appendingPathComponent("loss.png"))
            lastCheckpoint = Date()
        }
        var stoppedEarly = false
        while trainer.step < trainer.totalSteps {
            let loss = trainer.trainStep()
            guard loss.isFinite else { throw TrainingDiverged(step: trainer.step, folder: folder.path) }
            runningLoss += Double(loss); runningCount += 1; framesSince += cfg.frames
            let lr = trainer.learningRate(at: trainer.step - 1)
            if Date().timeIntervalSince(lastLogged) >= 20 || trainer.step % trainer.stepsPerEpoch == 0 {
                let mean = runningLoss / Double(runningCount)
                let fps = Double(framesSince) / max(Date().timeIntervalSince(lastLogged), 1e-9)
                lossPoints.append((trainer.step, mean))
                writeLog(["\(trainer.epoch)", "\(trainer.step)", String(format: "%.5f", mean), "", "", "", String(format: "%.6g", lr),
                          String(format: "%.2f", fps), String(format: "%.1f", elapsed())])
                progress.update(done: trainer.step, rateScale: Double(cfg.frames), rateUnit: " frames/s",
                                detail: String(format: "loss %.4f lr %.2e", mean, lr), force: true)
                runningLoss = 0; runningCount = 0; framesSince = 0; lastLogged = Date()
            }
            if trainer.step % trainer.stepsPerEpoch == 0 {
                let (j, f, jf) = trainer.evaluate()
                scorePoints.append((trainer.step, jf))
                writeLog(["\(trainer.epoch)", "\(trainer.step)", "", String(format: "%.4f", j), String(format: "%.4f", f),
                          String(format: "%.4f", jf), String(format: "%.6g", lr), "", String(format: "%.1f", elapsed())])
                printError(String(format: "train: epoch %d step %d val J %.4f F %.4f J&F %.4f%@", trainer.epoch, trainer.step, j, f, jf,
                                  jf > trainer.bestScore ? " best" : ""))
                if jf > trainer.bestScore {
                    trainer.bestScore = jf
                    try trainer.withServedWeights {
                        try SegmentationWeights.save(trainer.model, to: modelURL, trainedWith: commandLine,
                                                 extra: ["val_j": String(format: "%.4f", j), "val_f": String(format: "%.4f", f),
                                                         "val_jf": String(format: "%.4f", jf), "step": "\(trainer.step)",
                                                         "val_sequences": trainer.valClips.map(\.name).joined(separator: ",")])
                    }
                }
                if cfg.training.snapshots {
                    let epochs = folder.appendingPathComponent("epochs")
                    try FileManager.default.createDirectory(at: epochs, withIntermediateDirectories: true)
                    var extra = ["step": "\(trainer.step)", "epoch": "\(trainer.epoch)"]
                    if trainer.average == nil {   // the validation scored these raw weights (not a moving average)
                        extra["val_j"] = String(format: "%.4f", j)
                        extra["val_jf"] = String(format: "%.4f", jf)
                    }
                    try SegmentationWeights.save(trainer.model, to: epochs.appendingPathComponent(String(format: "epoch-%03d.safetensors", trainer.epoch)),
                                                 trainedWith: commandLine, extra: extra)
                }
                try checkpoint()
            } else if Date().timeIntervalSince(lastCheckpoint) >= cfg.training.checkpointMinutes * 60 {
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
            try trainer.withServedWeights {
                try SegmentationWeights.save(trainer.model, to: modelURL, trainedWith: commandLine, extra: ["step": "\(trainer.step)"])
            }
        }
        printError(String(format: "train: %@ at step %d after %@; best val J&F %.4f; model %@", stoppedEarly ? "stopped (--max-minutes)" : "done",
                          trainer.step, ProgressLine.duration(elapsed()), trainer.bestScore, modelURL.path))
    }
}
