import Foundation

/// Decodes videos on `jobs` background threads ahead of a consumer that takes results in input
/// order: at most `2 * jobs` decoded videos wait in memory (a bounded window), so decoding overlaps
/// inference without unbounded buffering.
public final class DecodePipeline: @unchecked Sendable {
    private let urls: [URL]
    private let sampler: ClipSampler
    private let window: Int
    private let condition = NSCondition()
    private var results: [Int: Result<[Float], Error>] = [:]
    private var nextToStart = 0
    private var consumed = 0

    public init(urls: [URL], sampler: ClipSampler, jobs: Int) {
        self.urls = urls
        self.sampler = sampler
        window = max(2 * jobs, 1)
        for _ in 0..<max(jobs, 1) {
            let thread = Thread { [weak self] in self?.work() }
            thread.stackSize = 4 << 20
            thread.start()
        }
    }

    private func work() {
        while true {
            condition.lock()
            while nextToStart < urls.count && nextToStart >= consumed + window { condition.wait() }
            guard nextToStart < urls.count else { condition.unlock(); return }
            let index = nextToStart
            nextToStart += 1
            condition.unlock()
            let result = Result { try sampler.sample(urls[index]) }
            condition.lock()
            results[index] = result
            condition.broadcast()
            condition.unlock()
        }
    }

    /// The decoded views of video `index` (blocks until ready); call with 0, 1, 2, ... in order.
    public func result(at index: Int) -> Result<[Float], Error> {
        condition.lock()
        defer { condition.unlock() }
        while results[index] == nil { condition.wait() }
        let r = results.removeValue(forKey: index)!
        consumed = index + 1
        condition.broadcast()
        return r
    }
}
