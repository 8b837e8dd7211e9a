import Foundation
import XCTest
@testable import Tensors

/// Large tensors take the multi-threaded element loops; results must equal the serial definition.
final class ParallelPathTests: XCTestCase {
    func testLargeElementwiseOpsMatchSerialLoops() {
        var rng = RandomGenerator(seed: 21)
        let a = Tensor.normal([300, 401], generator: &rng, requiresGrad: true)
        let b = Tensor.normal([300, 401], generator: &rng, requiresGrad: true)
        XCTAssertGreaterThan(a.count, 2 * Parallel.elementwiseGrain)
        let y = (a * b + a.sigmoid()) * 0.5 - 1
        for i in Swift.stride(from: 0, to: a.count, by: 997) {
            let expected = (a.data[i] * b.data[i] + 1 / (1 + Foundation.exp(-a.data[i]))) * 0.5 - 1
            XCTAssertEqual(y.data[i], expected, accuracy: 1e-5)
        }
        y.sum().backward()
        for i in Swift.stride(from: 0, to: a.count, by: 997) {
            let s = 1 / (1 + Foundation.exp(-a.data[i]))
            XCTAssertEqual(a.grad!.data[i], 0.5 * (b.data[i] + s * (1 - s)), accuracy: 1e-5)
            XCTAssertEqual(b.grad!.data[i], 0.5 * a.data[i], accuracy: 1e-5)
        }
    }

    func testLargeSoftmaxRowsSumToOneAndBackward() {
        var rng = RandomGenerator(seed: 22)
        let x = Tensor.normal([512, 300], generator: &rng, requiresGrad: true)
        let y = x.softmax(axis: -1)
        for row in Swift.stride(from: 0, to: 512, by: 37) {
            var total: Float = 0
            for k in 0..<300 { total += y.data[row * 300 + k] }
            XCTAssertEqual(total, 1, accuracy: 1e-5)
        }
        // d/dx sum(softmax * w) with w = one-hot on column 0: y0 * (delta - y).
        let w = Tensor((0..<x.count).map { $0 % 300 == 0 ? 1 : 0 }, shape: x.shape)
        (y * w).sum().backward()
        for row in Swift.stride(from: 0, to: 512, by: 41) {
            let y0 = y.data[row * 300]
            XCTAssertEqual(x.grad!.data[row * 300], y0 * (1 - y0), accuracy: 1e-6)
            XCTAssertEqual(x.grad!.data[row * 300 + 5], -y0 * y.data[row * 300 + 5], accuracy: 1e-6)
        }
    }
}
