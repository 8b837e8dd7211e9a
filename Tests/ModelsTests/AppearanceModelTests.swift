import XCTest
import Media
@testable import Models

/// The per-video colour model: histograms from confident pixels, log-odds table, refinement formula.
final class AppearanceModelTests: XCTestCase {
    /// A 4x2 frame: left half red, right half blue.
    func frame() -> RGBImage {
        var px: [UInt8] = []
        for _ in 0..<2 { for x in 0..<4 { px += x < 2 ? [250, 10, 10] : [10, 10, 250] } }
        return RGBImage(width: 4, height: 2, pixels: px)
    }

    /// The histogram bin of a colour: the top `bitsPerChannel` bits of each channel, red most significant.
    func bin(_ r: Int, _ g: Int, _ b: Int) -> Int {
        let bits = AppearanceModel.bitsPerChannel, s = 8 - bits
        return ((r >> s) << (2 * bits)) | ((g >> s) << bits) | (b >> s)
    }

    func testBinsKeepTheTopBitsOfEachChannel() {
        XCTAssertEqual(AppearanceModel.bins, 1 << (3 * AppearanceModel.bitsPerChannel))
        let px: [UInt8] = [250, 10, 130, 0, 255, 64]
        px.withUnsafeBufferPointer { p in
            XCTAssertEqual(AppearanceModel.bin(p, 0), bin(250, 10, 130))
            XCTAssertEqual(AppearanceModel.bin(p, 3), bin(0, 255, 64))
        }
        XCTAssertEqual(bin(255, 255, 255), AppearanceModel.bins - 1)
    }

    func testTableFavoursObjectColoursAndLeavesUnseenColoursAlone() {
        var model = AppearanceModel(weight: 2, stride: 1)
        let p: [Float] = [0.95, 0.9, 0.1, 0.2, 0.95, 0.6, 0.1, 0.5]    // red: 3 confident object, blue: 3 background
        XCTAssertEqual(model.logOddsTable(), [Float](repeating: 0, count: AppearanceModel.bins), "no evidence yet: no change")
        model.accumulate(image: frame(), probabilities: p)
        XCTAssertEqual(model.counts.foreground, 3)
        XCTAssertEqual(model.counts.background, 3)
        let table = model.logOddsTable()
        let red = bin(250, 10, 10), blue = bin(10, 10, 250), green = bin(10, 250, 10)
        let e = 1 / Double(AppearanceModel.bins)
        XCTAssertEqual(table[red], Float(2 * log((1 + e) / e)), accuracy: 1e-4)
        XCTAssertEqual(table[blue], Float(2 * log(e / (1 + e))), accuracy: 1e-4)
        XCTAssertEqual(table[green], 0)
    }

    func testRefineAddsTheColourLogOdds() {
        var table = [Float](repeating: 0, count: AppearanceModel.bins)
        table[bin(250, 10, 10)] = 1.5          // red
        table[bin(10, 10, 250)] = -0.5         // blue
        let p: [Float] = [0.5, 0.2, 0.5, 0.9, 0, 1, 0.3, 0.7]
        let refined = AppearanceModel.refine(image: frame(), probabilities: p, table: table)
        func expected(_ q: Float, _ t: Float) -> Float {
            let c = min(max(q, 1e-4), 1 - 1e-4)
            return 1 / (1 + exp(-(log(c / (1 - c)) + t)))
        }
        for i in 0..<8 {
            XCTAssertEqual(refined[i], expected(p[i], i % 4 < 2 ? 1.5 : -0.5), accuracy: 1e-5, "pixel \(i)")
        }
    }
}
