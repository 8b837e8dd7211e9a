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
        let (sync, source) = try Self.testClips()
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

    /// The cell motion `MotionAffinity` reads for the finest 4x4 cells (16 px, about one digit wide),
    /// measured two ways on the same 150 clips: the intensity-weighted mean of the windowed flow over
    /// the cell (`cell_motion: flow`) and the cell's block-matched displacement (`cell_motion:
    /// matching`). A cell's motion counts as right when it is within 1 px of the true offset of a digit
    /// whose box overlaps the cell; reported separately for cells one digit's box overlaps and cells
    /// two or more overlap (where the flow's mean blends the digits' motions). Prints the figures the
    /// README quotes.
    func testBlockMatchingMeasuresCellMotionBetter() throws {
        let (sync, source) = try Self.testClips()
        let s = 64, scale: Float = 0.64, side: Float = 28 * 0.64, cell = 16
        let flow = OpticalFlow(warp: .windowed)
        // [method][single, mixed] -> (right, total)
        var counts = [[(right: Int, total: Int)]](repeating: [(0, 0), (0, 0)], count: 2)
        for i in 0..<150 {
            let frames = sync.clip(index: i).frames, layout = sync.layout(index: i)
            for t in 1..<frames.count {
                let current = frames[t].pixels.map { Float($0) / 255 }, previous = frames[t - 1].pixels.map { Float($0) / 255 }
                let (dx, dy) = flow.flow(from: current, to: previous, width: s, height: s)   // forward flow = -(dx, dy)
                let matcher = BlockMatching(previous: previous, current: current, width: s, height: s, radius: 7)
                let boxes = layout.positions[t].map { (Float($0.x) * scale, Float($0.y) * scale) }
                for row in 0..<4 {
                    for col in 0..<4 {
                        let ys = (row * cell)..<((row + 1) * cell), xs = (col * cell)..<((col + 1) * cell)
                        var mass: Float = 0, mx: Float = 0, my: Float = 0
                        for y in ys { for x in xs { let w = current[y * s + x]; mass += w; mx -= w * dx[y * s + x]; my -= w * dy[y * s + x] } }
                        guard mass >= 5 else { continue }                      // a cell with some digit ink
                        let owners = boxes.indices.filter { d in
                            boxes[d].0 < Float(xs.upperBound) && boxes[d].0 + side > Float(xs.lowerBound)
                                && boxes[d].1 < Float(ys.upperBound) && boxes[d].1 + side > Float(ys.lowerBound)
                        }
                        guard !owners.isEmpty else { continue }
                        let truths = owners.map { SIMD2<Float>(Float(layout.offsets[t][$0].x), Float(layout.offsets[t][$0].y)) * scale }
                        let kind = owners.count == 1 ? 0 : 1
                        for (method, motion) in [SIMD2<Float>(mx / mass, my / mass), matcher.displacement(rows: ys, cols: xs)].enumerated() {
                            let right = truths.contains { t in let e = motion - t; return (e * e).sum() <= 1 }
                            counts[method][kind].right += right ? 1 : 0
                            counts[method][kind].total += 1
                        }
                    }
                }
            }
        }
        func rate(_ c: (right: Int, total: Int)) -> Double { Double(c.right) / Double(max(c.total, 1)) }
        for (method, name) in ["flow mean", "block matching"].enumerated() {
            print(String(format: "SyncMNIST-5 4x4 cell motion (%@ digits, %@): within 1 px of a digit's offset in %.1f %% of %d one-digit cells, %.1f %% of %d shared cells",
                         source, name, 100 * rate(counts[method][0]), counts[method][0].total, 100 * rate(counts[method][1]), counts[method][1].total))
        }
        XCTAssertGreaterThan(counts[0][1].total, 100)
        XCTAssertGreaterThan(rate(counts[1][1]), rate(counts[0][1]), "block matching must follow a digit in shared cells more often than the flow's mean")
    }

    /// SyncMNIST-5 test clips (seed 0) from MNIST digits 8000-9999 when ../shared/data is there,
    /// procedural digits otherwise, and which of the two.
    static func testClips() throws -> (SyncMNIST, String) {
        let mnistFolder = sharedDataFolder().appendingPathComponent("mnist")
        if FileManager.default.fileExists(atPath: mnistFolder.appendingPathComponent("t10k-images-idx3-ubyte.gz").path) {
            return (try SyncMNIST(digits: try MNIST(directory: mnistFolder), digitsPerClip: 5, split: .test, seed: 0), "MNIST")
        }
        return (try SyncMNIST.procedural(digitsPerClip: 5, split: .test, seed: 0), "procedural")
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
