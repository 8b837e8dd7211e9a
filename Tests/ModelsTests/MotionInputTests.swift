import Datasets
import XCTest
@testable import Models
import Tensors

/// The optional motion inputs of the clip classifiers (`previous_frame`, `flow`).
final class MotionInputTests: XCTestCase {
    /// With `flow: true` the backbone input carries, at the pixels of a digit away from the
    /// other digits, that digit's generated offset between frames (mean over its pixels, within 1 px),
    /// for two clips batched together (time-major rows); frame 0 has zero flow.
    func testFlowChannelsRecoverDigitOffsets() throws {
        let config = try tinyConfig(extraArchitecture: ", flow: true, previous_frame: true")
        XCTAssertEqual(config.architecture.backboneInputChannels, 4)
        let model = try XCTUnwrap(ModelFactory.make(config, seed: 1) as? RSTGClassifier)
        let data = try SyncMNIST.procedural(digitsPerClip: 3, split: .train, seed: 5)
        let b = 2, t = SyncMNIST.frameCount, plane = 64 * 64
        let batch = data.batch(indices: [3, 4])
        let input = model.backboneFrames(Tensor(batch.frames, shape: [b, t, 1, 64, 64]))
        XCTAssertEqual(input.shape, [t * b, 4, 64, 64])
        let x = input.data
        for row in 0..<b {   // frame 0: channels 2, 3 are zero
            XCTAssertTrue(x[(row * 4 + 2) * plane..<(row * 4 + 4) * plane].allSatisfy { $0 == 0 })
        }
        var checked = 0
        for clip in 0..<b {
            let layout = data.layout(index: [3, 4][clip])
            for frame in 1..<t {
                let row = frame * b + clip
                // Previous-frame channel equals the frame before.
                XCTAssertEqual(Array(x[(row * 4 + 1) * plane..<(row * 4 + 2) * plane]),
                               Array(batch.frames[(clip * t + frame - 1) * plane..<(clip * t + frame) * plane]))
                for slot in 0..<3 {
                    // The digit's 28x28 box on the 100 canvas, in 64-px frame coordinates, at t and t-1.
                    func box(_ f: Int, _ s: Int) -> (x0: Double, y0: Double, x1: Double, y1: Double) {
                        let p = layout.positions[f][s]
                        return (Double(p.x) * 0.64, Double(p.y) * 0.64, Double(p.x + 28) * 0.64, Double(p.y + 28) * 0.64)
                    }
                    // Ink pixels of this digit at t away from every other digit's box at t and t-1.
                    let others = (0..<3).filter { $0 != slot }.flatMap { [box(frame, $0), box(frame - 1, $0)] }
                    let bx = box(frame, slot)
                    var sx = 0.0, sy = 0.0, n = 0.0
                    for y in 0..<64 {
                        for xx in 0..<64 {
                            let (fx, fy) = (Double(xx) + 0.5, Double(y) + 0.5)
                            guard fx > bx.x0, fx < bx.x1, fy > bx.y0, fy < bx.y1 else { continue }
                            let near = others.contains { o in fx > o.x0 - 3 && fx < o.x1 + 3 && fy > o.y0 - 3 && fy < o.y1 + 3 }
                            let i = y * 64 + xx
                            guard !near, x[(row * 4) * plane + i] > 0.5 else { continue }
                            sx += Double(x[(row * 4 + 2) * plane + i]) * 8
                            sy += Double(x[(row * 4 + 3) * plane + i]) * 8
                            n += 1
                        }
                    }
                    guard n >= 15 else { continue }
                    let offset = layout.offsets[frame][slot]
                    XCTAssertEqual(sx / n, Double(offset.x) * 0.64, accuracy: 1.0, "clip \(clip) frame \(frame) slot \(slot) dx")
                    XCTAssertEqual(sy / n, Double(offset.y) * 0.64, accuracy: 1.0, "clip \(clip) frame \(frame) slot \(slot) dy")
                    checked += 1
                }
            }
        }
        XCTAssertGreaterThan(checked, 10, "enough isolated digits were checked")
        // The model runs on the 4-channel input.
        let logits = GradMode.disabled { model.logits(Tensor(batch.frames, shape: [b, t, 1, 64, 64])) }
        XCTAssertEqual(logits.shape, [b, 46])
    }
}
