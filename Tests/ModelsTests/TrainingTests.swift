import Datasets
import XCTest
@testable import Models
import Layers
import Tensors

final class TrainingTests: XCTestCase {
    /// A tiny RSTG memorises a fixed batch of 8 SyncMNIST clips (procedural digits).
    func testOverfitsSmallBatch() throws {
        let config = try tinyConfig(hidden: 16, widths: "[4, 8, 8]", rounds: 1, lr: 0.01)
        let model = ModelFactory.make(config, seed: 2)
        let data = try SyncMNIST.procedural(digitsPerClip: 3, split: .train, seed: 4)
        let batch = data.batch(indices: Array(0..<8))
        let clips = Tensor(batch.frames, shape: [8, 10, 1, 64, 64])
        let optimizer = Adam(model, Adam.Config(learningRate: 0.01))
        var first: Float = 0, last: Float = 0
        for step in 0..<1200 {  // stops early once the loss is below 0.02
            let loss = Loss.crossEntropy(model.logits(clips), targets: batch.labels)
            if step == 0 { first = loss.item }
            last = loss.item
            optimizer.zeroGrad()
            loss.backward()
            optimizer.step()
            if last < 0.02 { break }
        }
        let predictions = GradMode.disabled { model.logits(clips) }.argmaxLastAxis()
        XCTAssertEqual(predictions, batch.labels, "loss \(first) -> \(last)")
        XCTAssertLessThan(last, 0.05, "loss \(first) -> \(last)")
    }

    /// Saving a checkpoint mid-run and resuming gives bit-identical parameters to an uninterrupted run.
    func testCheckpointResumeIsExact() throws {
        let folder = try temporaryFolder(self)
        let url = folder.appendingPathComponent("checkpoint.safetensors")
        let config = try tinyConfig(batch: 2)
        let a = try ClipTrainer(config: config, mnist: nil)
        a.trainStep(); a.trainStep()
        try a.saveCheckpoint(to: url, elapsed: 12)
        a.trainStep(); a.trainStep()

        let b = try ClipTrainer(config: config, mnist: nil)
        try b.loadCheckpoint(from: url)
        XCTAssertEqual(b.step, 2)
        XCTAssertEqual(b.elapsedBefore, 12)
        b.trainStep(); b.trainStep()
        XCTAssertEqual(b.step, 4)
        let pa = a.model.stateDict(), pb = b.model.stateDict()
        XCTAssertEqual(Set(pa.keys), Set(pb.keys))
        for (name, t) in pa { XCTAssertEqual(t.data, pb[name]!.data, name) }
        XCTAssertEqual(a.optimizer.stepCount, b.optimizer.stepCount)
        // A fresh trainer differs (the comparison above can fail).
        let c = try ClipTrainer(config: config, mnist: nil)
        c.trainStep()
        XCTAssertNotEqual(c.model.stateDict()["classifier.weight"]!.data, pa["classifier.weight"]!.data)
    }

    /// The auxiliary digit-presence head trains with the model, is checkpointed (exact resume), and
    /// stays out of model files; a checkpoint loads as a model too.
    func testPresenceHeadCheckpointAndModelFile() throws {
        let folder = try temporaryFolder(self)
        var config = try tinyConfig(batch: 2)
        config.training.presenceWeight = 1
        let a = try ClipTrainer(config: config, mnist: nil)
        let head = try XCTUnwrap(a.presenceHead)
        let before = head.weight.data
        a.trainStep()
        XCTAssertNotEqual(head.weight.data, before, "the presence head is optimised")
        let url = folder.appendingPathComponent("checkpoint.safetensors")
        try a.saveCheckpoint(to: url, elapsed: 0)
        XCTAssertTrue(try SafeTensors.read(url).names.contains("model.presence.weight"))
        a.trainStep()
        let b = try ClipTrainer(config: config, mnist: nil)
        try b.loadCheckpoint(from: url)
        b.trainStep()
        XCTAssertEqual(a.presenceHead!.weight.data, b.presenceHead!.weight.data)
        XCTAssertEqual(a.model.stateDict()["classifier.weight"]!.data, b.model.stateDict()["classifier.weight"]!.data)
        let modelURL = folder.appendingPathComponent("model.safetensors")
        try ModelWeights.save(a.model, to: modelURL)
        XCTAssertFalse(try SafeTensors.read(modelURL).names.contains { $0.hasPrefix("presence") })
        let fromCheckpoint = try ModelWeights.load(url, configOverride: config)
        XCTAssertEqual(fromCheckpoint.model.parameterCount, a.model.parameterCount)
    }

