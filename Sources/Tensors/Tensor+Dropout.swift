/// Inverted dropout: in training each element is zeroed with probability p and survivors are
/// scaled by 1 / (1 - p), so inference is the identity. Backward multiplies g by the same mask.
extension Tensor {
    public func dropout(p: Float, training: Bool, generator: inout RandomGenerator) -> Tensor {
        precondition(p >= 0 && p <= 1, "dropout: probability \(p) outside [0, 1]")
        if !training || p == 0 { return self }
        let scale: Float = p < 1 ? 1 / (1 - p) : 0
        var mask = [Float](repeating: 0, count: count)
        for i in 0..<mask.count { mask[i] = generator.nextUniform() >= p ? scale : 0 }
        var out = [Float](repeating: 0, count: count)
        data.withUnsafeBufferPointer { src in
            for i in 0..<out.count { out[i] = src[i] * mask[i] }
        }
        let x = self
        return Tensor.record(Tensor(out, shape: shape), inputs: [x]) { g in
            x.accumulateGrad { dx in
                g.data.withUnsafeBufferPointer { gp in for i in 0..<dx.count { dx[i] += gp[i] * mask[i] } }
            }
        }
    }
}
