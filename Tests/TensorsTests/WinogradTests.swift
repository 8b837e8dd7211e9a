import XCTest
@testable import Tensors

/// Winograd F(2x2, 3x3) and F(4x4, 3x3) against the im2col path and a Double direct sum: forward,
/// input and weight gradients, odd/even sizes, padding 0/1/2, batches, several GEMM blocks, the
/// PyTorch golden, and the dispatch rule.
///
/// Tolerance: max |error| / max |output| < 1e-5. Both paths round differently (Winograd's
/// transforms mix ~(m+2)^2 terms with coefficients up to 5 (B) and 8 (A) before and after the GEMM,
/// so intermediate terms are larger than the outputs they cancel to). Measured here: im2col
/// <= 5e-7, F(2x2) <= 4e-7, F(4x4) <= 7e-6 (the 64-channel case); an indexing or transform mistake
/// shows up at ~1e-1. GoldenTests' PyTorch tolerance is 1e-4.
final class WinogradTests: XCTestCase {
    override func tearDown() {
        Winograd.mode = .automatic
        Winograd.tile = 4
        Winograd.maxTilesPerBlock = 4096
        super.tearDown()
    }

    func randn(_ shape: [Int], seed: UInt64, std: Float = 1) -> Tensor {
        var rng = RandomGenerator(seed: seed)
        return Tensor.normal(shape, std: std, generator: &rng)
    }