    /// Fine-tuning: a trainer initialised from a saved model starts with exactly its weights (and so
    /// its validation loss), then trains away from them; a model of another architecture or kind is
    /// refused with the key named.
    func testInitializeFromSavedModel() throws {
        let folder = try temporaryFolder(self)
        let config = try tinyConfig(batch: 2)
        let source = try ClipTrainer(config: config, mnist: nil)
        source.trainStep(); source.trainStep()
        let url = folder.appendingPathComponent("model.safetensors")
        try ModelWeights.save(source.model, to: url)

        var seeded = config
        seeded.training.seed = 7                                   // a different random start
        let b = try ClipTrainer(config: seeded, mnist: nil)
        XCTAssertNotEqual(b.model.stateDict()["classifier.weight"]!.data, source.model.stateDict()["classifier.weight"]!.data)
        try b.initialize(from: try ModelRegistry.load(url.path))
        for (name, tensor) in source.model.stateDict() {
            XCTAssertEqual(b.model.stateDict()[name]!.data, tensor.data, name)
        }
        XCTAssertEqual(b.evaluate(count: 4).loss, source.evaluate(count: 4).loss, accuracy: 1e-6)
        XCTAssertEqual(b.step, 0)
        let before = b.model.stateDict()["classifier.weight"]!.data
        b.trainStep()
        XCTAssertNotEqual(b.model.stateDict()["classifier.weight"]!.data, before)

        let wider = try ClipTrainer(config: try tinyConfig(hidden: 12, batch: 2), mnist: nil)
        XCTAssertThrowsError(try wider.initialize(from: try ModelRegistry.load(url.path))) { error in
            XCTAssertEqual((error as? ModelConfigError)?.key, "training.init_from", "\(error)")
        }
        let lstm = try ClipTrainer(config: try tinyConfig(kind: "mean-lstm", batch: 2), mnist: nil)
        XCTAssertThrowsError(try lstm.initialize(from: try ModelRegistry.load(url.path))) { error in
            XCTAssertTrue((error as? ModelConfigError)?.reason.contains("'rstg' model") ?? false, "\(error)")
        }
    }

