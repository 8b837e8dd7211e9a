import Datasets
import Foundation
import Media
import XCTest

/// How well the classifier's flow channels (`OpticalFlow` on 64x64 SyncMNIST frames) measure each
/// digit's true per-frame offset: the intensity-weighted mean flow over the digit's stroke pixels
/// that no other digit's box covers, against the generator's offset (x 64/100), for every digit and
/// frame pair of 150 SyncMNIST-5 test clips (MNIST digits 8000-9999 when ../shared/data is there,
/// procedural digits otherwise). Prints the figures the README quotes, with the time per frame pair
/// (a printed measurement, not an assertion).
final class SyncMNISTFlowAccuracyTests: XCTestCase {
    func testWindowedFlowMeasuresDigitMotionBetter() throws {
        let mnistFolder = sharedDataFolder().appendingPathComponent("mnist")
        let sync: SyncMNIST
        let source: String
        if FileManager.default.fileExists(atPath: mnistFolder.appendingPathComponent("t10k-images-idx3-ubyte.gz").path) {
            sync = try SyncMNIST(digits: try MNIST(directory: mnistFolder), digitsPerClip: 5, split: .test, seed: 0)
            source = "MNIST"
        } else {
            sync = try SyncMNIST.procedural(digitsPerClip: 5, split: .test, seed: 0)
            source = "procedural"
        }
        var medians: [OpticalFlow.Warp: Float] = [:]
        for warp in OpticalFlow.Warp.allCases {
            var seconds = 0.0
            let errors = try XCTUnwrap(Self.digitFlowErrors(sync, clips: 150, flow: OpticalFlow(warp: warp), seconds: &seconds))
            let sorted = errors.sorted()
            let median = sorted[sorted.count / 2], p90 = sorted[sorted.count * 9 / 10]
            let off = Float(errors.filter { $0 > 1.5 }.count) / Float(errors.count)
            print(String(format: "SyncMNIST-5 flow (%@ digits, %@): %d digit-frames, median error %.3f px, p90 %.2f px, > 1.5 px %.1f %%; %.2f ms per 64x64 frame pair",
                         source, warp.rawValue, errors.count, median, p90, 100 * off, seconds / (150 * 9) * 1000))
            medians[warp] = median
        }
        XCTAssertLessThan(medians[.windowed]!, 0.15)
        XCTAssertLessThan(medians[.windowed]! * 2, medians[.pixelwise]!)
    }

    /// Per digit and frame pair t-1 -> t: |mean forward flow over the digit's own stroke pixels - true offset| in px.
    static func digitFlowErrors(_ sync: SyncMNIST, clips: Int, flow: OpticalFlow, seconds: inout Double) -> [Float]? {
        let s = 64, scale: Float = 0.64, side: Float = 28 * 0.64
        var errors: [Float] = []
        for i in 0..<clips {
            let frames = sync.clip(index: i).frames, layout = sync.layout(index: i)
            let n = layout.classes.count
            for t in 1..<frames.count {
                let current = frames[t].pixels.map { Float($0) / 255 }, previous = frames[t - 1].pixels.map { Float($0) / 255 }
                let start = Date()
                let (dx, dy) = flow.flow(from: current, to: previous, width: s, height: s)   // forward flow = -(dx, dy)
                seconds += Date().timeIntervalSince(start)
                let boxes = layout.positions[t].map { (Float($0.x) * scale, Float($0.y) * scale) }
                for d in 0..<n {
                    var sx: Float = 0, sy: Float = 0, sw: Float = 0
                    for y in Int(boxes[d].1)..<min(s, Int(boxes[d].1 + side)) {
                        for x in Int(boxes[d].0)..<min(s, Int(boxes[d].0 + side)) {
                            let covered = (0..<n).contains { e in
                                e != d && Float(x) >= boxes[e].0 - 1 && Float(x) < boxes[e].0 + side + 1
                                    && Float(y) >= boxes[e].1 - 1 && Float(y) < boxes[e].1 + side + 1
                            }
                            let weight = current[y * s + x]
                            if covered || weight < 0.3 { continue }
                            sx -= dx[y * s + x] * weight; sy -= dy[y * s + x] * weight; sw += weight
                        }
                    }
                    guard sw >= 3 else { continue }
                    let truth = layout.offsets[t][d]
                    let ex = sx / sw - Float(truth.x) * scale, ey = sy / sw - Float(truth.y) * scale
                    errors.append((ex * ex + ey * ey).squareRoot())
                }
            }
        }
        return errors.isEmpty ? nil : errors
    }
}
