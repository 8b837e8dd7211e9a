import Tensors

extension Loss {
    /// Mean absolute error (PyTorch F.l1_loss): l_i = |x_i - y_i|; dl/dx = sign(x - y) (0 at 0).
    public static func l1(_ prediction: Tensor, _ target: Tensor, reduction: Reduction = .mean) -> Tensor {
        precondition(prediction.shape == target.shape, "l1: prediction \(prediction.shape) vs target \(target.shape)")
        let p = prediction.data, t = target.data
        var losses = [Float](repeating: 0, count: p.count)
        var grads = [Float](repeating: 0, count: p.count)
        for i in 0..<p.count {
            let d = p[i] - t[i]
            losses[i] = Swift.abs(d)
            grads[i] = d > 0 ? 1 : (d < 0 ? -1 : 0)
        }
        return reduced(prediction, losses: losses, gradients: grads, divisor: p.count, reduction: reduction)
    }

    /// Mean squared error (PyTorch F.mse_loss): l_i = (x_i - y_i)^2; dl/dx = 2 (x - y).
    public static func mse(_ prediction: Tensor, _ target: Tensor, reduction: Reduction = .mean) -> Tensor {
        precondition(prediction.shape == target.shape, "mse: prediction \(prediction.shape) vs target \(target.shape)")
        let p = prediction.data, t = target.data
        var losses = [Float](repeating: 0, count: p.count)
        var grads = [Float](repeating: 0, count: p.count)
        for i in 0..<p.count {
            let d = p[i] - t[i]
            losses[i] = d * d
            grads[i] = 2 * d
        }
        return reduced(prediction, losses: losses, gradients: grads, divisor: p.count, reduction: reduction)
    }
}