    /// Per-node synchrony targets: in a synchronous clip the 1x1 cell is positive in every frame and
    /// the 3x3 / 2x2 cells holding a synchronous digit's centre are positive; a `none` clip is all 0;
    /// frame 0 carries no weight. The head trains and stays out of model files; a non-RSTG model
    /// refuses the option.
    func testSyncTargetsAndHead() throws {
        var config = try tinyConfig(batch: 2)
        config.training.syncWeight = 1
        let trainer = try ClipTrainer(config: config, mnist: nil)
        let builder = try XCTUnwrap(trainer.model as? RSTGClassifier).builder
        let k = builder.nodesPerFrame, t = SyncMNIST.frameCount
        // Find one synchronous and one `none` clip among the first training clips.
        let sync = try XCTUnwrap((0..<500).first { trainer.train.layout(index: $0).synchronous })
        let none = try XCTUnwrap((0..<5000).first { !trainer.train.layout(index: $0).synchronous })
        for (clip, synchronous) in [(sync, true), (none, false)] {
            let (target, weight) = trainer.syncTargets(firstClip: clip, count: 1, builder: builder)
            XCTAssertEqual(target.count, t * k)
            XCTAssertEqual(Array(weight[0..<k]), [Float](repeating: 0, count: k), "frame 0 has no weight")
            XCTAssertTrue(weight[k...].allSatisfy { $0 > 1 }, "frames 1... weighted T/(T-1)")
            guard synchronous else {
                XCTAssertEqual(target.reduce(0, +), 0, "a none clip has no synchronous digit")
                continue
            }
            let layout = trainer.train.layout(index: clip)
            for frame in 0..<t {
                let row = Array(target[(frame * k)..<((frame + 1) * k)])
                XCTAssertEqual(row[13], 1, "the 1x1 cell holds both digits")
                // 3x3 cells 0..<9: exactly the cells of the two synchronous centres.
                var expected = Set<Int>()
                for slot in 0..<2 {
                    let p = layout.positions[frame][slot]
                    expected.insert(((p.y + 14) * 3 / 100) * 3 + (p.x + 14) * 3 / 100)
                }
                XCTAssertEqual(Set((0..<9).filter { row[$0] == 1 }), expected, "frame \(frame)")
                XCTAssertEqual((9..<13).filter { row[$0] == 1 }.count, Set((0..<2).map { slot -> Int in
                    let p = layout.positions[frame][slot]
                    return ((p.y + 14) * 2 / 100) * 2 + (p.x + 14) * 2 / 100
                }).count)
            }
        }
        let head = try XCTUnwrap(trainer.syncHead)
        let before = head.weight.data
        let (loss, _) = trainer.trainStep()
        XCTAssertTrue(loss.isFinite)
        XCTAssertNotEqual(head.weight.data, before, "the synchrony head is optimised")
        let url = try temporaryFolder(self).appendingPathComponent("model.safetensors")
        try ModelWeights.save(trainer.model, to: url)
        XCTAssertFalse(try SafeTensors.read(url).names.contains { $0.hasPrefix("sync") })

        var lstm = try tinyConfig(kind: "mean-lstm")
        lstm.training.syncWeight = 1
        XCTAssertThrowsError(try ClipTrainer(config: lstm, mnist: nil))
    }

    /// Per-node identity targets: each digit's class is set in the cells holding its centre (the 1x1
    /// cell holds every class of the clip, each 3x3 row exactly the classes centred there); the
    /// head trains, leaves the model file alone, and needs an RSTG model; `identity_weight` parses.
    func testIdentityTargetsAndHead() throws {
        var config = try tinyConfig(batch: 2)
        config.training.identityWeight = 0.5
        let trainer = try ClipTrainer(config: config, mnist: nil)
        let builder = try XCTUnwrap(trainer.model as? RSTGClassifier).builder
        let k = builder.nodesPerFrame, t = SyncMNIST.frameCount
        let target = ClipTrainer.identityTargets(trainer.train, firstClip: 7, count: 2, builder: builder)
        XCTAssertEqual(target.count, t * 2 * k * 10)
        for i in 0..<2 {
            let layout = trainer.train.layout(index: 7 + i)
            for frame in 0..<t {
                func classes(_ cell: Int) -> Set<Int> {
                    let row = ((frame * 2 + i) * k + cell) * 10
                    return Set((0..<10).filter { target[row + $0] == 1 })
                }
                XCTAssertEqual(classes(13), Set(layout.classes), "the 1x1 cell holds every digit")
                for cell in 0..<9 {
                    let expected = Set(layout.classes.indices.filter { slot in
                        let p = layout.positions[frame][slot]
                        return ((p.y + 14) * 3 / 100) * 3 + (p.x + 14) * 3 / 100 == cell
                    }.map { layout.classes[$0] })
                    XCTAssertEqual(classes(cell), expected, "clip \(7 + i) frame \(frame) cell \(cell)")
                }
            }
        }
        let head = try XCTUnwrap(trainer.identityHead)
        let before = head.weight.data
        let (loss, _) = trainer.trainStep()
        XCTAssertTrue(loss.isFinite)
        XCTAssertNotEqual(head.weight.data, before, "the identity head is optimised")
        let url = try temporaryFolder(self).appendingPathComponent("model.safetensors")
        try ModelWeights.save(trainer.model, to: url)
        XCTAssertFalse(try SafeTensors.read(url).names.contains { $0.hasPrefix("identity") })
        let checkpoint = try temporaryFolder(self).appendingPathComponent("checkpoint.safetensors")
        try trainer.saveCheckpoint(to: checkpoint, elapsed: 0)
        XCTAssertTrue(try SafeTensors.read(checkpoint).names.contains("model.identity.weight"))

        var lstm = try tinyConfig(kind: "mean-lstm")
        lstm.training.identityWeight = 1
        XCTAssertThrowsError(try ClipTrainer(config: lstm, mnist: nil))
        let parsed = try ModelConfig(yaml: config.text.replacingOccurrences(of: "training: {", with: "training: {identity_weight: 0.25, "), source: "t")
        XCTAssertEqual(parsed.training.identityWeight, 0.25)
    }

