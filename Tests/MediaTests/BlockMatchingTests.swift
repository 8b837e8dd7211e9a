import XCTest
@testable import Media

/// Block matching: whole-pixel and sub-pixel shifts of a smooth pattern, shifts larger than a
/// 5x5 Lucas-Kanade window sees, and the zero shift for a patch with nothing to match.
final class BlockMatchingTests: XCTestCase {
    /// A 48x48 plane with two Gaussian blobs (sigma 2.5 px) centred at (cx, cy) and (cx + 6, cy + 3).
    func plane(_ cx: Float, _ cy: Float) -> [Float] {
        var p = [Float](repeating: 0, count: 48 * 48)
        for y in 0..<48 {
            for x in 0..<48 {
                for (bx, by) in [(cx, cy), (cx + 6, cy + 3)] {
                    let d2 = (Float(x) - bx) * (Float(x) - bx) + (Float(y) - by) * (Float(y) - by)
                    p[y * 48 + x] += exp(-d2 / (2 * 2.5 * 2.5))
                }
            }
        }
        return p
    }

    func testRecoversWholeAndSubPixelShifts() {
        for (dx, dy) in [(3.0, -5.0), (-6.0, 6.0), (2.5, 0.0), (-1.3, 3.6), (0.0, 0.0)] as [(Float, Float)] {
            let s = BlockMatching.displacement(previous: plane(20, 20), current: plane(20 + dx, 20 + dy), width: 48, height: 48,
                                               rows: 12..<36, cols: 12..<36, radius: 7)
            XCTAssertEqual(s.x, dx, accuracy: 0.2, "shift (\(dx), \(dy))")
            XCTAssertEqual(s.y, dy, accuracy: 0.2, "shift (\(dx), \(dy))")
        }
    }

    func testEmptyPatchDoesNotMove() {
        let empty = [Float](repeating: 0, count: 48 * 48)
        let s = BlockMatching.displacement(previous: empty, current: empty, width: 48, height: 48, rows: 0..<16, cols: 0..<16, radius: 7)
        XCTAssertEqual(s, SIMD2<Float>(0, 0))
    }

    /// Near the border the search compares with the zero padding outside the plane: a blob 7 px from the
    /// left edge that moved right by 6 px (the patch's first columns, outside the previous plane under
    /// that shift, are dark) is found at +6.
    func testShiftAtTheBorder() {
        let s = BlockMatching.displacement(previous: plane(7, 20), current: plane(13, 20), width: 48, height: 48,
                                           rows: 10..<30, cols: 0..<16, radius: 7)
        XCTAssertEqual(s.x, 6, accuracy: 0.2)
        XCTAssertEqual(s.y, 0, accuracy: 0.2)
    }
}
