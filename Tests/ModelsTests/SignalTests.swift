import Datasets
import XCTest
@testable import Models
import Tensors

/// At initialisation the logits must depend on the clip (no signal collapse through the stages),
/// otherwise gradients to the backbone vanish and training sits at chance.
final class SignalTests: XCTestCase {
    func testLogitsDependOnInputAtInit() throws {
        let data = try SyncMNIST.procedural(digitsPerClip: 3, split: .train, seed: 4, perClass: 3)
        let batch = data.batch(indices: [0, 1])
        let clips = Tensor(batch.frames, shape: [2, 10, 1, 64, 64])
        let config = try ModelConfig(contentsOf: repoRoot.appendingPathComponent("configs/classify-rstg-syncmnist3.yaml"))
        let model = ModelFactory.make(config)
        XCTAssertEqual(model.classifier.weight.data.max(), 0, "the RSTG classifier starts at zero")
        let y = GradMode.disabled { model.features(clips) }.data   // [2, D] (the logits start equal)
        let d = model.featureWidth
        let a = Array(y[0..<d]), b = Array(y[d..<(2 * d)])
        let spread = a.max()! - a.min()!
        let difference = zip(a, b).map { abs($0 - $1) }.max()!
        XCTAssertGreaterThan(difference, 1e-2 * spread, "clip features barely depend on the clip: difference \(difference), spread \(spread)")
    }
}
