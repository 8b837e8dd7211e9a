import Datasets
import XCTest
@testable import Models

final class ModelConfigTests: XCTestCase {
    func parseError(_ yaml: String, file: StaticString = #filePath, line: UInt = #line) -> ModelConfigError? {
        do {
            _ = try ModelConfig(yaml: yaml, source: "bad.yaml")
            XCTFail("expected an error for:\n\(yaml)", file: file, line: line)
            return nil
        } catch let error as ModelConfigError {
            return error
        } catch {
            XCTFail("unexpected error type \(error)", file: file, line: line)
            return nil
        }
    }

    func testShippedConfigsParse() throws {
        let folder = repoRoot.appendingPathComponent("configs")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".yaml") }.sorted()
        XCTAssertTrue(names.contains("classify-rstg-syncmnist3.yaml"), "\(names)")
        for name in names where name.hasPrefix("classify-") {
            let config = try ModelConfig(contentsOf: folder.appendingPathComponent(name))
            XCTAssertEqual(config.classes.count, 46, name)
            XCTAssertTrue(ModelConfig.kinds.contains(config.kind), name)
            let model = ModelFactory.make(config)
            XCTAssertGreaterThan(model.parameterCount, 1000, name)
        }
        let rstg = try ModelConfig(contentsOf: folder.appendingPathComponent("classify-rstg-syncmnist3.yaml"))
        XCTAssertEqual(rstg.name, "rstg-sync3")
        XCTAssertEqual(rstg.kind, "rstg")
        XCTAssertEqual(rstg.architecture.grids, [3, 2, 1])
        XCTAssertEqual(rstg.architecture.rounds, 3)
        XCTAssertEqual(rstg.data.digits, 3)
        XCTAssertTrue(rstg.test.reverse)
        XCTAssertTrue(try ModelConfig(contentsOf: folder.appendingPathComponent("classify-rstg-syncmnist5-restart2.yaml")).test.reverse)
        XCTAssertFalse(try ModelConfig(contentsOf: folder.appendingPathComponent("classify-meanlstm-syncmnist3.yaml")).test.reverse)
    }

    func testDefaultsFillUnsetKeys() throws {
        let c = try ModelConfig(yaml: "name: x\nkind: conv-lstm\n", source: "x.yaml")
        XCTAssertEqual(c.frames, 10)
        XCTAssertEqual(c.size, 64)
        XCTAssertEqual(c.classes.first, "0-1")
        XCTAssertEqual(c.classes.last, "none")
        XCTAssertEqual(c.training.optimizer, "adamw")
        XCTAssertEqual(c.data.mnist, "../shared/data/mnist")
        let none = try ModelConfig(yaml: "name: x\nkind: rstg\ndata: {mnist: none}\n", source: "x.yaml")
        XCTAssertNil(none.data.mnist)
        XCTAssertNil(c.data.digitAugmentation)
        let augmented = try ModelConfig(yaml: "name: x\nkind: rstg\ndata: {digit_augmentation: {rotation: 12, scale: 0.1}}\n", source: "x.yaml")
        XCTAssertEqual(augmented.data.digitAugmentation, DigitAugmentation(rotationDegrees: 12, scale: 0.1, shear: 0))
        let zero = try ModelConfig(yaml: "name: x\nkind: rstg\ndata: {digit_augmentation: {rotation: 0}}\n", source: "x.yaml")
        XCTAssertNil(zero.data.digitAugmentation)
        XCTAssertEqual(c.data.overlapOversampling, 0)
        let overlapped = try ModelConfig(yaml: "name: x\nkind: rstg\ndata: {overlap_oversampling: 0.5}\n", source: "x.yaml")
        XCTAssertEqual(overlapped.data.overlapOversampling, 0.5)
        // The trainer oversamples its training stream only; validation clips stay the protocol's.
        let procedural = try ModelConfig(yaml: "name: x\nkind: rstg\ndata: {mnist: none, overlap_oversampling: 0.5}\n", source: "x.yaml")
        let trainer = try ClipTrainer(config: procedural, mnist: nil)
        XCTAssertEqual(trainer.train.overlapOversampling, 0.5)
        XCTAssertEqual(trainer.validation.overlapOversampling, 0)
        XCTAssertEqual(c.architecture.flowWarp, .pixelwise, "the shipped models' flow stays the default")
        let windowed = try ModelConfig(yaml: "name: x\nkind: rstg\narchitecture: {flow: true, flow_warp: windowed}\n", source: "x.yaml")
        XCTAssertEqual(windowed.architecture.flowWarp, .windowed)
        XCTAssertTrue(ModelWeights.architectureJSON(windowed).contains("\"flow_warp\":\"windowed\""))
    }

    func testErrorsNameFileAndKey() throws {
        var e = parseError("name: x\nkind: rstg\narchitecture: {hiden: 3}\n")
        XCTAssertEqual(e?.source, "bad.yaml")
        XCTAssertEqual(e?.key, "architecture.hiden")
        XCTAssertTrue(e?.errorDescription?.contains("unknown key") ?? false, e?.errorDescription ?? "")
        XCTAssertTrue(e?.errorDescription?.contains("bad.yaml") ?? false)

        e = parseError("name: x\nkind: rstg\ntest: {revers: true}\n")
        XCTAssertEqual(e?.key, "test.revers")

        e = parseError("name: x\nkind: rstg\ndata: {digit_augmentation: {rotate: 10}}\n")
        XCTAssertEqual(e?.key, "data.digit_augmentation.rotate")
        e = parseError("name: x\nkind: rstg\ndata: {digit_augmentation: {scale: 0.9}}\n")
        XCTAssertEqual(e?.key, "data.digit_augmentation.scale")
        e = parseError("name: x\nkind: rstg\ndata: {overlap_oversampling: 1.5}\n")
        XCTAssertEqual(e?.key, "data.overlap_oversampling")

        e = parseError("name: x\nkind: rstg\narchitecture: {flow: true, flow_warp: exact}\n")
        XCTAssertEqual(e?.key, "architecture.flow_warp")
        XCTAssertTrue(e?.reason.contains("windowed") ?? false)

        e = parseError("name: x\nkind: transformer\n")
        XCTAssertEqual(e?.key, "kind")
        XCTAssertTrue(e?.reason.contains("rstg") ?? false)

        e = parseError("name: x\nkind: rstg\ntraining: {batch_size: many}\n")
        XCTAssertEqual(e?.key, "training.batch_size")
        XCTAssertTrue(e?.reason.contains("integer") ?? false)

        e = parseError("name: x\nkind: rstg\ntraining: {learning_rate: -1}\n")
        XCTAssertEqual(e?.key, "training.learning_rate")

        e = parseError("kind: rstg\n")
        XCTAssertEqual(e?.key, "name")
        XCTAssertTrue(e?.reason.contains("required") ?? false)

        e = parseError("name: x\nkind: rstg\narchitecture: {backbone_widths: [8, 8, 8, 8, 8, 8, 8]}\n")
        XCTAssertEqual(e?.key, "architecture.backbone_widths")

        e = parseError("name: x\nkind: rstg\ntraining: {optimizer: rmsprop}\n")
        XCTAssertEqual(e?.key, "training.optimizer")

        e = parseError("- just\n- a list\n")
        XCTAssertEqual(e?.key, "")

        e = parseError("name: [unclosed\n")
        XCTAssertTrue(e?.reason.contains("YAML") ?? false)

        e = parseError("name: x\nkind: rstg\nclasses: [a, b, c]\n")
        XCTAssertEqual(e?.key, "classes")
    }

    /// `restart_epochs` cuts the cosine schedule into warm-restart cycles; the first cycle is the plain
    /// schedule of a run that ended at the first restart epoch, so such a run resumes into the next cycle.
    func testCosineRestartsExtendAFinishedRun() throws {
        let base = "name: x\nkind: rstg\ndata: {mnist: none}\n"
        let plain = try ModelConfig(yaml: base + "training: {epochs: 3, clips_per_epoch: 40, batch_size: 4, learning_rate: 0.002, warmup_steps: 5, min_learning_rate: 0.00002}\n", source: "p.yaml")
        let extended = try ModelConfig(yaml: base + "training: {epochs: 5, clips_per_epoch: 40, batch_size: 4, learning_rate: 0.002, warmup_steps: 5, min_learning_rate: 0.00002, restart_epochs: [3], restart_scale: 0.5}\n", source: "e.yaml")
        XCTAssertEqual(extended.training.restartEpochs, [3])
        XCTAssertEqual(extended.training.restartScale, 0.5)
        XCTAssertEqual(plain.training.restartEpochs, [])
        XCTAssertNil(plain.training.initFrom)
        XCTAssertEqual(try ModelConfig(yaml: base + "training: {init_from: runs/rstg-sync3}\n", source: "i.yaml").training.initFrom, "runs/rstg-sync3")
        XCTAssertNil(try ModelConfig(yaml: base + "training: {init_from: none}\n", source: "i.yaml").training.initFrom)
        let a = try ClipTrainer(config: plain, mnist: nil), b = try ClipTrainer(config: extended, mnist: nil)
        for s in 0..<30 { XCTAssertEqual(a.learningRate(at: s), b.learningRate(at: s), "step \(s)") }
        XCTAssertEqual(b.learningRate(at: 30), 0.001, accuracy: 1e-9)
        XCTAssertEqual(b.learningRate(at: 49), 0.00002, accuracy: 1e-5)
        XCTAssertGreaterThan(b.learningRate(at: 30), 20 * a.learningRate(at: 29))

        var e = parseError(base + "training: {epochs: 5, restart_epochs: [3, 2]}\n")
        XCTAssertEqual(e?.key, "training.restart_epochs")
        e = parseError(base + "training: {epochs: 5, restart_epochs: [5]}\n")
        XCTAssertEqual(e?.key, "training.restart_epochs")
        e = parseError(base + "training: {epochs: 5, schedule: step, restart_epochs: [2]}\n")
        XCTAssertTrue(e?.reason.contains("cosine") ?? false, e?.reason ?? "")
    }

    func testMissingFileNamed() {
        XCTAssertThrowsError(try ModelConfig(contentsOf: URL(fileURLWithPath: "/nonexistent/c.yaml"))) { error in
            let message = (error as? ModelConfigError)?.errorDescription ?? ""
            XCTAssertTrue(message.contains("/nonexistent/c.yaml") && message.contains("no such file"), message)
        }
    }
}
