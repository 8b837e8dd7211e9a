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

    /// GEMMs above `BLAS.splitThreshold` are split into column or row blocks over the pool; every
    /// transpose combination, a beta accumulation, strided operands and widths that are not multiples
    /// of 16 must give the naive double-precision product.
    func testSplitGemmMatchesNaiveProduct() {
        let saved = Parallel.workers
        Parallel.workers = 2   // the split path, whatever the machine's core count
        defer { Parallel.workers = saved }
        var rng = RandomGenerator(seed: 23)
        // (m, n, k): wide (split along N), tall (split along M), and one below the threshold.
        for (m, n, k) in [(37, 301, 97), (290, 45, 83), (8, 8, 8)] {
            for transposeA in [false, true] {
                for transposeB in [false, true] {
                    let pad = 3   // row strides larger than the logical widths
                    let aRows = transposeA ? k : m, aCols = transposeA ? m : k
                    let bRows = transposeB ? n : k, bCols = transposeB ? k : n
                    let a = Tensor.normal([aRows * (aCols + pad)], generator: &rng).data
                    let b = Tensor.normal([bRows * (bCols + pad)], generator: &rng).data
                    let c0 = Tensor.normal([m * (n + pad)], generator: &rng).data
                    var c = c0
                    a.withUnsafeBufferPointer { pa in
                        b.withUnsafeBufferPointer { pb in
                            c.withUnsafeMutableBufferPointer { pc in
                                BLAS.sgemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: 0.5,
                                           a: pa.baseAddress!, lda: aCols + pad, b: pb.baseAddress!, ldb: bCols + pad,
                                           beta: 2, c: pc.baseAddress!, ldc: n + pad)
                            }
                        }
                    }
                    var worst = 0.0
                    for i in 0..<m {
                        for j in 0..<n {
                            var sum = 0.0
                            for l in 0..<k {
                                let av = transposeA ? a[l * (aCols + pad) + i] : a[i * (aCols + pad) + l]
                                let bv = transposeB ? b[j * (bCols + pad) + l] : b[l * (bCols + pad) + j]
                                sum += Double(av) * Double(bv)
                            }
                            let expected = 0.5 * sum + 2 * Double(c0[i * (n + pad) + j])
                            worst = Swift.max(worst, Swift.abs(Double(c[i * (n + pad) + j]) - expected))
                        }
                        for j in n..<(n + pad) { XCTAssertEqual(c[i * (n + pad) + j], c0[i * (n + pad) + j], "padding column written") }
                    }
                    XCTAssertLessThan(worst, 1e-3, "m \(m) n \(n) k \(k) tA \(transposeA) tB \(transposeB)")
                }
            }
        }
    }

    /// A batch of small products (below the split threshold) is shared out by item.
    func testSmallBatchedMatmulMatchesPerItemProducts() {
        let saved = Parallel.workers
        Parallel.workers = 2
        defer { Parallel.workers = saved }
        var rng = RandomGenerator(seed: 24)
        let a = Tensor.normal([64, 14, 9], generator: &rng), b = Tensor.normal([64, 9, 14], generator: &rng)
        let y = Tensor.matmul(a, b)
        for item in Swift.stride(from: 0, to: 64, by: 7) {
            let yi = Tensor.matmul(a.slice(axis: 0, start: item, end: item + 1).reshaped([14, 9]),
                                   b.slice(axis: 0, start: item, end: item + 1).reshaped([9, 14]))
            XCTAssertEqual(Array(y.data[(item * 196)..<((item + 1) * 196)]), yi.data)
        }
    }

    /// A batch that divides evenly between the threads, large in total (the attention's 6 pair
    /// products), is shared out by item with serial GEMMs: the same products as one at a time.
    func testEvenBatchedMatmulMatchesPerItemProducts() {
        let saved = Parallel.workers
        defer { Parallel.workers = saved }
        var rng = RandomGenerator(seed: 25)
        let a = Tensor.normal([6, 64, 97], generator: &rng), b = Tensor.normal([6, 64, 45], generator: &rng)
        Parallel.workers = 2
        let y = Tensor.matmul(a, b, transposeA: true)                   // [6, 97, 45]
        Parallel.workers = 1
        for item in 0..<6 {
            let yi = Tensor.matmul(a.slice(axis: 0, start: item, end: item + 1).reshaped([64, 97]),
                                   b.slice(axis: 0, start: item, end: item + 1).reshaped([64, 45]), transposeA: true)
            let got = Array(y.data[(item * 97 * 45)..<((item + 1) * 97 * 45)])
            for (u, v) in zip(got, yi.data) { XCTAssertEqual(u, v, accuracy: 1e-4 * max(1, abs(v))) }
        }
    }
}
