/// Centred moving average of one frame stream's probability maps: frame t's map becomes the mean of
/// the maps of frames t - r ... t + r (truncated at the stream's ends),
///
///     p̃_t = (1 / |W_t|) Σ_{s ∈ W_t} p_s,   W_t = [t - r, t + r] ∩ [0, T - 1].
///
/// The primary object moves smoothly, while a from-scratch model's errors flicker from frame to frame;
/// averaging over ±2 frames lifted unseen DAVIS J by about 2 points (README, segmentation). Frames
/// come out `r` frames after they go in; the buffer holds at most 2r + 1 maps, whatever the length.
struct TemporalSmoother {
    let radius: Int
    /// The frames of the current window, consecutive; `buffer[0]` is frame `first`.
    private var buffer: [(index: Int, map: [Float])] = []
    /// Σ of the maps in `buffer` (kept as frames enter and leave: 3 passes per frame whatever r is).
    private var sum: [Float] = []
    private var first = 0
    /// Frames pushed so far, and the position of the next frame to emit.
    private var pushed = 0, nextOut = 0

    init(radius: Int) { self.radius = max(0, radius) }

    /// Adds the next frame's map (`index` is the caller's frame number); returns the frames whose
    /// window is now complete, in order.
    mutating func push(index: Int, map: [Float]) -> [(index: Int, map: [Float])] {
        if sum.isEmpty {
            sum = map
        } else {
            map.withUnsafeBufferPointer { m in
                sum.withUnsafeMutableBufferPointer { s in for i in s.indices { s[i] += m[i] } }
            }
        }
        buffer.append((index, map))
        pushed += 1
        var ready: [(index: Int, map: [Float])] = []
        while nextOut + radius < pushed {
            ready.append(emit(nextOut))
            nextOut += 1
        }
        return ready
    }

    /// The remaining frames, with windows truncated at the stream's end.
    mutating func flush() -> [(index: Int, map: [Float])] {
        var ready: [(index: Int, map: [Float])] = []
        while nextOut < pushed {
            ready.append(emit(nextOut))
            nextOut += 1
        }
        buffer = []
        sum = []
        first = pushed
        return ready
    }

    /// Drops frames before `position - radius` from the window, then returns the window's mean
    /// (the window then ends at the last frame pushed, `min(position + radius, pushed - 1)`).
    private mutating func emit(_ position: Int) -> (index: Int, map: [Float]) {
        while first < position - radius {
            let leaving = buffer.removeFirst().map
            leaving.withUnsafeBufferPointer { m in
                sum.withUnsafeMutableBufferPointer { s in for i in s.indices { s[i] -= m[i] } }
            }
            first += 1
        }
        let index = buffer[position - first].index
        if buffer.count == 1 { return (index, buffer[0].map) }
        let scale = 1 / Float(buffer.count)
        return (index, sum.map { $0 * scale })
    }
}
