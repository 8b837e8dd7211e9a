import XCTest
import Tensors
@testable import Layers

/// Optimizer trajectories against PyTorch on f(p) = sum(a (p - c)^2) / 2 + sum(p^3) / 10, state
/// round trips, clipping and schedules.
final class OptimizerTests: XCTestCase {
    private func trajectory(_ make: ([(name: String, tensor: Tensor)]) -> any Optimizer, steps: Int = 6) throws -> (Tensor, Fixture) {
        let f = try Fixture("optimizers")
        let a = f["input.a"], c = f["input.c"]
        let p = f.input("p0")
        let optimizer = make([("p", p)])
        var rows: [Float] = []
        for _ in 0..<steps {
            optimizer.zeroGrad()
            let loss = (a * (p - c) * (p - c)).sum() * 0.5 + (p * p * p).sum() * 0.1
            loss.backward()
            optimizer.step()
            rows += p.data
        }
        return (Tensor(rows, shape: [steps, p.count]), f)
    }

    func testSGDNesterovMomentumWeightDecay() throws {
        let (path, f) = try trajectory { SGD($0, .init(learningRate: 0.05, momentum: 0.9, nesterov: true, weightDecay: 0.01)) }
        assertClose(path, f["output.sgd"], atol: 1e-5, "sgd")
    }

    func testSGDMomentum() throws {
        let (path, f) = try trajectory { SGD($0, .init(learningRate: 0.05, momentum: 0.8)) }
        assertClose(path, f["output.sgd_plain"], atol: 1e-5, "sgd_plain")
    }

    func testAdam() throws {
        let (path, f) = try trajectory { Adam($0, .init(learningRate: 0.1, beta1: 0.9, beta2: 0.99, eps: 1e-6, weightDecay: 0.01)) }
        assertClose(path, f["output.adam"], atol: 1e-5, "adam")
    }

    func testAdamW() throws {
        let (path, f) = try trajectory { Adam($0, .adamW(learningRate: 0.1, beta1: 0.8, beta2: 0.95, eps: 1e-6, weightDecay: 0.1)) }
        assertClose(path, f["output.adamw"], atol: 1e-5, "adamw")
    }

    /// The SIMD path (16 lanes) and the tail loop: the 6-element problem tiled 7 times (42 elements)
    /// must follow PyTorch's trajectory in every copy.
    func testAdamVectorisedPathMatchesPyTorch() throws {
        let f = try Fixture("optimizers")
        func tiled(_ t: Tensor) -> Tensor { Tensor(Array([[Float]](repeating: t.data, count: 7).joined()), shape: [42]) }
        let a = tiled(f["input.a"]), c = tiled(f["input.c"])
        for (name, config) in [("adam", Adam.Config(learningRate: 0.1, beta1: 0.9, beta2: 0.99, eps: 1e-6, weightDecay: 0.01)),
                               ("adamw", .adamW(learningRate: 0.1, beta1: 0.8, beta2: 0.95, eps: 1e-6, weightDecay: 0.1))] {
            let p = tiled(f["input.p0"]); p.requiresGrad = true
            let optimizer = Adam([("p", p)], config)
            let expected = f["output." + name]
            for step in 0..<6 {
                optimizer.zeroGrad()
                ((a * (p - c) * (p - c)).sum() * 0.5 + (p * p * p).sum() * 0.1).backward()
                optimizer.step()
                for i in 0..<42 {
                    XCTAssertEqual(p.data[i], expected.data[step * 6 + i % 6], accuracy: 1e-5, "\(name) step \(step) element \(i)")
                }
            }
        }
    }

    /// Tensors above the threading threshold (split across workers) update like small ones.
    func testAdamThreadedPathMatchesSmallTensor() {
        let n = Adam.parallelThreshold + 37
        let values = (0..<n).map { Float($0 % 11) * 0.1 - 0.5 }, grads = (0..<n).map { Float($0 % 7) * 0.2 - 0.6 }
        let big = Tensor(values, shape: [n]), small = Tensor(Array(values[0..<77]), shape: [77])
        let optimizer = Adam([("big", big), ("small", small)], .adamW(learningRate: 0.1))
        for _ in 0..<3 {
            big.grad = Tensor(grads, shape: [n]); small.grad = Tensor(Array(grads[0..<77]), shape: [77])
            optimizer.step()
        }
        // Values and gradients repeat with period 77 = lcm(11, 7), so element i must equal small[i % 77].
        XCTAssertNotEqual(big.data[0], values[0])
        for i in stride(from: 0, to: n, by: 331) { XCTAssertEqual(big.data[i], small.data[i % 77], "element \(i)") }
        XCTAssertEqual(big.data[n - 1], small.data[(n - 1) % 77])
    }

