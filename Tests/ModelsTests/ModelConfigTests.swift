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
    }

    func testErrorsNameFileAndKey() throws {
        var e = parseError("name: x\nkind: rstg\narchitecture: {hiden: 3}\n")
        XCTAssertEqual(e?.source, "bad.yaml")
        XCTAssertEqual(e?.key, "architecture.hiden")
        XCTAssertTrue(e?.errorDescription?.contains("unknown key") ?? false, e?.errorDescription ?? "")
        XCTAssertTrue(e?.errorDescription?.contains("bad.yaml") ?? false)

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

    func testMissingFileNamed() {
        XCTAssertThrowsError(try ModelConfig(contentsOf: URL(fileURLWithPath: "/nonexistent/c.yaml"))) { error in
            let message = (error as? ModelConfigError)?.errorDescription ?? ""
            XCTAssertTrue(message.contains("/nonexistent/c.yaml") && message.contains("no such file"), message)
        }
    }
}
