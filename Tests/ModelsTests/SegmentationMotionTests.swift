import Media
import XCTest
@testable import Models

/// Motion cues: Lucas-Kanade direction, robust global-motion removal.
final class SegmentationMotionTests: XCTestCase {
    /// A smooth random texture `[h * w]` sampled at (x - ox, y - oy).
    static func texture(_ w: Int, _ h: Int, ox: Float = 0, oy: Float = 0, seed: Float = 1, frequency f: Float = 1) -> [Float] {
        var out = [Float](repeating: 0, count: w * h)
        for y in 0..<h {
            for x in 0..<w {
                let u = (Float(x) - ox) * f, v = (Float(y) - oy) * f
                out[y * w + x] = 0.5 + 0.2 * sin(0.31 * u * seed + 0.7) * cos(0.23 * v + 0.2 * seed) + 0.15 * sin(0.17 * (u + v) + seed)
            }
        }
        return out
    }

    /// The row-wise bilinear resize equals `OpticalFlow.bilinear` at every pixel centre, bit for bit
    /// (down, up, and mixed; including the clamped borders).
    func testResizePlaneMatchesBilinearSamples() {
        var seed: UInt32 = 7
        for (w, h, w2, h2) in [(17, 9, 40, 23), (64, 48, 13, 11), (5, 5, 5, 9), (30, 1, 7, 3)] {
            let p = (0..<(w * h)).map { _ -> Float in seed = seed &* 1_664_525 &+ 1_013_904_223; return Float(seed >> 8) / Float(1 << 24) }
            let out = OpticalFlow.resizePlane(p, width: w, height: h, toWidth: w2, toHeight: h2)
            let sx = Float(w) / Float(w2), sy = Float(h) / Float(h2)
            for y in 0..<h2 {
                for x in 0..<w2 {
                    let expected = OpticalFlow.bilinear(p, w, h, (Float(x) + 0.5) * sx - 0.5, (Float(y) + 0.5) * sy - 0.5)
                    XCTAssertEqual(out[y * w2 + x], expected, "\(w)x\(h) -> \(w2)x\(h2) at (\(x), \(y))")
                }
            }
        }
    }

    func testTranslatingSquareFlowDirection() {
        let w = 64, h = 48
        // A textured square over a flat background moves by (+2, +1).
        func frame(_ dx: Float, _ dy: Float) -> [Float] {
            let tex = Self.texture(w, h, ox: dx, oy: dy, seed: 2)
            var out = [Float](repeating: 0.2, count: w * h)
            for y in 0..<h { for x in 0..<w {
                let u = Float(x) - dx, v = Float(y) - dy
                if u >= 20, u < 40, v >= 14, v < 34 { out[y * w + x] = tex[y * w + x] }
            } }
            return out
        }
        let (fx, fy) = OpticalFlow().flow(from: frame(0, 0), to: frame(2, 1), width: w, height: h)
        var sx: Float = 0, sy: Float = 0, n: Float = 0
        for y in 18..<30 { for x in 24..<36 { sx += fx[y * w + x]; sy += fy[y * w + x]; n += 1 } }
        XCTAssertEqual(sx / n, 2, accuracy: 0.4)
        XCTAssertEqual(sy / n, 1, accuracy: 0.4)
        // Far background is static.
        XCTAssertEqual(fx[2 * w + 2], 0, accuracy: 0.2)
    }

    func testGlobalAffineFitIgnoresOutliers() {
        let w = 40, h = 30
        var dx = [Float](repeating: 0, count: w * h), dy = dx
        for y in 0..<h { for x in 0..<w {
            let i = y * w + x
            dx[i] = 2 + 0.01 * Float(x); dy[i] = -1 + 0.02 * Float(y)
            if x >= 10, x < 20, y >= 10, y < 18 { dx[i] = 9; dy[i] = 7 }   // an independently moving object (~7 %)
        } }
        let g = GlobalMotion.fit(dx: dx, dy: dy, width: w, height: h, step: 1)
        XCTAssertEqual(g.u[0], 2, accuracy: 0.05)
        XCTAssertEqual(g.u[1], 0.01, accuracy: 0.003)
        XCTAssertEqual(g.v[0], -1, accuracy: 0.05)
        XCTAssertEqual(g.v[2], 0.02, accuracy: 0.003)
        let (rx, ry) = g.residual(dx: dx, dy: dy, width: w, height: h)
        XCTAssertEqual(rx[5 * w + 30], 0, accuracy: 0.05)
        XCTAssertEqual(ry[5 * w + 30], 0, accuracy: 0.05)
        XCTAssertGreaterThan(rx[14 * w + 15], 5)
    }

