import Foundation

/// Splits loops over independent items into a few contiguous ranges run concurrently
/// (vidgraph targets 2-core machines; OpenBLAS handles its own threads).
enum Parallel {
    /// Number of concurrent ranges used by the element loops.
    static let workers = Swift.max(1, Swift.min(2, ProcessInfo.processInfo.activeProcessorCount))

    /// Runs `body` over `0..<count` split into at most `workers` ranges; ranges of fewer than
    /// `minPerRange` items run on the calling thread.
    @inline(__always)
    static func forRanges(_ count: Int, minPerRange: Int = 1, _ body: (Range<Int>) -> Void) {
        let pieces = Swift.min(workers, count / Swift.max(minPerRange, 1))
        if pieces <= 1 {
            if count > 0 { body(0..<count) }
            return
        }
        DispatchQueue.concurrentPerform(iterations: pieces) { t in
            body((count * t / pieces)..<(count * (t + 1) / pieces))
        }
    }
}

/// A scratch buffer of Floats, uninitialised, freed when it goes out of scope.
final class ScratchBuffer {
    let pointer: UnsafeMutablePointer<Float>
    let count: Int

    init(count: Int) {
        self.count = count
        pointer = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(count, 1))
    }

    deinit { pointer.deallocate() }
}
