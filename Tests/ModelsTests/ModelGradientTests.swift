import XCTest
@testable import Models
import Layers
import Tensors

/// Finite-difference check of the whole RSTG model: d loss / d parameter from the tape against
/// (L(p + eps) - L(p - eps)) / 2 eps for a few entries of parameters across every stage.
final class ModelGradientTests: XCTestCase {
    func testRSTGParameterGradients() throws {
        let config = try tinyConfig(hidden: 6, widths: "[3, 4, 4]", rounds: 1)
        let model = ModelFactory.make(config, seed: 11)
        // The RSTG classifier starts at zero (no gradient would reach the graph); randomise it here.
        var g = RandomGenerator(seed: 12)
        let classifier = try XCTUnwrap(model.namedParameters().first { $0.name == "classifier.weight" }?.tensor)
        classifier.assign(Tensor.uniform(classifier.shape, low: -0.3, high: 0.3, generator: &g).data)
        let clips = randomClips(2, 3, 64, seed: 5)
        let targets = [3, 45]
        func loss() -> Tensor { Loss.crossEntropy(model.logits(clips), targets: targets) }
        model.zeroGrad()
        loss().backward()
        let named = Dictionary(uniqueKeysWithValues: model.namedParameters().map { ($0.name, $0.tensor) })
        let checked = ["classifier.weight", "final.cell.weight_ih", "space.0.send.0.weight", "space.0.update.2.weight",
                       "space.0.query.weight", "space.0.adjacency_bias", "space.0.norm.weight", "time.0.cell.weight_hh",
                       "embed.weight", "backbone.conv3.weight", "backbone.conv1.weight"]
        let tensors = try checked.map { name in (name: name, tensor: try XCTUnwrap(named[name], name)) }
        try assertGradientsMatchFiniteDifferences(tensors, eps: 3e-3, absolute: 2e-3, relative: 3e-2, loss: loss)
    }
}
