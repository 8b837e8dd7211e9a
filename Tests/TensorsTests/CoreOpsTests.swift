import Foundation
import XCTest
@testable import Tensors

final class CoreOpsTests: XCTestCase {
    func randn(_ shape: [Int], seed: UInt64) -> Tensor {
        var rng = RandomGenerator(seed: seed)
        return Tensor.normal(shape, generator: &rng)
    }

    func testBroadcastArithmeticValues() {
        let a = Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3])
        let b = Tensor([10, 20, 30], shape: [3])
        XCTAssertEqual((a + b).data, [11, 22, 33, 14, 25, 36])
        XCTAssertEqual((a * Tensor([2, 3], shape: [2, 1])).data, [2, 4, 6, 12, 15, 18])
    }

    func testBroadcastArithmeticGradients() {
        checkGradients([randn([2, 3, 4], seed: 1), randn([3, 1], seed: 2)]) { $0[0] * $0[1] }
        checkGradients([randn([2, 3, 4], seed: 1), randn([4], seed: 2).abs() + 1]) { $0[0] / $0[1] }
        checkGradients([randn([2, 3], seed: 3), randn([1, 3], seed: 4)]) { $0[0] - $0[1] + $0[0] }
    }

    func testMatmulAllTransposes() {
        for ta in [false, true] {
            for tb in [false, true] {
                let a = randn(ta ? [4, 3] : [3, 4], seed: 5)
                let b = randn(tb ? [5, 4] : [4, 5], seed: 6)
                let c = Tensor.matmul(a, b, transposeA: ta, transposeB: tb)
                XCTAssertEqual(c.shape, [3, 5])
                // Reference by loops.
                for i in 0..<3 { for j in 0..<5 {
                    var s: Float = 0
                    for k in 0..<4 {
                        let av = ta ? a.data[k * 3 + i] : a.data[i * 4 + k]
                        let bv = tb ? b.data[j * 4 + k] : b.data[k * 5 + j]
                        s += av * bv
                    }
                    XCTAssertEqual(c.data[i * 5 + j], s, accuracy: 1e-4)
                } }
                checkGradients([a, b]) { Tensor.matmul($0[0], $0[1], transposeA: ta, transposeB: tb) }
            }
        }
    }

    func testBatchedMatmulGradients() {
        checkGradients([randn([2, 3, 4], seed: 8), randn([2, 4, 2], seed: 9)]) { Tensor.matmul($0[0], $0[1]) }
        checkGradients([randn([2, 3, 4], seed: 8), randn([2, 4], seed: 9)]) { Tensor.matmul($0[0], $0[1], transposeB: true) }
        checkGradients([randn([2, 4, 3], seed: 8), randn([2, 4, 2], seed: 9)]) { Tensor.matmul($0[0], $0[1], transposeA: true) }
    }

    func testReductionsAndShapes() {
        let x = randn([2, 3, 4], seed: 10)
        checkGradients([x]) { $0[0].sum(axes: [0, 2], keepDims: true) }
        checkGradients([x]) { $0[0].mean(axis: 1) }
        checkGradients([x]) { $0[0].max(axis: -1) }
        checkGradients([x]) { $0[0].permuted([2, 0, 1]) }
        checkGradients([x, randn([2, 2, 4], seed: 11)]) { Tensor.concat([$0[0], $0[1]], axis: 1) }
        checkGradients([x]) { $0[0].slice(axis: 2, start: 1, end: 3).reshaped([-1]) }
        XCTAssertEqual(x.permuted([2, 0, 1]).shape, [4, 2, 3])
        XCTAssertEqual(x.sum().item, x.data.reduce(0, +), accuracy: 1e-4)
    }

    func testUnaryAndSoftmaxGradients() {
        let x = randn([3, 5], seed: 12)
        checkGradients([x]) { $0[0].softmax(axis: 1) }
        checkGradients([x]) { $0[0].logSoftmax(axis: 0) }
        checkGradients([x]) { $0[0].sigmoid() * $0[0].tanh() }
        checkGradients([x]) { $0[0].gelu() }
        checkGradients([x]) { ($0[0] * $0[0] + 0.5).log().exp().sqrt() }
        checkGradients([Tensor([-2, -0.5, 0.7, 1.5], shape: [4])]) { $0[0].abs().pow(3) }
        XCTAssertEqual(x.abs().data, x.data.map { Swift.abs($0) })
        let s = x.softmax(axis: 1).sum(axis: 1)
        for v in s.data { XCTAssertEqual(v, 1, accuracy: 1e-5) }
    }

    func testNoTapeInInferenceMode() {
        let w = randn([3, 3], seed: 13)
        w.requiresGrad = true
        let y = GradMode.disabled { Tensor.matmul(w, w).relu() }
        XCTAssertFalse(y.requiresGrad)
        XCTAssertNil(y.tapeNode)
    }

    /// The mode is per thread: inference on another thread does not switch off this thread's tape.
    func testGradModeIsPerThread() {
        let w = randn([3, 3], seed: 15)
        w.requiresGrad = true
        let insideDisabled = DispatchSemaphore(value: 0), recorded = DispatchSemaphore(value: 0)
        final class Flag: @unchecked Sendable { var value = true }   // written before the semaphore signals
        let otherThreadTaped = Flag()
        Thread.detachNewThread {
            GradMode.disabled {
                otherThreadTaped.value = Tensor.matmul(w, w).requiresGrad
                insideDisabled.signal()
                recorded.wait()   // stay inside `disabled` while this thread records
            }
        }
        insideDisabled.wait()
        let y = Tensor.matmul(w, w)
        recorded.signal()
        XCTAssertTrue(y.requiresGrad, "a disabled scope on another thread must not stop this thread's tape")
        XCTAssertNotNil(y.tapeNode)
        XCTAssertFalse(otherThreadTaped.value)
    }

    func testBackwardFreesTape() {
        let w = randn([3, 3], seed: 14)
        w.requiresGrad = true
        let hidden = Tensor.matmul(w, w)
        let loss = hidden.relu().sum()
        loss.backward()
        XCTAssertNil(hidden.tapeNode)
        XCTAssertNil(hidden.grad)
        XCTAssertNotNil(w.grad)
    }
}
