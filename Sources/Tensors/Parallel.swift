import Foundation

/// Splits loops over independent items into a few contiguous ranges run concurrently
/// (vidgraph targets 2-core machines). The one pool: large GEMMs are split over it too (`BLAS`).
enum Parallel {
    /// Number of concurrent ranges used by the element loops.
    nonisolated(unsafe) static var workers = Swift.max(1, Swift.min(2, ProcessInfo.processInfo.activeProcessorCount))

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

extension Parallel {
    /// Elementwise loops shorter than this run on one thread (thread hand-off costs more).
    static let elementwiseGrain = 32_768
}

/// A scratch buffer of Floats (uninitialised) borrowed from a small process-wide pool and returned
/// to it on deinit, so hot loops (im2col columns) do not page-fault fresh memory on every call.
final class ScratchBuffer {
    let pointer: UnsafeMutablePointer<Float>
    let count: Int
    private let capacity: Int

    /// Pooled blocks (capacity, pointer); at most `poolLimit` kept, the largest preferred.
    nonisolated(unsafe) private static var pool: [(Int, UnsafeMutablePointer<Float>)] = []
    private static let lock = NSLock()
    private static let poolLimit = 6

    init(count: Int) {
        self.count = count
        ScratchBuffer.lock.lock()
        // Smallest pooled block that fits.
        var best = -1
        for (i, block) in ScratchBuffer.pool.enumerated() where block.0 >= count {
            if best < 0 || block.0 < ScratchBuffer.pool[best].0 { best = i }
        }
        if best >= 0 {
            let block = ScratchBuffer.pool.remove(at: best)
            ScratchBuffer.lock.unlock()
            capacity = block.0
            pointer = block.1
        } else {
            ScratchBuffer.lock.unlock()
            capacity = Swift.max(count, 1)
            pointer = UnsafeMutablePointer<Float>.allocate(capacity: capacity)
        }
    }

    deinit {
        ScratchBuffer.lock.lock()
        ScratchBuffer.pool.append((capacity, pointer))
        var evicted: UnsafeMutablePointer<Float>?
        if ScratchBuffer.pool.count > ScratchBuffer.poolLimit {
            // Drop the smallest block.
            let smallest = ScratchBuffer.pool.indices.min { ScratchBuffer.pool[$0].0 < ScratchBuffer.pool[$1].0 }!
            evicted = ScratchBuffer.pool.remove(at: smallest).1
        }
        ScratchBuffer.lock.unlock()
        evicted?.deallocate()
    }
}

/// The number of threads vidgraph's tensor ops use (GEMM blocks and element loops share one pool;
/// OpenBLAS itself stays at one thread, see `BLAS`).
public enum ComputeThreads {
    /// Threads for GEMMs and for the parallel element loops (default: min(2, cores)).
    public static var count: Int {
        get { Parallel.workers }
        set {
            precondition(newValue >= 1, "ComputeThreads: \(newValue) threads")
            Parallel.workers = newValue
        }
    }

    /// Runs `body` over `0..<count` split into at most `ComputeThreads.count` contiguous ranges run
    /// concurrently (fewer than `minPerRange` items per range: on the calling thread), for element loops
    /// outside this module.
    public static func forRanges(_ count: Int, minPerRange: Int = 1, _ body: (Range<Int>) -> Void) {
        Parallel.forRanges(count, minPerRange: minPerRange, body)
    }

    /// Elementwise loops shorter than this run on one thread (thread hand-off costs more).
    public static var elementwiseGrain: Int { Parallel.elementwiseGrain }
}
