import XCTest
@testable import Tensors

/// conv2d against a direct loop implementation and finite differences.
final class Conv2dTests: XCTestCase {
    func randn(_ shape: [Int], seed: UInt64) -> Tensor {
        var rng = RandomGenerator(seed: seed)
        return Tensor.normal(shape, generator: &rng)
    }

    /// Direct 7-loop convolution (the definition), in Double.
    func naiveConv(_ x: Tensor, _ w: Tensor, _ b: Tensor?, stride: (Int, Int), padding: (Int, Int),
                   dilation: (Int, Int), groups: Int) -> [Float] {
        let (n, cin, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (cout, cg, kh, kw) = (w.shape[0], w.shape[1], w.shape[2], w.shape[3])
        let ho = (h + 2 * padding.0 - dilation.0 * (kh - 1) - 1) / stride.0 + 1
        let wo = (wd + 2 * padding.1 - dilation.1 * (kw - 1) - 1) / stride.1 + 1
        let og = cout / groups
        var out = [Float](repeating: 0, count: n * cout * ho * wo)
        for b0 in 0..<n { for co in 0..<cout { for oh in 0..<ho { for ow in 0..<wo {
            var s = Double(b?.data[co] ?? 0)
            let gi = co / og
            for ci in 0..<cg { for i in 0..<kh { for j in 0..<kw {
                let ih = oh * stride.0 - padding.0 + i * dilation.0
                let iw = ow * stride.1 - padding.1 + j * dilation.1
                if ih < 0 || ih >= h || iw < 0 || iw >= wd { continue }
                let c = gi * cg + ci
                s += Double(x.data[((b0 * cin + c) * h + ih) * wd + iw]) * Double(w.data[((co * cg + ci) * kh + i) * kw + j])
            } } }
            out[((b0 * cout + co) * ho + oh) * wo + ow] = Float(s)
        } } } }
        _ = cin
        return out
    }

    struct Case { let x: [Int]; let w: [Int]; let stride: (Int, Int); let pad: (Int, Int); let dil: (Int, Int); let groups: Int }

    let cases: [Case] = [
        Case(x: [1, 3, 7, 6], w: [4, 3, 3, 3], stride: (1, 1), pad: (1, 1), dil: (1, 1), groups: 1),
        Case(x: [2, 4, 7, 8], w: [6, 2, 3, 2], stride: (2, 1), pad: (1, 0), dil: (1, 2), groups: 2),
        Case(x: [3, 2, 5, 5], w: [3, 2, 1, 1], stride: (1, 1), pad: (0, 0), dil: (1, 1), groups: 1),
        Case(x: [2, 4, 6, 5], w: [4, 1, 3, 3], stride: (2, 2), pad: (2, 1), dil: (2, 1), groups: 4),
        Case(x: [2, 3, 5, 4], w: [2, 3, 1, 1], stride: (2, 2), pad: (1, 0), dil: (1, 1), groups: 1),
        Case(x: [2, 4, 4, 4], w: [6, 2, 1, 1], stride: (1, 1), pad: (0, 0), dil: (1, 1), groups: 2),
    ]

    func testForwardMatchesDirectLoops() {
        for (k, c) in cases.enumerated() {
            let x = randn(c.x, seed: UInt64(10 + k)), w = randn(c.w, seed: UInt64(20 + k)), b = randn([c.w[0]], seed: UInt64(30 + k))
            for bias in [b, nil] {
                let y = Tensor.conv2d(x, weight: w, bias: bias, stride: c.stride, padding: c.pad, dilation: c.dil, groups: c.groups)
                let ref = naiveConv(x, w, bias, stride: c.stride, padding: c.pad, dilation: c.dil, groups: c.groups)
                XCTAssertEqual(y.count, ref.count, "case \(k)")
                for i in 0..<ref.count { XCTAssertEqual(y.data[i], ref[i], accuracy: 1e-4, "case \(k) element \(i)") }
            }
        }
    }

    func testForwardWithPartialBatchChunk() {
        // 32x32 output pixels: 4 images per GEMM, so 5 images run as a chunk of 4 and one of 1.
        let x = randn([5, 2, 32, 32], seed: 3), w = randn([3, 2, 3, 3], seed: 4), b = randn([3], seed: 5)
        let y = Tensor.conv2d(x, weight: w, bias: b, padding: (1, 1))
        let ref = naiveConv(x, w, b, stride: (1, 1), padding: (1, 1), dilation: (1, 1), groups: 1)
        var worst: Float = 0
        for i in 0..<ref.count { worst = max(worst, abs(y.data[i] - ref[i])) }
        XCTAssertLessThan(worst, 1e-4)
    }

    func testGradientsAgainstFiniteDifferences() {
        for (k, c) in cases.enumerated() {
            let x = randn(c.x, seed: UInt64(40 + k)), w = randn(c.w, seed: UInt64(50 + k)), b = randn([c.w[0]], seed: UInt64(60 + k))
            checkGradients([x, w, b]) {
                Tensor.conv2d($0[0], weight: $0[1], bias: $0[2], stride: c.stride, padding: c.pad, dilation: c.dil, groups: c.groups)
            }
        }
    }

    func testGradientOfInputOnlyAndWeightOnly() {
        let x = randn([2, 2, 5, 5], seed: 1), w = randn([3, 2, 3, 3], seed: 2)
        checkGradients([x]) { Tensor.conv2d($0[0], weight: w, bias: nil, padding: (1, 1)) }
        checkGradients([w]) { Tensor.conv2d(x, weight: $0[0], bias: nil, stride: (2, 2)) }
    }

    /// The band-parallel forward (each thread takes whole bands of output rows) with stride 2 and
    /// groups: 2 threads, 1 thread and the unbanded path (a huge worker count) agree with a naive conv.
    func testBandParallelStridedGroupedConvMatchesNaive() {
        let x = randn([1, 4, 150, 90], seed: 80), w = randn([6, 2, 3, 3], seed: 81), b = randn([6], seed: 82)
        let saved = Parallel.workers
        defer { Parallel.workers = saved }
        let naive = naiveConv(x, w, b, stride: (2, 2), padding: (1, 1), dilation: (1, 1), groups: 2)
        for workers in [1, 2, 3, 64] {
            Parallel.workers = workers
            let y = GradMode.disabled { Tensor.conv2d(x, weight: w, bias: b, stride: (2, 2), padding: (1, 1), groups: 2) }
            XCTAssertEqual(y.shape, [1, 6, 75, 45])
            for i in 0..<naive.count { XCTAssertEqual(y.data[i], naive[i], accuracy: 1e-4, "workers \(workers) index \(i)") }
        }
    }

    func testBandedLargeImageMatchesUnbanded() {
        // 70 x 40 output rows: banded by output rows when the band (1024 * workers columns) is
        // shorter than the image; a huge worker count disables banding for the reference.
        let x = randn([1, 3, 70, 40], seed: 70), w = randn([4, 3, 3, 3], seed: 71), b = randn([4], seed: 72)
        let saved = Parallel.workers
        defer { Parallel.workers = saved }
        func run(workers: Int) -> [[Float]] {
            Parallel.workers = workers
            for t in [x, w, b] { t.requiresGrad = true; t.zeroGrad() }
            let y = Tensor.conv2d(x, weight: w, bias: b, stride: (1, 1), padding: (1, 1))
            var rng = RandomGenerator(seed: 5)
            (y * Tensor.uniform(y.shape, low: -1, high: 1, generator: &rng)).sum().backward()
            return [y.data, x.grad!.data, w.grad!.data, b.grad!.data]
        }
        let reference = run(workers: 64)
        Parallel.workers = 1
        XCTAssertEqual(Conv2dGeometry(input: [1, 3, 70, 40], weight: [4, 3, 3, 3], stride: (1, 1), padding: (1, 1),
                                      dilation: (1, 1), groups: 1).bandRows, 25)
        for workers in [1, 2] {
            let banded = run(workers: workers)
            for (k, (a, r)) in zip(banded, reference).enumerated() {
                var worst: Float = 0
                for i in 0..<r.count { worst = max(worst, abs(a[i] - r[i]) / max(1, abs(r[i]))) }
                XCTAssertLessThan(worst, 1e-4, "workers \(workers) output \(k)")
            }
        }
        let naive = naiveConv(x, w, b, stride: (1, 1), padding: (1, 1), dilation: (1, 1), groups: 1)
        for i in Swift.stride(from: 0, to: naive.count, by: 37) { XCTAssertEqual(reference[0][i], naive[i], accuracy: 1e-4) }
    }
}
