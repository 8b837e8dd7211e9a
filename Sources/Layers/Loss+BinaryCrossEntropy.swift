import Foundation
import Tensors

extension Loss {
    /// Binary cross-entropy on logits (PyTorch F.binary_cross_entropy_with_logits), fused and stable.
    ///
    /// l_i = w_i [(1 - t_i) x_i + (1 + (p - 1) t_i) (log(1 + e^{-|x_i|}) + max(-x_i, 0))], which equals
    /// -w_i [p t_i log sigma(x_i) + (1 - t_i) log(1 - sigma(x_i))] without overflow; p = `posWeight`
    /// (scales positive targets, e.g. the AGNN 1/positive-ratio weighting).
    /// Gradient: dl/dx = w [(1 - t) - (1 + (p - 1) t) (1 - sigma(x))].
    /// - Parameters: logits and targets share a shape; `weight` (optional) has the same shape.
    public static func binaryCrossEntropyWithLogits(_ logits: Tensor, _ targets: Tensor, posWeight: Float = 1,
                                                    weight: Tensor? = nil, reduction: Reduction = .mean) -> Tensor {
        precondition(logits.shape == targets.shape, "binaryCrossEntropyWithLogits: logits \(logits.shape) vs targets \(targets.shape)")
        precondition(weight == nil || weight!.shape == logits.shape, "binaryCrossEntropyWithLogits: weight \(weight!.shape) vs logits \(logits.shape)")
        let n = logits.count
        var losses = [Float](repeating: 0, count: n)
        var grads = [Float](repeating: 0, count: n)
        let x = logits.data, t = targets.data, w = weight?.data
        for i in 0..<n {
            let logWeight = 1 + (posWeight - 1) * t[i]
            let softplusNeg = Foundation.log1p(Foundation.exp(-Swift.abs(x[i]))) + Swift.max(-x[i], 0)   // -log sigma(x)
            let sigmoid = 1 / (1 + Foundation.exp(-x[i]))
            let wi = w?[i] ?? 1
            losses[i] = wi * ((1 - t[i]) * x[i] + logWeight * softplusNeg)
            grads[i] = wi * ((1 - t[i]) - logWeight * (1 - sigmoid))
        }
        return reduced(logits, losses: losses, gradients: grads, divisor: n, reduction: reduction)
    }
}
