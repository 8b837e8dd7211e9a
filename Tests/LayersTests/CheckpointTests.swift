import Foundation
import XCTest
import Tensors
@testable import Layers

/// Checkpoint save/load: model state, optimizer state and metadata round-trip; training resumes exactly.
final class CheckpointTests: XCTestCase {
    final class Net: Module {
        let conv: Conv2d, norm: BatchNorm2d, head: Linear
        var isTraining = true
        init(seed: UInt64) {
            var rng = RandomGenerator(seed: seed)
            conv = Conv2d(2, 3, kernel: 3, padding: 1, generator: &rng)
            norm = BatchNorm2d(3)
            head = Linear(3, 2, generator: &rng)
        }
        var children: [(name: String, module: any Module)] { [("conv", conv), ("norm", norm), ("head", head)] }
        func callAsFunction(_ x: Tensor) -> Tensor { head(norm(conv(x)).relu().mean(axes: [2, 3])) }
    }

    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("vidgraph-ckpt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    private func train(_ net: Net, _ optimizer: Adam, steps: Int) {
        var rng = RandomGenerator(seed: 77)
        let x = Tensor.normal([4, 2, 5, 5], generator: &rng)
        for _ in 0..<steps {
            optimizer.zeroGrad()
            Loss.crossEntropy(net(x), targets: [0, 1, 1, 0]).backward()
            optimizer.step()
        }
    }

    func testSaveLoadResumesTrainingExactly() throws {
        let reference = Net(seed: 1), refOptimizer = Adam(reference, .adamW(learningRate: 0.05))
        train(reference, refOptimizer, steps: 6)

        let net = Net(seed: 1), optimizer = Adam(net, .adamW(learningRate: 0.05))
        train(net, optimizer, steps: 3)
        let url = directory.appendingPathComponent("run.safetensors")
        let meta = TrainingMetadata(step: 3, epoch: 1, config: "model: tiny\n", extra: ["best": "0.5"])
        try Checkpoint.save(model: net, optimizer: optimizer, metadata: meta, to: url)

        let names = try SafeTensors.read(url).names
        XCTAssertTrue(names.contains("model.conv.weight"))
        XCTAssertTrue(names.contains("model.norm.running_var"))
        XCTAssertTrue(names.contains("optim.head.bias.exp_avg_sq"))
        XCTAssertTrue(names.contains("optim.step"))

        let restored = Net(seed: 99), restoredOptimizer = Adam(restored, .adamW(learningRate: 0.05))
        let loaded = try Checkpoint.load(from: url, model: restored, optimizer: restoredOptimizer)
        XCTAssertEqual(loaded, meta)
        XCTAssertEqual(restoredOptimizer.stepCount, 3)
        XCTAssertEqual(restored.norm.runningMean.data, net.norm.runningMean.data)
        train(restored, restoredOptimizer, steps: 3)
        for ((name, a), (_, b)) in zip(reference.namedParameters(), restored.namedParameters()) {
            XCTAssertEqual(a.data, b.data, name)
        }
    }

    func testLoadErrorsNameTheFile() throws {
        let net = Net(seed: 1)
        let url = directory.appendingPathComponent("model.safetensors")
        try Checkpoint.save(model: net, to: url)
        // No optimizer state in the file.
        XCTAssertThrowsError(try Checkpoint.load(from: url, model: Net(seed: 2), optimizer: SGD(net, .init(learningRate: 1)))) {
            let message = ($0 as? CheckpointError)?.errorDescription ?? ""
            XCTAssertTrue(message.contains(url.path) && message.contains("SGD"), message)
        }
        // A plain safetensors file is not a checkpoint.
        let plain = directory.appendingPathComponent("plain.safetensors")
        try SafeTensors.write(["x": Tensor.zeros([2])], to: plain)
        XCTAssertThrowsError(try Checkpoint.load(from: plain, model: net)) {
            XCTAssertTrue(($0 as? CheckpointError)?.errorDescription?.contains("not a vidgraph checkpoint") ?? false)
        }
        // Another architecture.
        final class Other: Module {
            let head: Linear
            var isTraining = true
            init() { var rng = RandomGenerator(seed: 1); head = Linear(4, 2, generator: &rng) }
            var children: [(name: String, module: any Module)] { [("head", head)] }
        }
        XCTAssertThrowsError(try Checkpoint.load(from: url, model: Other())) {
            XCTAssertTrue(($0 as? CheckpointError)?.errorDescription?.contains("does not fit the model") ?? false)
        }
    }
}
