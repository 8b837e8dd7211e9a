import Tensors

/// Gradient clipping by global norm (PyTorch torch.nn.utils.clip_grad_norm_).
public enum GradientClipping {
    /// Scales all gradients by min(1, maxNorm / (||g|| + 1e-6)), ||g|| the L2 norm over every gradient
    /// together; returns ||g|| before clipping. Parameters without a gradient are ignored.
    @discardableResult
    public static func clipByGlobalNorm(_ parameters: [Tensor], maxNorm: Float) -> Float {
        var total: Double = 0
        for p in parameters {
            guard let g = p.grad else { continue }
            g.data.withUnsafeBufferPointer { pg in
                var s: Float = 0
                for x in pg { s += x * x }
                total += Double(s)
            }
        }
        let norm = Float(total.squareRoot())
        let coefficient = maxNorm / (norm + 1e-6)
        if coefficient < 1 {
            for p in parameters { p.grad?.withMutableData { g in for i in g.indices { g[i] *= coefficient } } }
        }
        return norm
    }
}
