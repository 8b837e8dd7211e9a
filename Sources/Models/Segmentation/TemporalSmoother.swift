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
    /// The last frames pushed, consecutive; `buffer[0]` is frame `first`.
    private var buffer: [(index: Int, map: [Float])] = []
    private var first = 0
    /// Frames pushed so far, and the position of the next frame to emit.
    private var pushed = 0, nextOut = 0

    init(radius: Int) { self.radius = max(0, radius) }

    /// Adds the next frame's map (`index` is the caller's frame number); returns the frames whose
    /// window is now complete, in order.
    mutating func push(index: Int, map: [Float]) -> [(index: Int, map: [Float])] {
        buffer.append((index, map))
        pushed += 1
        var ready: [(index: Int, map: [Float])] = []
        while nextOut + radius < pushed {
            ready.append(emit(nextOut))
            nextOut += 1
        }
        let keepFrom = nextOut - radius
        if keepFrom > first {
            buffer.removeFirst(keepFrom - first)
            first = keepFrom
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
        first = pushed
        return ready
    }

    private func emit(_ position: Int) -> (index: Int, map: [Float]) {
        let lo = max(position - radius, first), hi = min(position + radius, pushed - 1)
        let centre = buffer[position - first]
        guard hi > lo else { return centre }
        var sum = buffer[lo - first].map
        for p in (lo + 1)...hi {
            let m = buffer[p - first].map
            for i in sum.indices { sum[i] += m[i] }
        }
        let scale = 1 / Float(hi - lo + 1)
        for i in sum.indices { sum[i] *= scale }
        return (centre.index, sum)
    }
}