    /// Three steps, save, three more on a fresh optimizer loaded from the state, equals six steps.
    func testStateRoundTripResumesExactly() throws {
        for kind in ["sgd", "adam"] {
            func make(_ ps: [(name: String, tensor: Tensor)]) -> any Optimizer {
                kind == "sgd" ? SGD(ps, .init(learningRate: 0.05, momentum: 0.9, nesterov: true))
                              : Adam(ps, .adamW(learningRate: 0.1))
            }
            func quadraticStep(_ p: Tensor, _ o: any Optimizer) {
                o.zeroGrad(); ((p - 1) * (p - 1) * p).sum().backward(); o.step()
            }
            let p1 = Tensor([0.3, -0.2, 0.9], shape: [3], requiresGrad: true)
            let o1 = make([("w", p1)])
            for _ in 0..<6 { quadraticStep(p1, o1) }

            let p2 = Tensor([0.3, -0.2, 0.9], shape: [3], requiresGrad: true)
            let o2 = make([("w", p2)])
            for _ in 0..<3 { quadraticStep(p2, o2) }
            let saved = o2.stateDict()
            XCTAssertEqual(Set(saved.keys), kind == "sgd" ? ["step", "w.momentum_buffer"] : ["step", "w.exp_avg", "w.exp_avg_sq"])
            let p3 = Tensor(p2.data, shape: [3], requiresGrad: true)
            let o3 = make([("w", p3)])
            try o3.load(stateDict: saved)
            XCTAssertEqual(o3.stepCount, 3)
            for _ in 0..<3 { quadraticStep(p3, o3) }
            XCTAssertEqual(p3.data, p1.data, kind)
            XCTAssertThrowsError(try o3.load(stateDict: ["step": Tensor(scalar: 1), "v.exp_avg": Tensor.zeros([3])])) {
                XCTAssertEqual($0 as? OptimizerError, .unknownState("v.exp_avg"))
            }
        }
    }

    func testClipByGlobalNorm() {
        let a = Tensor.zeros([2]), b = Tensor.zeros([1]), c = Tensor.zeros([1])
        a.grad = Tensor([3, 0], shape: [2]); b.grad = Tensor([4], shape: [1])
        let norm = GradientClipping.clipByGlobalNorm([a, b, c], maxNorm: 1)
        XCTAssertEqual(norm, 5, accuracy: 1e-6)
        XCTAssertEqual(a.grad!.data[0], 0.6, accuracy: 1e-5)
        XCTAssertEqual(b.grad!.data[0], 0.8, accuracy: 1e-5)
        XCTAssertEqual(GradientClipping.clipByGlobalNorm([a, b], maxNorm: 10), 1, accuracy: 1e-5)
        XCTAssertEqual(a.grad!.data[0], 0.6, accuracy: 1e-5)   // under the limit: unchanged
    }

    func testSchedules() {
        let poly = PolyLR(base: 0.1, totalSteps: 100, power: 0.9)
        XCTAssertEqual(poly(0), 0.1, accuracy: 1e-7)
        XCTAssertEqual(poly(50), 0.1 * powf(0.5, 0.9), accuracy: 1e-7)
        XCTAssertEqual(poly(100), 0)
        let cosine = CosineLR(base: 1, totalSteps: 110, warmupSteps: 10, minimum: 0.1)
        XCTAssertEqual(cosine(0), 0.1, accuracy: 1e-6)
        XCTAssertEqual(cosine(9), 1, accuracy: 1e-6)
        XCTAssertEqual(cosine(10), 1, accuracy: 1e-6)
        XCTAssertEqual(cosine(60), 0.55, accuracy: 1e-6)
        XCTAssertEqual(cosine(110), 0.1, accuracy: 1e-6)
        // Warm restarts at 110 and 150: the first cycle is the plain cosine above, step for step; the
        // second starts again at base * 0.5 and anneals to the minimum by 150, the third from 0.25.
        let restarts = CosineRestartsLR(base: 1, totalSteps: 250, restartSteps: [110, 150], restartScale: 0.5,
                                        warmupSteps: 10, minimum: 0.1)
        for s in 0..<110 { XCTAssertEqual(restarts(s), cosine(s), "step \(s)") }
        XCTAssertEqual(restarts(110), 0.5, accuracy: 1e-6)
        XCTAssertEqual(restarts(130), 0.1 + 0.4 * 0.5, accuracy: 1e-6)
        XCTAssertEqual(restarts(149), 0.1 + 0.4 * (1 + cosf(Float.pi * 39 / 40)) / 2, accuracy: 1e-6)
        XCTAssertEqual(restarts(150), 0.25, accuracy: 1e-6)
        XCTAssertEqual(restarts(200), 0.175, accuracy: 1e-6)
        XCTAssertEqual(restarts(250), 0.1, accuracy: 1e-6)
        let step = StepLR(base: 1, stepSize: 3, gamma: 0.5)
        XCTAssertEqual([0, 2, 3, 6, 8].map { step($0) }, [1, 1, 0.5, 0.25, 0.25])
    }
}
