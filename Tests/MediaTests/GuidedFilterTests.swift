import Foundation
import XCTest
@testable import Media

/// The colour guided filter against an independent NumPy implementation
/// (tools/reference/guided_filter_golden.py -> Fixtures/guided_filter.json), plus its defining properties.
final class GuidedFilterTests: XCTestCase {
    struct Fixture: Decodable {
        struct Case: Decodable { let radius: Int; let epsilon: Float; let subsample: Int; let output: [Float] }
        let width: Int, height: Int
        let pixels: [UInt8]
        let input: [Float]
        let box_radius: Int
        let box_mean: [Float]
        let cases: [Case]
    }

    func fixture() throws -> Fixture {
        let url = Bundle.module.resourceURL!.appendingPathComponent("Fixtures/guided_filter.json")
        return try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
    }

    func testBoxMeanMatchesReference() throws {
        let f = try fixture()
        let got = GuidedFilter.boxMean(f.input, width: f.width, height: f.height, radius: f.box_radius)
        for (g, e) in zip(got, f.box_mean) { XCTAssertEqual(g, e, accuracy: 1e-5) }
    }

    func testFilterMatchesReference() throws {
        let f = try fixture()
        let image = RGBImage(width: f.width, height: f.height, pixels: f.pixels)
        for c in f.cases {
            let got = GuidedFilter.fastFilter(guide: image, input: f.input, radius: c.radius, epsilon: c.epsilon, subsample: c.subsample)
            XCTAssertEqual(got.count, c.output.count)
            let worst = zip(got, c.output).map { abs($0 - $1) }.max() ?? .infinity
            XCTAssertLessThan(worst, 2e-4, "radius \(c.radius) epsilon \(c.epsilon) subsample \(c.subsample)")
        }
    }

    /// The fixture's map crosses the guide's colour edge blurred over several pixels: after filtering,
    /// the step across the edge must be sharper than before.
    func testFilterSharpensTheMapAtTheColourEdge() throws {
        let f = try fixture()
        let image = RGBImage(width: f.width, height: f.height, pixels: f.pixels)
        let q = GuidedFilter.fastFilter(guide: image, input: f.input, radius: 4, epsilon: 1e-3, subsample: 1)
        let edge = f.width / 2
        func step(_ m: [Float]) -> Float {
            (0..<f.height).map { y in m[y * f.width + edge - 1] - m[y * f.width + edge] }.reduce(0, +) / Float(f.height)
        }
        XCTAssertGreaterThan(step(q), step(f.input) + 0.1)
    }

    /// A constant map has zero covariance with the guide, so it comes back unchanged.
    func testConstantMapIsUnchanged() {
        var pixels = [UInt8](repeating: 0, count: 9 * 7 * 3)
        for i in pixels.indices { pixels[i] = UInt8((i * 37) % 256) }
        let image = RGBImage(width: 9, height: 7, pixels: pixels)
        let q = GuidedFilter.fastFilter(guide: image, input: [Float](repeating: 0.3, count: 63), radius: 2, epsilon: 1e-2, subsample: 1)
        for v in q { XCTAssertEqual(v, 0.3, accuracy: 1e-5) }
    }
}