    /// Direct 3x3 stride-1 convolution in Double (the definition).
    func directConv(_ x: Tensor, _ w: Tensor, _ b: Tensor?, pad: (Int, Int)) -> [Double] {
        let (n, cin, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let cout = w.shape[0]
        let ho = h + 2 * pad.0 - 2, wo = wd + 2 * pad.1 - 2
        var out = [Double](repeating: 0, count: n * cout * ho * wo)
        for b0 in 0..<n { for co in 0..<cout { for oh in 0..<ho { for ow in 0..<wo {
            var s = Double(b?.data[co] ?? 0)
            for ci in 0..<cin { for i in 0..<3 { for j in 0..<3 {
                let ih = oh - pad.0 + i, iw = ow - pad.1 + j
                if ih < 0 || ih >= h || iw < 0 || iw >= wd { continue }
                s += Double(x.data[((b0 * cin + ci) * h + ih) * wd + iw]) * Double(w.data[((co * cin + ci) * 3 + i) * 3 + j])
            } } }
            out[((b0 * cout + co) * ho + oh) * wo + ow] = s
        } } } }
        return out
    }

    /// max |a - b| / max |b|.
    func relativeError(_ a: [Float], _ b: [Double]) -> Double {
        XCTAssertEqual(a.count, b.count)
        var worst = 0.0, scale = 0.0
        for i in 0..<min(a.count, b.count) {
            worst = max(worst, abs(Double(a[i]) - b[i]))
            scale = max(scale, abs(b[i]))
        }
        return worst / max(scale, 1e-30)
    }

    func conv(_ mode: Winograd.Mode, _ x: Tensor, _ w: Tensor, _ b: Tensor?, pad: (Int, Int)) -> Tensor {
        Winograd.mode = mode
        defer { Winograd.mode = .automatic }
        return GradMode.disabled { Tensor.conv2d(x, weight: w, bias: b, padding: pad) }
    }

    /// (N, Cin, Cout, H, W, padding): odd and even sizes, 1-pixel outputs, padding 0/1/2, batches,
    /// channel counts that are multiples of nothing.
    let cases: [(Int, Int, Int, Int, Int, (Int, Int))] = [
        (1, 3, 5, 7, 9, (1, 1)),
        (2, 17, 13, 8, 8, (0, 0)),
        (3, 5, 19, 11, 6, (2, 2)),
        (1, 1, 1, 3, 3, (0, 0)),
        (2, 7, 6, 1, 5, (2, 1)),
        (2, 9, 11, 10, 13, (1, 0)),
        (1, 16, 16, 5, 4, (0, 2)),
        (2, 64, 48, 12, 10, (1, 1)),
    ]

    /// Output tile sizes m of F(m x m, 3x3) under test and their tolerance relative to max |output|.
    let tiles: [(Int, Double)] = [(2, 1e-5), (4, 1e-5)]

    func testForwardMatchesIm2colAndDirectSum() {
        for (m, tolerance) in tiles {
        Winograd.tile = m
        for (k, c) in cases.enumerated() {
            let x = randn([c.0, c.1, c.3, c.4], seed: UInt64(100 + k))
            let w = randn([c.2, c.1, 3, 3], seed: UInt64(200 + k), std: 0.3)
            let b = randn([c.2], seed: UInt64(300 + k))
            for bias in [b, nil] {
                let wino = conv(.always, x, w, bias, pad: c.5), im2col = conv(.never, x, w, bias, pad: c.5)
                XCTAssertEqual(wino.shape, im2col.shape, "case \(k)")
                let exact = directConv(x, w, bias, pad: c.5)
                let vsIm2col = relativeError(wino.data, im2col.data.map(Double.init))
                let vsExact = relativeError(wino.data, exact)
                XCTAssertLessThan(vsIm2col, tolerance, "F(\(m)) case \(k) bias \(bias != nil): Winograd vs im2col")
                XCTAssertLessThan(vsExact, tolerance, "F(\(m)) case \(k): Winograd vs direct sum")
                XCTAssertLessThan(relativeError(im2col.data, exact), 1e-5, "case \(k): im2col vs direct sum")
            }
        }
        }
    }

    func testForwardOverSeveralTileBlocks() {
        // 3 images of 9x10 output; at most 7 tiles per block: F(2x2) has 5 x 5 tiles per image, one
        // tile row per block; F(4x4) has 3 x 3 tiles, two tile rows per block, so blocks straddle images.
        Winograd.maxTilesPerBlock = 7
        let x = randn([3, 4, 11, 10], seed: 1), w = randn([5, 4, 3, 3], seed: 2, std: 0.3), b = randn([5], seed: 3)
        for (m, tolerance) in tiles {
            Winograd.tile = m
            let wino = conv(.always, x, w, b, pad: (0, 1))
            XCTAssertEqual(wino.shape, [3, 5, 9, 10])
            XCTAssertLessThan(relativeError(wino.data, directConv(x, w, b, pad: (0, 1))), tolerance, "F(\(m))")
        }
    }

    /// Gradients of sum(conv(x) * r) through the Winograd path equal those of the im2col path.
    func testGradientsMatchIm2col() {
        for (m, tolerance) in tiles {
        Winograd.tile = m
        for (k, c) in cases.enumerated() {
            let x0 = randn([c.0, c.1, c.3, c.4], seed: UInt64(400 + k))
            let w0 = randn([c.2, c.1, 3, 3], seed: UInt64(500 + k), std: 0.3)
            let b0 = randn([c.2], seed: UInt64(600 + k))
            let outShape = [c.0, c.2, c.3 + 2 * c.5.0 - 2, c.4 + 2 * c.5.1 - 2]
            let r = randn(outShape, seed: UInt64(700 + k))
            var grads: [[[Float]]] = []
            for mode in [Winograd.Mode.always, .never] {
                Winograd.mode = mode
                let x = Tensor(x0.data, shape: x0.shape), w = Tensor(w0.data, shape: w0.shape), b = Tensor(b0.data, shape: b0.shape)
                for t in [x, w, b] { t.requiresGrad = true }
                (Tensor.conv2d(x, weight: w, bias: b, padding: c.5) * r).sum().backward()
                grads.append([x.grad!.data, w.grad!.data, b.grad!.data])
            }
            Winograd.mode = .automatic
            for (name, i) in [("input", 0), ("weight", 1), ("bias", 2)] {
                let error = relativeError(grads[0][i], grads[1][i].map(Double.init))
                XCTAssertLessThan(error, tolerance, "F(\(m)) case \(k): \(name) gradient, Winograd vs im2col")
            }
        }
        }
    }

    func testGradientsAgainstFiniteDifferences() {
        Winograd.mode = .always
        let x = randn([2, 3, 5, 4], seed: 11), w = randn([4, 3, 3, 3], seed: 12, std: 0.5), b = randn([4], seed: 13)
        for (m, pad) in [(2, (0, 0)), (2, (1, 1)), (4, (2, 1)), (4, (1, 1))] {
            Winograd.tile = m
            checkGradients([x, w, b]) { Tensor.conv2d($0[0], weight: $0[1], bias: $0[2], padding: pad) }
        }
    }

    func testGradientAccumulatesIntoExistingInputGradient() {
        Winograd.mode = .always
        let x = randn([1, 2, 4, 4], seed: 21), w = randn([3, 2, 3, 3], seed: 22)
        x.requiresGrad = true
        Tensor.conv2d(x, weight: w, bias: nil, padding: (1, 1)).sum().backward()
        let once = x.grad!.data
        Tensor.conv2d(x, weight: w, bias: nil, padding: (1, 1)).sum().backward()
        for i in 0..<once.count { XCTAssertEqual(x.grad!.data[i], 2 * once[i], accuracy: 1e-5 * max(1, abs(once[i]))) }
    }

    /// PyTorch's conv_basic golden (3x3, padding 1) forced through both Winograd variants, with
    /// GoldenTests' tolerance: max |ours - torch| / max(max |torch|, 1) < 1e-4.
    func testPyTorchGoldenThroughWinograd() throws {
        let file = try SafeTensors.read(fixtureURL("tensor_goldens.safetensors"))
        Winograd.mode = .always
        for (m, _) in tiles {
            Winograd.tile = m
            let inputs = try (0..<3).map { try file.tensor(named: "conv_basic.in\($0)") }
            for t in inputs { t.requiresGrad = true }
            XCTAssertTrue(Winograd.applies(to: Conv2dGeometry(input: inputs[0].shape, weight: inputs[1].shape, stride: (1, 1),
                                                              padding: (1, 1), dilation: (1, 1), groups: 1)))
            let out = Tensor.conv2d(inputs[0], weight: inputs[1], bias: inputs[2], padding: (1, 1))
            (out * (try file.tensor(named: "conv_basic.w"))).sum().backward()
            let pairs = [(out, "out")] + inputs.enumerated().map { ($0.element.grad!, "grad\($0.offset)") }
            for (ours, name) in pairs {
                let reference = try file.tensor(named: "conv_basic.\(name)")
                XCTAssertEqual(ours.shape, reference.shape)
                var worst: Float = 0, scale: Float = 1
                for i in 0..<min(ours.count, reference.count) {
                    worst = max(worst, abs(ours.data[i] - reference.data[i]))
                    scale = max(scale, abs(reference.data[i]))
                }
                XCTAssertLessThan(worst / scale, 1e-4, "F(\(m)) conv_basic \(name)")
            }
        }
    }

    func testDispatchRule() {
        func geo(_ x: [Int], _ w: [Int], stride: Int = 1, pad: Int = 1, dilation: Int = 1, groups: Int = 1) -> Conv2dGeometry {
            Conv2dGeometry(input: x, weight: w, stride: (stride, stride), padding: (pad, pad),
                           dilation: (dilation, dilation), groups: groups)
        }
        XCTAssertTrue(Winograd.shouldUse(geo([1, 64, 64, 64], [64, 64, 3, 3])))
        XCTAssertTrue(Winograd.shouldUse(geo([1, 128, 64, 64], [128, 128, 3, 3])))
        XCTAssertTrue(Winograd.shouldUseForInputGradient(geo([1, 64, 64, 64], [64, 64, 3, 3])))
        XCTAssertFalse(Winograd.shouldUse(geo([1, 3, 64, 64], [8, 3, 3, 3])), "tiny channel counts stay on im2col")
        XCTAssertFalse(Winograd.shouldUse(geo([1, 64, 64, 64], [64, 64, 3, 3], stride: 2)))
        XCTAssertFalse(Winograd.shouldUse(geo([1, 64, 64, 64], [64, 64, 3, 3], dilation: 2)))
        XCTAssertFalse(Winograd.shouldUse(geo([1, 64, 64, 64], [64, 32, 3, 3], groups: 2)))
        XCTAssertFalse(Winograd.shouldUse(geo([1, 64, 64, 64], [64, 64, 1, 1], pad: 0)))
        XCTAssertFalse(Winograd.shouldUseForInputGradient(geo([1, 64, 64, 64], [64, 64, 3, 3], pad: 3)))
        XCTAssertFalse(Winograd.shouldUse(geo([1, 64, 8, 8], [64, 64, 3, 3])), "too few tiles for the GEMMs")
        XCTAssertTrue(Winograd.shouldUse(geo([4, 64, 8, 8], [64, 64, 3, 3])), "tiles of all images count")
        Winograd.mode = .never
        XCTAssertFalse(Winograd.shouldUse(geo([1, 64, 64, 64], [64, 64, 3, 3])))
    }
}
