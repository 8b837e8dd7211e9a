import Tensors

/// Loss functions: namespace for the fused and composite training objectives.
public enum Loss {
    /// How per-element losses combine into the result.
    public enum Reduction: String, Sendable, Codable {
        /// The average over elements (over non-ignored targets for cross-entropy).
        case mean
        /// The sum over elements.
        case sum
        /// No reduction: the per-element losses, shaped like the input.
        case none
    }

    /// Wraps per-element losses and their gradients (d loss_i / d x_i) into a reduced, recorded op.
    static func reduced(_ x: Tensor, losses: [Float], gradients: [Float], divisor: Int, reduction: Reduction) -> Tensor {
        switch reduction {
        case .none:
            return Tensor.record(Tensor(losses, shape: x.shape), inputs: [x]) { g in
                x.accumulateGrad { dst in for i in 0..<dst.count { dst[i] += g.data[i] * gradients[i] } }
            }
        case .sum, .mean:
            let scale: Float = reduction == .mean ? 1 / Float(Swift.max(divisor, 1)) : 1
            var total: Double = 0
            for value in losses { total += Double(value) }
            return Tensor.record(Tensor(scalar: Float(total) * scale), inputs: [x]) { g in
                let s = g.item * scale
                x.accumulateGrad { dst in for i in 0..<dst.count { dst[i] += s * gradients[i] } }
            }
        }
    }
}
