import Foundation
import XCTest
@testable import Models
import Tensors

/// Repository root (tests locate configs/ and the shared data from here).
let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// A small config for fast tests: `kind` with tiny widths on 64x64 SyncMNIST clips.
func tinyConfig(kind: String = "rstg", extraArchitecture: String = "", hidden: Int = 8, widths: String = "[4, 4, 8]",
                rounds: Int = 1, batch: Int = 4, lr: Double = 0.01) throws -> ModelConfig {
    try ModelConfig(yaml: """
        name: tiny-\(kind)
        kind: \(kind)
        classes: syncmnist
        architecture: {backbone_widths: \(widths), hidden: \(hidden), rounds: \(rounds)\(extraArchitecture)}
        training: {epochs: 1, clips_per_epoch: 64, batch_size: \(batch), learning_rate: \(lr), warmup_steps: 0, schedule: constant, weight_decay: 0}
        data: {mnist: none, val_clips: 8}
        """, source: "tiny.yaml")
}

/// A temporary folder removed after the test.
func temporaryFolder(_ test: XCTestCase) throws -> URL {
    let d = FileManager.default.temporaryDirectory.appendingPathComponent("vidgraph-models-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: d) }
    return d
}

/// Random clips `[B, T, 1, S, S]` in [0, 1].
func randomClips(_ b: Int, _ t: Int, _ s: Int, seed: UInt64 = 3) -> Tensor {
    var g = RandomGenerator(seed: seed)
    return Tensor.uniform([b, t, 1, s, s], generator: &g)
}

/// `../shared/data` beside the repository (or `VIDGRAPH_SHARED_DATA`); it may be absent.
func sharedDataFolder() -> URL {
    if let env = ProcessInfo.processInfo.environment["VIDGRAPH_SHARED_DATA"] { return URL(fileURLWithPath: env) }
    let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    return repo.deletingLastPathComponent().appendingPathComponent("shared/data")
}

/// Compares the tape's gradients (already computed by `loss().backward()`) with central differences
/// `(L(p + eps) - L(p - eps)) / 2 eps` at `entries(p)` of each named tensor (default: first, middle, last),
/// within `absolute + relative * |numeric|`.
func assertGradientsMatchFiniteDifferences(_ tensors: [(name: String, tensor: Tensor)], eps: Float, absolute: Float, relative: Float,
                                           entries: (Tensor) -> [Int] = { Set([0, $0.count / 2, $0.count - 1]).sorted() },
                                           loss: () -> Tensor, file: StaticString = #filePath, line: UInt = #line) throws {
    for (name, p) in tensors {
        let grad = try XCTUnwrap(p.grad, "no gradient for \(name)", file: file, line: line)
        for i in entries(p) {
            let saved = p.data[i]
            p.withMutableData { $0[i] = saved + eps }
            let plus = Double(GradMode.disabled { loss() }.item)
            p.withMutableData { $0[i] = saved - eps }
            let minus = Double(GradMode.disabled { loss() }.item)
            p.withMutableData { $0[i] = saved }
            let numeric = Float((plus - minus) / Double(2 * eps))
            XCTAssertEqual(grad.data[i], numeric, accuracy: absolute + relative * abs(numeric), "\(name)[\(i)]", file: file, line: line)
        }
    }
}

/// A fine-tune's model against its source, both in evaluation mode on the same random clips: asserts
/// equal logits, then applies `change` (a parameter of the added part made non-zero) and asserts the
/// logits move.
func assertStartsAsSourceUntil(_ change: () -> Void, model: any ClipClassifier, source: any ClipClassifier,
                               file: StaticString = #filePath, line: UInt = #line) {
    model.setTraining(false)
    source.setTraining(false)
    let clips = randomClips(2, 10, 64, seed: 6)
    let before = GradMode.disabled { source.logits(clips) }
    let after = GradMode.disabled { model.logits(clips) }
    for i in 0..<before.count { XCTAssertEqual(after.data[i], before.data[i], accuracy: 1e-5, file: file, line: line) }
    change()
    let moved = GradMode.disabled { model.logits(clips) }
    XCTAssertGreaterThan(zip(moved.data, before.data).map { abs($0 - $1) }.max()!, 0.01, file: file, line: line)
}
