import XCTest
@testable import Datasets

final class AreaResizeTests: XCTestCase {
    func testConstantStaysConstantAndMassIsKept() {
        let r = AreaResize(source: 100, target: 64)
        for i in 0..<64 {
            let row = r.weights[(i * r.maxTaps)..<((i + 1) * r.maxTaps)]
            XCTAssertEqual(row.reduce(0, +), 1, accuracy: 1e-5)
            XCTAssertGreaterThanOrEqual(r.first[i], 0)
            XCTAssertLessThanOrEqual(r.first[i] + r.maxTaps, 100)
        }
        var src = [Float](repeating: 0, count: 100 * 100)
        for y in 0..<100 { for x in 0..<100 { src[y * 100 + x] = Float((x * 7 + y * 13) % 256) } }
        var scratch = [Float](repeating: 0, count: 100 * 64), dst = [Float](repeating: 0, count: 64 * 64)
        src.withUnsafeBufferPointer { s in scratch.withUnsafeMutableBufferPointer { t in dst.withUnsafeMutableBufferPointer { d in
            r.square(s.baseAddress!, scratch: t.baseAddress!, into: d.baseAddress!)
        } } }
        // Mean intensity is preserved by an area filter (100 = 64 * 1.5625 exactly).
        XCTAssertEqual(dst.reduce(0, +) / 4096, src.reduce(0, +) / 10000, accuracy: 1e-2)
        // Output pixel (0, 0) is the mean over source [0, 1.5625)^2.
        let w: [Float] = [1, 0.5625]
        var expected: Float = 0
        for y in 0..<2 { for x in 0..<2 { expected += src[y * 100 + x] * w[x] * w[y] } }
        XCTAssertEqual(dst[0], expected / (1.5625 * 1.5625), accuracy: 1e-3)
        // Last pixel covers [98.4375, 100).
        let v: [Float] = [0.5625, 1]
        expected = 0
        for y in 0..<2 { for x in 0..<2 { expected += src[(98 + y) * 100 + 98 + x] * v[x] * v[y] } }
        XCTAssertEqual(dst[4095], expected / (1.5625 * 1.5625), accuracy: 1e-3)
    }
}
