import Tensors

extension FrameGraphSegmenter {
    /// `count` reference frame indices spread evenly over a video of `frameCount` frames
    /// (centres of equal segments; deterministic).
    public static func referenceIndices(frameCount: Int, count: Int) -> [Int] {
        guard frameCount > 0, count > 0 else { return [] }
        return (0..<count).map { k in min(frameCount - 1, Int((Double(k) + 0.5) * Double(frameCount) / Double(count))) }
    }

    /// Probabilities `[H/8*8 ... ]`: the foreground probability `[H, W]` (input resolution) of a frame
    /// whose node state is `current` `[1, C, h, w]`, in a graph with the reference states
    /// `references` `[N-1, C, h, w]` (may be nil for N = 1). Runs without the tape.
    public func probabilities(current: Tensor, references: Tensor?, height: Int, width: Int) -> [Float] {
        GradMode.disabled {
            let nodes = references.map { Tensor.concat([current, $0], axis: 0) } ?? current   // [N, C, h, w]
            let logits = graphLogits(nodes).slice(axis: 0, start: 0, end: 1)                  // [1, 1, h, w]
            return logits.upsampleBilinear(size: (height, width)).sigmoid().data               // [H * W]
        }
    }

    /// Node states of input frames `[N, C_in, H, W]` without the tape.
    public func encodeNoGrad(_ x: Tensor) -> Tensor { GradMode.disabled { encode(x) } }
}
