import XCTest
@testable import Media

/// Pieces of the Lucas-Kanade flow against their definitions.
final class OpticalFlowTests: XCTestCase {
    /// The separable box sum equals the brute-force sum over the window clipped to the image.
    func testBoxSumMatchesBruteForce() {
        var seed: UInt32 = 11
        for (w, h, r) in [(13, 9, 2), (4, 7, 2), (1, 5, 1), (20, 3, 3), (6, 6, 0)] {
            let p = (0..<(w * h)).map { _ -> Float in seed = seed &* 1_664_525 &+ 1_013_904_223; return Float(seed >> 8) / Float(1 << 24) - 0.5 }
            let out = OpticalFlow.boxSum(p, w, h, r)
            for y in 0..<h {
                for x in 0..<w {
                    var expected: Double = 0
                    for yy in max(y - r, 0)..<min(y + r + 1, h) {
                        for xx in max(x - r, 0)..<min(x + r + 1, w) { expected += Double(p[yy * w + xx]) }
                    }
                    XCTAssertEqual(Double(out[y * w + x]), expected, accuracy: 1e-5, "\(w)x\(h) r \(r) at (\(x), \(y))")
                }
            }
        }
    }

    /// A smooth pattern shifted by (1.5, -0.75) px: the flow at interior pixels recovers the shift.
    func testRecoversSubpixelTranslation() {
        let w = 48, h = 40
        func pattern(_ x: Float, _ y: Float) -> Float { 0.5 + 0.25 * sin(x * 0.31) * cos(y * 0.27) + 0.2 * sin((x + y) * 0.13) }
        var a = [Float](repeating: 0, count: w * h), b = a
        for y in 0..<h {
            for x in 0..<w {
                a[y * w + x] = pattern(Float(x), Float(y))
                b[y * w + x] = pattern(Float(x) - 1.5, Float(y) + 0.75)   // content moved by (+1.5, -0.75)
            }
        }
        let (dx, dy) = OpticalFlow().flow(from: a, to: b, width: w, height: h)
        var sumX: Float = 0, sumY: Float = 0, count: Float = 0
        for y in 8..<(h - 8) {
            for x in 8..<(w - 8) { sumX += dx[y * w + x]; sumY += dy[y * w + x]; count += 1 }
        }
        XCTAssertEqual(sumX / count, 1.5, accuracy: 0.1)
        XCTAssertEqual(sumY / count, -0.75, accuracy: 0.1)
    }
}
