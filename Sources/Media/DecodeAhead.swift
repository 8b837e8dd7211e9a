import CFFmpeg
import Foundation

/// Decodes frames on a background thread, at most `capacity` frames ahead of the consumer, so that
/// conversion (and whatever the caller does with a frame) overlaps decoding. Memory stays bounded:
/// `capacity` decoded frames plus the decoder's own.
final class DecodeAhead {
    private let source: FrameSource
    private let condition = NSCondition()
    private var free: [OwnedFrame]
    private var ready: [OwnedFrame] = []
    private var ended = false
    private var stopping = false
    private var failure: Error?
    private var errors = 0
    private let done = DispatchSemaphore(value: 0)
    private var thread: Thread?

    init(source: FrameSource, capacity: Int = 2) {
        self.source = source
        free = (0..<max(1, capacity)).map { _ in OwnedFrame() }
        errors = source.decodeErrors
    }

    deinit {
        stop()
    }

    /// Decode errors seen by the source so far.
    var decodeErrors: Int {
        condition.lock()
        defer { condition.unlock() }
        return errors
    }

    /// Moves the next decoded frame into `dst` (unreferencing what it held); false at the end.
    func next(into dst: UnsafeMutablePointer<AVFrame>) throws -> Bool {
        if thread == nil { start() }
        condition.lock()
        defer { condition.unlock() }
        while ready.isEmpty && !ended { condition.wait() }
        if !ready.isEmpty {
            let slot = ready.removeFirst()
            av_frame_unref(dst)
            av_frame_move_ref(dst, slot.pointer)
            free.append(slot)
            condition.broadcast()
            return true
        }
        if let failure { throw failure }
        return false
    }

    /// Stops the thread (after the frame it is decoding) and drops the frames decoded ahead.
    func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        condition.unlock()
        if thread != nil {
            done.wait()
            thread = nil
        }
        for f in ready { av_frame_unref(f.pointer) }
        free += ready
        ready = []
    }

    private func start() {
        let t = Thread { [self] in self.run() }
        t.name = "vidgraph-decode"
        thread = t
        t.start()
    }

    private func run() {
        while true {
            condition.lock()
            while free.isEmpty && !stopping { condition.wait() }
            if stopping {
                condition.unlock()
                break
            }
            let slot = free.removeLast()
            condition.unlock()
            var got = false
            var error: Error?
            do { got = try source.decode(into: slot.pointer) } catch let e { error = e }
            condition.lock()
            errors = source.decodeErrors
            if got {
                ready.append(slot)
            } else {
                free.append(slot)
                ended = true
                failure = error
            }
            condition.broadcast()
            condition.unlock()
            if !got { break }
        }
        done.signal()
    }
}