    /// ROC AUC: perfect ranking 1, reversed 0, ties half, one class only nil; and the synchrony AUC
    /// of a fresh head is a probability.
    func testSyncAUC() throws {
        XCTAssertEqual(ClipTrainer.rocAUC([(0.1, false), (0.9, true), (0.2, false), (0.8, true)]), 1)
        XCTAssertEqual(ClipTrainer.rocAUC([(0.9, false), (0.1, true)]), 0)
        XCTAssertEqual(ClipTrainer.rocAUC([(0.5, false), (0.5, true), (0.7, true)]), 0.75)
        XCTAssertNil(ClipTrainer.rocAUC([(0.5, true)]))
        var config = try tinyConfig(batch: 2)
        config.training.syncWeight = 1
        let auc = try XCTUnwrap(try ClipTrainer(config: config, mnist: nil).evaluateSync(count: 6, batchSize: 4))
        XCTAssertTrue((0...1).contains(auc))
        XCTAssertNil(try ClipTrainer(config: try tinyConfig(batch: 2), mnist: nil).evaluateSync(count: 2))
    }

    func testScheduleAndEvaluation() throws {
        var config = try tinyConfig()
        config.training.schedule = "cosine"
        config.training.warmupSteps = 4
        let t = try ClipTrainer(config: config, mnist: nil)
        XCTAssertEqual(t.stepsPerEpoch, 16)
        XCTAssertLessThan(t.learningRate(at: 0), t.learningRate(at: 3))
        XCTAssertGreaterThan(t.learningRate(at: 4), t.learningRate(at: 15))
        let (accuracy, loss) = t.evaluate(count: 4, batchSize: 3)
        XCTAssertTrue((0...1).contains(accuracy))
        XCTAssertTrue(loss.isFinite && loss > 0)
    }

    func testWeightsRoundTripWithMetadata() throws {
        let folder = try temporaryFolder(self)
        let config = try tinyConfig(kind: "conv-lstm")
        let model = ModelFactory.make(config, seed: 9)
        let url = folder.appendingPathComponent("m.safetensors")
        try ModelWeights.save(model, to: url, trainedWith: "vidgraph train --config tiny.yaml", extra: ["val_accuracy": "0.5"])
        let file = try SafeTensors.read(url)
        XCTAssertEqual(file.metadata["format"], ModelWeights.format)
        XCTAssertEqual(file.metadata["kind"], "conv-lstm")
        XCTAssertEqual(file.metadata["trained_with"], "vidgraph train --config tiny.yaml")
        let labels = try JSONSerialization.jsonObject(with: Data(file.metadata["labels"]!.utf8)) as? [String]
        XCTAssertEqual(labels, SyncMNIST.classNames)
        let loaded = try ModelRegistry.load(url.path)
        XCTAssertEqual(loaded.config.kind, "conv-lstm")
        XCTAssertEqual(loaded.metadata["val_accuracy"], "0.5")
        let clips = randomClips(1, 10, 64)
        XCTAssertEqual(GradMode.disabled { model.logits(clips) }.data, GradMode.disabled { loaded.model.logits(clips) }.data)
        // A folder with model.safetensors loads too; unknown names fail with a clear message.
        try FileManager.default.moveItem(at: url, to: folder.appendingPathComponent("model.safetensors"))
        XCTAssertEqual(try ModelRegistry.load(folder.path).config.kind, "conv-lstm")
        XCTAssertThrowsError(try ModelRegistry.load("no-such-model")) { error in
            XCTAssertTrue((error as? ModelLoadError)?.errorDescription?.contains("no-such-model") ?? false, "\(error)")
        }
    }
}
