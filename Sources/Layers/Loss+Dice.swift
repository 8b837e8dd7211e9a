import Tensors

extension Loss {
    /// Soft Dice loss on probabilities (Milletari et al. 2016, V-Net), over all elements:
    /// L = 1 - (2 sum(p t) + eps) / (sum p + sum t + eps).
    /// Gradient: dL/dp_i = -(2 t_i D - N) / D^2 with N = 2 sum(p t) + eps, D = sum p + sum t + eps.
    /// - Parameters: probabilities (e.g. sigmoid outputs) and targets in [0, 1], same shape.
    public static func dice(_ probabilities: Tensor, _ targets: Tensor, eps: Float = 1) -> Tensor {
        precondition(probabilities.shape == targets.shape, "dice: probabilities \(probabilities.shape) vs targets \(targets.shape)")
        let p = probabilities.data, t = targets.data
        var intersection: Double = 0, sumP: Double = 0, sumT: Double = 0
        for i in 0..<p.count {
            intersection += Double(p[i] * t[i]); sumP += Double(p[i]); sumT += Double(t[i])
        }
        let numerator = 2 * intersection + Double(eps), denominator = sumP + sumT + Double(eps)
        let loss = Float(1 - numerator / denominator)
        let x = probabilities
        return Tensor.record(Tensor(scalar: loss), inputs: [x]) { g in
            let s = Double(g.item)
            x.accumulateGrad { dst in
                for i in 0..<dst.count {
                    dst[i] += Float(-s * (2 * Double(t[i]) * denominator - numerator) / (denominator * denominator))
                }
            }
        }
    }
}
