import XCTest
@testable import Tensors

/// Pooling, resizing, padding and dropout: hand-checked values and finite differences.
final class PoolingResizeTests: XCTestCase {
    func randn(_ shape: [Int], seed: UInt64) -> Tensor {
        var rng = RandomGenerator(seed: seed)
        return Tensor.normal(shape, generator: &rng)
    }

    /// The 2x2 inference fast path gives exactly the values of the differentiable path (odd sizes, NaN).
    func testMaxPool2x2InferenceMatchesTapedPath() {
        var g = RandomGenerator(seed: 31)
        // Widths of 16 and more take the 8-outputs-at-a-time loop (and its scalar tail at 35).
        for (h, w) in [(8, 8), (7, 9), (2, 2), (5, 4), (16, 16), (9, 35), (4, 64)] {
            var values = Tensor.normal([3, 2, h, w], std: 1, generator: &g).data
            values[5] = .nan
            values[w + 12] = .nan   // second row: the bottom of a window
            let plain = Tensor(values, shape: [3, 2, h, w])
            let taped = Tensor(values, shape: [3, 2, h, w], requiresGrad: true)
            let fast = GradMode.disabled { plain.maxPool2d(kernel: (2, 2)) }
            let reference = taped.maxPool2d(kernel: (2, 2))
            XCTAssertNotNil(reference.tapeNode, "the reference must take the differentiable path")
            XCTAssertEqual(fast.shape, reference.shape)
            for (a, b) in zip(fast.data, reference.data) {
                XCTAssertTrue(a == b || (a.isNaN && b.isNaN), "\(h)x\(w): \(a) vs \(b)")
            }
        }
    }

    func testMaxPoolValuesAndPadding() {
        let x = Tensor((0..<16).map(Float.init), shape: [1, 1, 4, 4])
        XCTAssertEqual(x.maxPool2d(kernel: (2, 2)).data, [5, 7, 13, 15])
        // 3x3 windows, stride 2, padding 1 over a 4x4 ramp: windows end at rows/cols 1 and 3.
        XCTAssertEqual(x.maxPool2d(kernel: (3, 3), stride: (2, 2), padding: (1, 1)).data, [5, 7, 13, 15])
        let y = (x * -1).maxPool2d(kernel: (3, 3), stride: (2, 2), padding: (1, 1))
        XCTAssertEqual(y.data, [0, -1, -4, -5])
    }

    func testAvgPoolCountIncludePad() {
        let x = Tensor.ones([1, 1, 3, 3])
        let incl = x.avgPool2d(kernel: (3, 3), stride: (1, 1), padding: (1, 1), countIncludePad: true)
        XCTAssertEqual(incl.data[0], 4.0 / 9.0, accuracy: 1e-6)
        XCTAssertEqual(incl.data[4], 1, accuracy: 1e-6)
        let excl = x.avgPool2d(kernel: (3, 3), stride: (1, 1), padding: (1, 1), countIncludePad: false)
        for v in excl.data { XCTAssertEqual(v, 1, accuracy: 1e-6) }
    }

    func testAdaptiveBinsOverlapLikePyTorch() {
        // H = 5 -> 3 bins: [0,2), [1,4), [3,5).
        let x = Tensor([1, 2, 3, 4, 5], shape: [1, 5, 1])
        let y = x.adaptiveAvgPool2d(outputSize: (3, 1))
        XCTAssertEqual(y.data, [1.5, 3, 4.5])
        XCTAssertEqual(x.areaResize(to: (3, 1)).data, y.data)
    }

    func testBilinearEndpoints() {
        let x = Tensor([0, 1, 2, 3], shape: [1, 1, 2, 2])
        let aligned = x.upsampleBilinear(size: (3, 3), alignCorners: true)
        XCTAssertEqual(aligned.data, [0, 0.5, 1, 1, 1.5, 2, 2, 2.5, 3])
        let half = x.upsampleBilinear(size: (4, 4), alignCorners: false)
        // Row 0: src row -0.25 clamps to 0; columns 0.0, 0.25, 0.75, 1.0 (src clamped at the end).
        XCTAssertEqual(Array(half.data[0..<4]), [0, 0.25, 0.75, 1])
        let same = x.upsampleBilinear(size: (2, 2))
        XCTAssertEqual(same.data, x.data)
    }

    func testPaddedValues() {
        let x = Tensor([1, 2, 3, 4], shape: [2, 2])
        let y = x.padded([(1, 0), (0, 2)], value: -1)
        XCTAssertEqual(y.shape, [3, 4])
        XCTAssertEqual(y.data, [-1, -1, -1, -1, 1, 2, -1, -1, 3, 4, -1, -1])
    }

    func testDropoutScalesAndMasks() {
        var rng = RandomGenerator(seed: 3)
        let x = Tensor.ones([10_000])
        let y = x.dropout(p: 0.3, training: true, generator: &rng)
        let kept = y.data.filter { $0 != 0 }
        for v in kept { XCTAssertEqual(v, 1 / 0.7, accuracy: 1e-6) }
        XCTAssertEqual(Double(kept.count) / 10_000, 0.7, accuracy: 0.02)
        XCTAssertTrue(x.dropout(p: 0.3, training: false, generator: &rng) === x)
        XCTAssertEqual(x.dropout(p: 1, training: true, generator: &rng).data.max(), 0)
    }

    func testGradients() {
        let x = randn([2, 2, 5, 6], seed: 1)
        checkGradients([x]) { $0[0].maxPool2d(kernel: (2, 2)) }
        checkGradients([x]) { $0[0].maxPool2d(kernel: (3, 2), stride: (2, 1), padding: (1, 1)) }
        checkGradients([x]) { $0[0].avgPool2d(kernel: (3, 3), stride: (2, 2), padding: (1, 1)) }
        checkGradients([x]) { $0[0].avgPool2d(kernel: (3, 3), stride: (2, 2), padding: (1, 1), countIncludePad: false) }
        checkGradients([x]) { $0[0].adaptiveAvgPool2d(outputSize: (3, 4)) }
        checkGradients([x]) { $0[0].areaResize(to: (2, 3)) }
        checkGradients([x]) { $0[0].upsampleBilinear(size: (7, 9)) }
        checkGradients([x]) { $0[0].upsampleBilinear(size: (3, 11), alignCorners: true) }
        checkGradients([x]) { $0[0].padded([(0, 0), (1, 0), (2, 1), (0, 3)], value: 0.5) }
        checkGradients([x]) {
            var rng = RandomGenerator(seed: 9)
            return $0[0].dropout(p: 0.4, training: true, generator: &rng)
        }
    }
}
