import XCTest
@testable import Models

/// MaskMedianFilter against a direct median of each reflected window (SciPy's `median_filter`,
/// mode "reflect": d c b a | a b c d | d c b a).
final class MaskMedianFilterTests: XCTestCase {
    func naiveMedian(_ mask: [UInt8], width w: Int, height h: Int, radius r: Int) -> [UInt8] {
        func reflect(_ i: Int, _ n: Int) -> Int {
            var k = i
            while k < 0 || k >= n { k = k < 0 ? -k - 1 : 2 * n - 1 - k }
            return k
        }
        var out = [UInt8](repeating: 0, count: w * h)
        for y in 0..<h {
            for x in 0..<w {
                var values: [UInt8] = []
                for dy in -r...r { for dx in -r...r { values.append(mask[reflect(y + dy, h) * w + reflect(x + dx, w)] != 0 ? 255 : 0) } }
                values.sort()
                out[y * w + x] = values[values.count / 2]
            }
        }
        return out
    }

    func testMatchesDirectMedianWithReflectedBorders() {
        var state: UInt64 = 12345
        func next() -> Double { state = state &* 6364136223846793005 &+ 1442695040888963407; return Double(state >> 11) / Double(1 << 53) }
        for (w, h, r) in [(17, 11, 1), (17, 11, 2), (23, 9, 4), (8, 8, 7), (30, 20, 5)] {
            // Blobs plus salt-and-pepper noise.
            var mask = [UInt8](repeating: 0, count: w * h)
            for y in 0..<h { for x in 0..<w {
                let blob = (Double(x) - Double(w) / 2) * (Double(x) - Double(w) / 2) + (Double(y) - Double(h) / 3) * (Double(y) - Double(h) / 3) < Double(w * h) / 8
                mask[y * w + x] = (blob != (next() < 0.15)) ? 255 : 0
            } }
            let fast = MaskMedianFilter.apply(mask, width: w, height: h, radius: r)
            XCTAssertEqual(fast, naiveMedian(mask, width: w, height: h, radius: r), "\(w)x\(h) radius \(r)")
        }
    }

    func testRemovesSpecklesKeepsBlobsAndRadiusZeroIsIdentity() {
        let w = 40, h = 30
        var mask = [UInt8](repeating: 0, count: w * h)
        for y in 10..<20 { for x in 10..<25 { mask[y * w + x] = 255 } }   // a 15 x 10 object
        mask[3 * w + 33] = 255                                           // an isolated speckle
        mask[15 * w + 17] = 0                                            // a pin-hole in the object
        let out = MaskMedianFilter.apply(mask, width: w, height: h, radius: 2)
        XCTAssertEqual(out[3 * w + 33], 0)
        XCTAssertEqual(out[15 * w + 17], 255)
        XCTAssertEqual(out[12 * w + 12], 255)
        XCTAssertEqual(MaskMedianFilter.apply(mask, width: w, height: h, radius: 0), mask)
        XCTAssertEqual(MaskMedianFilter.defaultRadius(height: 480), 5)
        XCTAssertEqual(MaskMedianFilter.defaultRadius(height: 1080), 11)
    }
}
