import XCTest
import Tensors
@testable import Layers

/// Loss values and gradients against PyTorch, plus finite-difference checks of the fused backward.
final class LossTests: XCTestCase {
    private func check(_ name: String, _ loss: (Tensor, Tensor, Fixture) -> Tensor) throws {
        let f = try Fixture(name)
        let x = f.input("x"), t = f["input.t"]
        let y = loss(x, t, f)
        assertClose(y.reshaped([1]), f["output.y"], "\(name) value")
        y.backward()
        assertClose(x.grad, f["grad.x"], "\(name) grad")
    }

    func testBCEWithLogitsPosWeightMean() throws {
        try check("loss_bce") { x, t, f in Loss.binaryCrossEntropyWithLogits(x, t, posWeight: f["input.pos_weight"].item) }
    }

    func testBCEWithLogitsSum() throws {
        try check("loss_bce_sum") { x, t, _ in Loss.binaryCrossEntropyWithLogits(x, t, reduction: .sum) }
    }

    func testCrossEntropyLabelSmoothingIgnoreIndex() throws {
        try check("loss_ce") { x, t, _ in Loss.crossEntropy(x, targets: t.data.map { Int($0) }, labelSmoothing: 0.1) }
    }

    func testCrossEntropyPerPixel() throws {
        try check("loss_ce_spatial") { x, t, _ in Loss.crossEntropy(x, targets: t.data.map { Int($0) }, labelSmoothing: 0.05) }
    }

    func testL1() throws { try check("loss_l1") { x, t, _ in Loss.l1(x, t) } }
    func testMSE() throws { try check("loss_mse") { x, t, _ in Loss.mse(x, t) } }
    func testDice() throws { try check("loss_dice") { x, t, _ in Loss.dice(x, t, eps: 1) } }

    func testBCEIsStableForLargeLogits() {
        let x = Tensor([100, -100, 80], shape: [3])
        let y = Loss.binaryCrossEntropyWithLogits(x, Tensor([1, 0, 0], shape: [3]), reduction: .none)
        XCTAssertEqual(y.data[0], 0, accuracy: 1e-6)
        XCTAssertEqual(y.data[1], 0, accuracy: 1e-6)
        XCTAssertEqual(y.data[2], 80, accuracy: 1e-4)
    }

    func testFiniteDifferences() {
        var rng = RandomGenerator(seed: 3)
        let x = Tensor.uniform([4, 5], low: -2, high: 2, generator: &rng)
        let t = Tensor(x.data.indices.map { Float($0 % 3 == 0 ? 1 : 0) }, shape: [4, 5])
        let w = Tensor.uniform([4, 5], low: 0.5, high: 2, generator: &rng)
        checkLayerGradients([x]) { Loss.binaryCrossEntropyWithLogits(x, t, posWeight: 3, weight: w, reduction: .none) }
        checkLayerGradients([x]) { Loss.crossEntropy(x, targets: [1, 4, -100, 0], labelSmoothing: 0.2, reduction: .none) }
        checkLayerGradients([x]) { Loss.crossEntropy(x, targets: [1, 4, 2, 0], reduction: .sum) }
        checkLayerGradients([x]) { Loss.mse(x, t, reduction: .none) }
        let p = Tensor.uniform([2, 6], low: 0.05, high: 0.95, generator: &rng)
        checkLayerGradients([p], eps: 1e-3) { Loss.dice(p, Tensor(p.data.map { $0 > 0.5 ? 1 : 0 }, shape: [2, 6]), eps: 0.5) }
    }
}
