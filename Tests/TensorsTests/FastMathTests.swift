import Foundation
import XCTest
@testable import Tensors

/// The vectorised exp / sigmoid / tanh against libm over a dense sweep and the edge cases.
final class FastMathTests: XCTestCase {
    func sweep(_ f: (FastMath.Vector) -> FastMath.Vector, _ reference: (Double) -> Double,
               from low: Float, to high: Float, relative: Double, absolute: Double, label: String) {
        let count = 200_003
        let xs = (0..<count).map { low + (high - low) * Float($0) / Float(count - 1) }
        var ys = [Float](repeating: 0, count: count)
        xs.withUnsafeBufferPointer { src in
            ys.withUnsafeMutableBufferPointer { dst in FastMath.map(src.baseAddress!, dst.baseAddress!, count: count, f) }
        }
        var worst = 0.0, worstX: Float = 0
        for i in 0..<count {
            let r = reference(Double(xs[i]))
            let err = Swift.abs(Double(ys[i]) - r) / (Swift.abs(r) * relative + absolute)
            if err > worst { worst = err; worstX = xs[i] }
        }
        XCTAssertLessThanOrEqual(worst, 1, "\(label): worst at x = \(worstX)")
    }

    /// The 16-lane maximum (softmax's row max) equals the scalar one for every length and position.
    func testMaximum() {
        var g = RandomGenerator(seed: 21)
        for count in [1, 5, 15, 16, 17, 31, 32, 33, 100, 577] {
            let xs = Tensor.normal([count], std: 3, generator: &g).data
            for spike in [0, count / 2, count - 1] {
                var v = xs
                v[spike] = 100 + Float(count)
                XCTAssertEqual(v.withUnsafeBufferPointer { FastMath.maximum($0.baseAddress!, count: count) }, v.max()!, "count \(count), spike at \(spike)")
            }
            let negative = xs.map { -Swift.abs($0) - 1 }
            XCTAssertEqual(negative.withUnsafeBufferPointer { FastMath.maximum($0.baseAddress!, count: count) }, negative.max()!)
        }
        XCTAssertEqual([Float]().withUnsafeBufferPointer { FastMath.maximum($0.baseAddress ?? UnsafePointer(bitPattern: 8)!, count: 0) }, -.infinity)
    }

    func testExpAccuracy() {
        sweep(FastMath.exp, { Foundation.exp($0) }, from: -87, to: 88.7, relative: 3e-7, absolute: 0, label: "exp")
    }

    /// The softmax exponential (x <= 0, one exponent factor) keeps exp's accuracy down to its clamp.
    func testExpNonPositiveAccuracy() {
        sweep(FastMath.expNonPositive, { Foundation.exp($0) }, from: -87, to: 0, relative: 3e-7, absolute: 0, label: "expNonPositive")
        var v = FastMath.Vector(repeating: 0)
        let inputs: [Float] = [-.infinity, -200, -87.5, -87, -86.9, .nan, -1e-8, -0.0]
        for (i, x) in inputs.enumerated() { v[i] = x }
        let e = FastMath.expNonPositive(v)
        XCTAssertEqual(e[0], 0); XCTAssertEqual(e[1], 0); XCTAssertEqual(e[2], 0)
        XCTAssertEqual(e[3], Foundation.exp(-87), accuracy: Foundation.exp(-87) * 3e-7)
        XCTAssertEqual(e[4], Foundation.exp(-86.9), accuracy: Foundation.exp(-86.9) * 3e-7)
        XCTAssertTrue(e[5].isNaN); XCTAssertEqual(e[6], 1); XCTAssertEqual(e[7], 1)
    }

    /// `scale` multiplies every element, the 16-lane body and the scalar tail alike.
    func testScale() {
        for count in [0, 3, 16, 17, 40] {
            var xs = (0..<count).map { Float($0) - 7.5 }
            xs.withUnsafeMutableBufferPointer { FastMath.scale($0.baseAddress ?? UnsafeMutablePointer(bitPattern: 8)!, count: count, by: -0.25) }
            XCTAssertEqual(xs, (0..<count).map { (Float($0) - 7.5) * -0.25 }, "count \(count)")
        }
    }

    func testSigmoidAndTanhAccuracy() {
        sweep(FastMath.sigmoid, { 1 / (1 + Foundation.exp(-$0)) }, from: -30, to: 30, relative: 5e-7, absolute: 1e-30, label: "sigmoid")
        sweep(FastMath.tanh, { Foundation.tanh($0) }, from: -12, to: 12, relative: 5e-7, absolute: 1e-30, label: "tanh")
        sweep(FastMath.tanh, { Foundation.tanh($0) }, from: -0.1, to: 0.1, relative: 5e-7, absolute: 1e-30, label: "tanh near 0")
    }

    func testEdgeCases() {
        var v = FastMath.Vector(repeating: 0)
        let inputs: [Float] = [-.infinity, -200, -87.5, 0, 1, 89, .infinity, .nan, 100, -100, 1e-8, -1e-8, 20, -20, 0.5, -0.5]
        for (i, x) in inputs.enumerated() { v[i] = x }
        let e = FastMath.exp(v), s = FastMath.sigmoid(v), t = FastMath.tanh(v)
        XCTAssertEqual(e[0], 0); XCTAssertEqual(e[1], 0); XCTAssertEqual(e[3], 1)
        XCTAssertEqual(e[5], .infinity); XCTAssertEqual(e[6], .infinity); XCTAssertTrue(e[7].isNaN)
        XCTAssertEqual(s[0], 0); XCTAssertEqual(s[6], 1); XCTAssertEqual(s[3], 0.5); XCTAssertTrue(s[7].isNaN)
        XCTAssertEqual(s[8], 1); XCTAssertEqual(s[9], 0, accuracy: 1e-38)
        XCTAssertEqual(t[0], -1); XCTAssertEqual(t[6], 1); XCTAssertEqual(t[3], 0); XCTAssertTrue(t[7].isNaN)
        XCTAssertEqual(t[10], 1e-8); XCTAssertEqual(t[11], -1e-8); XCTAssertEqual(t[12], 1); XCTAssertEqual(t[13], -1)
        for i in 0..<16 where !inputs[i].isNaN && abs(inputs[i]) < 80 {
            XCTAssertEqual(e[i], Foundation.exp(inputs[i]), accuracy: Foundation.exp(inputs[i]) * 3e-7)
        }
    }
}
