import XCTest
@testable import Datasets

/// `SyncMNIST.overlapOversampling`: redraws that put a synchronous digit under another digit.
final class SyncMNISTOverlapTests: XCTestCase {
    private func generator(oversampling: Double) throws -> SyncMNIST {
        var g = try SyncMNIST.procedural(digitsPerClip: 3, split: .train, seed: 4, perClass: 2)
        g.overlapOversampling = oversampling
        return g
    }

    func testOverlapIsTheMeanBoxCoverageOfTheMostCoveredSynchronousDigit() {
        // Slot 0 at (0, 0) under slot 2 at (14, 0): (28 - 14) * 28 / 784 = 0.5 in frame 0; in frame 1
        // slot 2 is at (0, 21): 28 * 7 / 784 = 0.25. Mean 0.375. Slot 1 is far from both.
        let frames: [[SIMD2<Int>]] = [[SIMD2(0, 0), SIMD2(60, 60), SIMD2(14, 0)],
                                      [SIMD2(0, 0), SIMD2(60, 60), SIMD2(0, 21)]]
        var layout = SyncMNIST.Layout(classes: [1, 2, 3], digitIndices: [0, 0, 0], positions: frames,
                                      offsets: frames, synchronous: true, label: SyncMNIST.label(pair: 1, 2))
        XCTAssertEqual(SyncMNIST.synchronousOverlap(layout), 0.375, accuracy: 1e-12)
        layout.synchronous = false
        XCTAssertEqual(SyncMNIST.synchronousOverlap(layout), 0)
    }

    func testOversamplingOneMakesEverySynchronousClipOverlapped() throws {
        let plain = try generator(oversampling: 0), hard = try generator(oversampling: 1)
        var plainHard = 0, synchronous = 0
        for i in 0..<300 {
            let a = plain.layout(index: i), b = hard.layout(index: i)
            XCTAssertEqual(a, plain.drawLayout(index: i, attempt: 0), "probability 0 must be the protocol's clip")
            guard a.synchronous else { XCTAssertEqual(a, b, "a none clip is kept as drawn"); continue }
            synchronous += 1
            if SyncMNIST.synchronousOverlap(a) >= SyncMNIST.hardOverlap { plainHard += 1; XCTAssertEqual(a, b) }
            XCTAssertTrue(b.synchronous)
            XCTAssertGreaterThanOrEqual(SyncMNIST.synchronousOverlap(b), SyncMNIST.hardOverlap, "clip \(i)")
            XCTAssertEqual(b, hard.layout(index: i), "deterministic")
        }
        XCTAssertGreaterThan(synchronous, 280)
        // Without oversampling only a minority of clips is that overlapped (the change must matter).
        XCTAssertLessThan(plainHard, synchronous / 2)
        XCTAssertGreaterThan(plainHard, 0)
    }

    func testOversamplingHalfRedrawsSomeClipsAndKeepsTheRest() throws {
        let plain = try generator(oversampling: 0), half = try generator(oversampling: 0.5)
        var kept = 0, redrawn = 0
        for i in 0..<400 {
            let a = plain.layout(index: i), b = half.layout(index: i)
            if a == b { kept += 1; continue }
            redrawn += 1
            XCTAssertLessThan(SyncMNIST.synchronousOverlap(a), SyncMNIST.hardOverlap, "an overlapped clip is never redrawn")
            XCTAssertGreaterThanOrEqual(SyncMNIST.synchronousOverlap(b), SyncMNIST.hardOverlap)
        }
        // About half of the ~80 % not-yet-overlapped synchronous clips are redrawn.
        XCTAssertGreaterThan(redrawn, 100)
        XCTAssertLessThan(redrawn, 260)
        XCTAssertEqual(kept + redrawn, 400)
    }

    func testFramesFollowTheOversampledLayout() throws {
        let hard = try generator(oversampling: 1), plain = try generator(oversampling: 0)
        let i = (0..<50).first { hard.layout(index: $0) != plain.layout(index: $0) }!
        let a = hard.clipTensor(index: i), b = plain.clipTensor(index: i)
        XCTAssertEqual(a.label, hard.layout(index: i).label)
        XCTAssertNotEqual(a.frames, b.frames)
    }
}