    func testPanIsRemovedFromCue() {
        let w = 64, h = 48, plane = w * h
        func rgb(_ g: [Float]) -> [Float] { g + g + g }
        // Camera pan by 2 px: residual cue ~ 0 everywhere.
        // Texture smooth enough for the half-resolution flow (no aliasing in the pyramid).
        let a = rgb(Self.texture(w, h, frequency: 0.5)), b = rgb(Self.texture(w, h, ox: 2, oy: 0, frequency: 0.5))
        let cue = MotionCue.fromFrames(previous: a, current: b, width: w, height: h)
        XCTAssertEqual(cue.count, 3 * plane)
        var meanMagnitude: Float = 0
        for y in 8..<(h - 8) { for x in 8..<(w - 8) { meanMagnitude += cue[2 * plane + y * w + x] } }
        meanMagnitude /= Float((h - 16) * (w - 16))
        XCTAssertLessThan(meanMagnitude, 0.15)
        // Raw flow of the pan is about 2 px (so the small cue comes from the removal, not from missing motion).
        let (fx, _) = OpticalFlow().flow(from: Self.texture(w, h, frequency: 0.5), to: Self.texture(w, h, ox: 2, frequency: 0.5), width: w, height: h)
        XCTAssertEqual(fx[24 * w + 32], 2, accuracy: 0.3)
        XCTAssertEqual(MotionCue.fromFrames(previous: nil, current: b, width: w, height: h), [Float](repeating: 0, count: 3 * plane))
    }

    /// `motion_warp: windowed` reaches the cue: a pan is removed as well, an object moving on the
    /// panning background keeps its residual motion, and an ensemble cannot mix the two flows.
    func testWindowedMotionWarpConfigAndCue() throws {
        let w = 64, h = 48, plane = w * h
        func rgb(_ g: [Float]) -> [Float] { g + g + g }
        let a = rgb(Self.texture(w, h, frequency: 0.5)), b = rgb(Self.texture(w, h, ox: 2, oy: 0, frequency: 0.5))
        let cue = MotionCue.fromFrames(previous: a, current: b, width: w, height: h, warp: .windowed)
        var meanMagnitude: Float = 0
        for y in 8..<(h - 8) { for x in 8..<(w - 8) { meanMagnitude += cue[2 * plane + y * w + x] } }
        XCTAssertLessThan(meanMagnitude / Float((h - 16) * (w - 16)), 0.15)
        XCTAssertNotEqual(cue, MotionCue.fromFrames(previous: a, current: b, width: w, height: h), "the two flows differ")

        func config(_ warp: String?) throws -> SegmentationConfig {
            try SegmentationConfig(yaml: """
            name: tiny-\(warp ?? "default")
            kind: framegraph
            input: {width: 32, height: 24, frames: 3}
            architecture: {backbone_widths: [4, 4, 8, 8], key_channels: 4, iterations: 1, motion: true\(warp.map { ", motion_warp: \($0)" } ?? "")}
            training: {epochs: 1, steps_per_epoch: 1}
            data: {davis: none, synthetic_clips: 1, synthetic_frames: 4}
            """, source: "tiny")
        }
        XCTAssertEqual(try config(nil).architecture.motionWarp, .pixelwise)
        XCTAssertEqual(try config("windowed").architecture.motionWarp, .windowed)
        XCTAssertThrowsError(try config("exact")) { error in
            XCTAssertTrue("\(error)".contains("motion_warp"), "\(error)")
        }
        let models = [FrameGraphSegmenter(config: try config(nil), seed: 1), FrameGraphSegmenter(config: try config("windowed"), seed: 1)]
        XCTAssertThrowsError(try VideoSegmenter(models: models)) { error in
            XCTAssertTrue((error as? LocalizedError)?.errorDescription?.contains("windowed") ?? false, "\(error)")
        }
    }
}
