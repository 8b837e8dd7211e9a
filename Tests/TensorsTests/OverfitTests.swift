import XCTest
@testable import Tensors

/// End-to-end: a small conv net built from raw tensor ops and a hand-written SGD step must fit one
/// batch; plus finite-difference checks of the primitives not covered elsewhere.
final class OverfitTests: XCTestCase {
    func testSmallConvNetOverfitsOneBatch() {
        var rng = RandomGenerator(seed: 42)
        let x = Tensor.normal([4, 1, 8, 8], generator: &rng)              // [N, 1, 8, 8]
        let target = Tensor.normal([4, 3], generator: &rng)               // [N, 3]
        let w1 = Tensor.normal([8, 1, 3, 3], std: 0.5, generator: &rng, requiresGrad: true)   // [8, 1, 3, 3]
        let b1 = Tensor.zeros([8], requiresGrad: true)
        let w2 = Tensor.normal([8, 8, 3, 3], std: 0.2, generator: &rng, requiresGrad: true)   // [8, 8, 3, 3]
        let b2 = Tensor.zeros([8], requiresGrad: true)
        let w3 = Tensor.normal([8, 3], std: 0.3, generator: &rng, requiresGrad: true)         // [8, 3]
        let b3 = Tensor.zeros([3], requiresGrad: true)
        let parameters = [w1, b1, w2, b2, w3, b3]

        func loss() -> Tensor {
            var h = Tensor.conv2d(x, weight: w1, bias: b1, padding: (1, 1)).relu()  // [N, 8, 8, 8]
            h = h.maxPool2d(kernel: (2, 2))                                          // [N, 8, 4, 4]
            h = Tensor.conv2d(h, weight: w2, bias: b2, padding: (1, 1)).relu()       // [N, 8, 4, 4]
            let pooled = h.mean(axes: [2, 3])                                        // [N, 8]
            let y = Tensor.matmul(pooled, w3) + b3                                   // [N, 3]
            let diff = y - target
            return (diff * diff).mean()
        }

        let initial = GradMode.disabled { loss().item }
        var final = initial
        for _ in 0..<400 {
            let l = loss()
            final = l.item
            l.backward()
            for p in parameters {
                guard let g = p.grad else { XCTFail("parameter without gradient"); return }
                p.withMutableData { values in for i in 0..<values.count { values[i] -= 0.1 * g.data[i] } }
                p.zeroGrad()
            }
        }
        XCTAssertGreaterThan(initial, 0.3)
        XCTAssertLessThan(final, 1e-3, "loss went from \(initial) to \(final)")
    }

    func testRemainingPrimitiveGradients() {
        var rng = RandomGenerator(seed: 5)
        let x = Tensor.normal([3, 4], generator: &rng)
        checkGradients([x]) { $0[0].relu() }
        checkGradients([x]) { $0[0].leakyRelu(0.2) }
        checkGradients([x]) { $0[0].clamp(min: -0.4, max: 0.6) }
        checkGradients([x]) { (2 - $0[0] * 3 + 1) / 4 }
        checkGradients([x]) { $0[0].split(axis: 1, sizes: [1, 3])[1].unsqueezed(0).squeezed(0) }
        checkGradients([x]) { $0[0].transposed().mean() }
        checkGradients([x]) { $0[0].sum(axis: 0) }
    }
}
