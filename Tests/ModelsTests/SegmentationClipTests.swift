import Media
import XCTest
@testable import Models

/// The model-input conversion of a frame equals the reference formula (each channel as floats in
/// [0, 1], then `OpticalFlow.resizePlane`) exactly, for down-, up- and same-size conversions.
final class SegmentationClipTests: XCTestCase {
    func testCHWMatchesPerChannelResizeExactly() {
        var state: UInt32 = 12345
        func byte() -> UInt8 { state = state &* 1_664_525 &+ 1_013_904_223; return UInt8(state >> 24) }
        for (w, h, w2, h2) in [(854, 480, 256, 144), (37, 23, 16, 9), (16, 9, 37, 23), (20, 10, 20, 10), (5, 7, 1, 1)] {
            let image = RGBImage(width: w, height: h, pixels: (0..<(w * h * 3)).map { _ in byte() })
            var reference: [Float] = []
            for c in 0..<3 {
                let plane = (0..<(w * h)).map { Float(image.pixels[3 * $0 + c]) / 255 }
                reference += OpticalFlow.resizePlane(plane, width: w, height: h, toWidth: w2, toHeight: h2)
            }
            XCTAssertEqual(SegmentationClip.chw(image, width: w2, height: h2), reference, "\(w)x\(h) -> \(w2)x\(h2)")
        }
    }
}
