import Foundation
import XCTest
@testable import Datasets
import Media

final class SyntheticVOSTests: XCTestCase {
    func testMasksAreBinaryNonEmptyAndDeterministic() throws {
        let g = try SyntheticVOS(width: 96, height: 72, frameCount: 8, seed: 3)
        for index in 0..<3 {
            let (frames, masks) = g.clip(index: index)
            XCTAssertEqual(frames.count, 8)
            XCTAssertEqual(masks.count, 8)
            for (f, m) in zip(frames, masks) {
                XCTAssertEqual(f.width, 96); XCTAssertEqual(f.height, 72)
                XCTAssertEqual(m.width, 96); XCTAssertEqual(m.height, 72)
                XCTAssertTrue(m.pixels.allSatisfy { $0 == 0 || $0 == 255 })
                let fg = m.pixels.filter { $0 == 255 }.count
                XCTAssertGreaterThan(fg, 96 * 72 / 50, "object too small or missing")
                XCTAssertLessThan(fg, 96 * 72 / 2)
            }
            // The object moves or deforms: masks are not all identical.
            XCTAssertNotEqual(masks.first, masks.last)
        }
        let again = try SyntheticVOS(width: 96, height: 72, frameCount: 8, seed: 3).clip(index: 1)
        let first = g.clip(index: 1)
        XCTAssertEqual(again.frames, first.frames)
        XCTAssertEqual(again.masks, first.masks)
        XCTAssertNotEqual(try SyntheticVOS(width: 96, height: 72, frameCount: 8, seed: 4).clip(index: 1).masks, first.masks)
    }

    func testMaskFollowsTheObject() throws {
        // The object's texture is independent of the background: pixels just inside the mask edge
        // change when the object is moved, pixels far outside it do not (only lighting differs).
        let g = try SyntheticVOS(width: 96, height: 72, frameCount: 6, seed: 9)
        let (frames, masks) = g.clip(index: 0)
        for t in 1..<6 {
            // Mask and frame move together: where the mask changes between frames, the frame changes too.
            var changedMask = 0, changedBoth = 0
            for p in 0..<(96 * 72) where masks[t].pixels[p] != masks[t - 1].pixels[p] {
                changedMask += 1
                let d = (0..<3).map { abs(Int(frames[t].pixels[p * 3 + $0]) - Int(frames[t - 1].pixels[p * 3 + $0])) }.max()!
                if d > 0 { changedBoth += 1 }
            }
            if changedMask > 10 { XCTAssertGreaterThan(Double(changedBoth) / Double(changedMask), 0.9) }
        }
    }

    func testRejectsBadSizes() {
        XCTAssertThrowsError(try SyntheticVOS(width: 8, height: 240, seed: 0))
        XCTAssertThrowsError(try SyntheticVOS(width: 320, height: 240, frameCount: 0, seed: 0))
    }

    func testTextureCropsAreUsed() throws {
        var image = RGBImage(width: 64, height: 48)
        for k in 0..<(64 * 48) { image.pixels[k * 3] = 200; image.pixels[k * 3 + 1] = UInt8(k % 64 * 4); image.pixels[k * 3 + 2] = 10 }
        let g = try SyntheticVOS(width: 64, height: 48, frameCount: 2, seed: 1, textures: [image])
        let (frames, masks) = g.clip(index: 0)
        XCTAssertEqual(frames.count, 2)
        XCTAssertTrue(masks[0].pixels.contains(255))
    }
}
