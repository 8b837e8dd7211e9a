import XCTest
@testable import Datasets

final class DigitAugmentationTests: XCTestCase {
    /// A 28x28 test image with distinct, asymmetric values.
    func pattern() -> [UInt8] {
        (0..<784).map { (k: Int) -> UInt8 in
            let value: Int = (k * 37 + (k / 28) * 11) % 251
            return UInt8(value)
        }
    }

    func warp(_ image: [UInt8], _ m: (a: Double, b: Double, c: Double, d: Double)) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 784)
        image.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in DigitAugmentation.warp(src.baseAddress!, into: dst.baseAddress!, matrix: m) }
        }
        return out
    }

    func testIdentityMatrixCopiesTheImage() {
        let image = pattern()
        XCTAssertEqual(warp(image, (1, 0, 0, 1)), image)
    }

    /// A quarter turn about the centre (13.5, 13.5) maps pixel centres onto pixel centres:
    /// p_out = c + R(90°)(p_in - c), i.e. (x, y) -> (27 - y, x), with no interpolation.
    func testQuarterTurnMovesPixelsExactly() {
        let image = pattern()
        let out = warp(image, (0, -1, 1, 0))
        for y in 0..<28 { for x in 0..<28 {
            XCTAssertEqual(out[x * 28 + (27 - y)], image[y * 28 + x], "pixel (\(x), \(y))")
        } }
    }

    /// A translation-free scale by 2 samples the source at (c + (p - c) / 2): the centre 14x14 block
    /// fills the image, each source pixel's value reached at the output pixels that land on it.
    func testMagnificationSamplesTheCentre() {
        var image = [UInt8](repeating: 0, count: 784)
        image[13 * 28 + 13] = 200   // one bright pixel left-above the centre
        let out = warp(image, (2, 0, 0, 2))
        // Output (12, 12) samples source (12.75, 12.75): 0.75 x 0.75 of the bright pixel's weight;
        // the far corner stays dark.
        XCTAssertEqual(out[12 * 28 + 12], UInt8((200 * 0.75 * 0.75).rounded()))
        XCTAssertEqual(out[0], 0)
        XCTAssertGreaterThan(out.map(Int.init).reduce(0, +), 200)
    }

    func testDrawnMatricesStayInTheirRanges() {
        let augmentation = DigitAugmentation(rotationDegrees: 10, scale: 0.1, shear: 0.2)
        var rng = SeededRandom(seed: 5)
        var determinants = [Double]()
        for _ in 0..<500 {
            let m = augmentation.drawMatrix(&rng)
            determinants.append(m.a * m.d - m.b * m.c)   // rotation and shear keep area: det = s^2
        }
        XCTAssertGreaterThanOrEqual(determinants.min()!, 0.81 - 1e-9)
        XCTAssertLessThanOrEqual(determinants.max()!, 1.21 + 1e-9)
        XCTAssertGreaterThan(determinants.max()! - determinants.min()!, 0.2)   // really random
        XCTAssertTrue(DigitAugmentation().isIdentity)
        XCTAssertFalse(augmentation.isIdentity)
    }

    /// Augmented clips keep the layout (positions, label), change the pixels, stay deterministic, and
    /// keep about the same ink; an identity augmentation changes nothing.
    func testSyncMNISTClipsWithAugmentation() throws {
        let plain = try SyncMNIST.procedural(digitsPerClip: 3, split: .train, seed: 4, perClass: 3)
        var augmented = plain
        augmented.augmentation = DigitAugmentation(rotationDegrees: 15, scale: 0.1, shear: 0.2)
        var identity = plain
        identity.augmentation = DigitAugmentation()
        for index in [0, 9, 1234] {
            XCTAssertEqual(augmented.layout(index: index), plain.layout(index: index))
            let a = augmented.clipTensor(index: index), p = plain.clipTensor(index: index)
            XCTAssertEqual(a.label, p.label)
            XCTAssertNotEqual(a.frames, p.frames)
            XCTAssertEqual(augmented.clipTensor(index: index).frames, a.frames)
            XCTAssertEqual(identity.clipTensor(index: index).frames, p.frames)
            let inkA = a.frames.reduce(0, +), inkP = p.frames.reduce(0, +)
            XCTAssertEqual(inkA / inkP, 1, accuracy: 0.35, "clip \(index): ink \(inkA) against \(inkP)")
        }
    }
}
