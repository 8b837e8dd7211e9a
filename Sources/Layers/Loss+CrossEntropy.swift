import Foundation
import Tensors

extension Loss {
    /// Cross-entropy from logits with integer targets and label smoothing (PyTorch F.cross_entropy), fused.
    ///
    /// With log-probabilities lp = logSoftmax(x) over the C classes and smoothing e:
    /// l_n = -(1 - e) lp[n, t_n] - (e / C) sum_c lp[n, c]. Targets equal to `ignoreIndex` contribute
    /// nothing; `.mean` divides by the number of non-ignored targets.
    /// Gradient: dl/dx[n, c] = softmax(x)[n, c] - (1 - e) [c == t_n] - e / C.
    /// - Parameters: logits `[N, C]` with `N` class indices, or `[N, C, d1, ...]` (per-pixel classes,
    ///   as PyTorch) with `N * d1 * ...` targets in row-major `[N, d1, ...]` order; `.none` then returns `[N, d1, ...]`.
    public static func crossEntropy(_ logits: Tensor, targets: [Int], labelSmoothing: Float = 0,
                                    ignoreIndex: Int = -100, reduction: Reduction = .mean) -> Tensor {
        if logits.rank > 2 {
            let classes = logits.shape[1]
            let rows = logits.permuted([0] + Array(2..<logits.rank) + [1]).reshaped([-1, classes])   // [N*d1*..., C]
            let loss = crossEntropy(rows, targets: targets, labelSmoothing: labelSmoothing, ignoreIndex: ignoreIndex,
                                    reduction: reduction)
            return reduction == .none ? loss.reshaped([logits.shape[0]] + Array(logits.shape.dropFirst(2))) : loss
        }
        precondition(logits.rank == 2 && logits.shape[0] == targets.count,
                     "crossEntropy: logits \(logits.shape) do not match \(targets.count) targets")
        let rows = logits.shape[0], classes = logits.shape[1]
        var losses = [Float](repeating: 0, count: rows)
        var grads = [Float](repeating: 0, count: logits.count)
        var counted = 0
        let e = labelSmoothing, uniform = labelSmoothing / Float(classes)
        logits.data.withUnsafeBufferPointer { x in
            for n in 0..<rows {
                let target = targets[n]
                if target == ignoreIndex { continue }
                precondition(target >= 0 && target < classes, "crossEntropy: target \(target) out of range 0..<\(classes)")
                counted += 1
                let base = n * classes
                var maxValue = -Float.infinity
                for c in 0..<classes { maxValue = Swift.max(maxValue, x[base + c]) }
                var sumExp: Float = 0
                for c in 0..<classes { sumExp += Foundation.exp(x[base + c] - maxValue) }
                let logZ = maxValue + Foundation.log(sumExp)
                var sumLogP: Float = 0
                for c in 0..<classes {
                    let lp = x[base + c] - logZ
                    sumLogP += lp
                    grads[base + c] = Foundation.exp(lp) - uniform - (c == target ? 1 - e : 0)
                }
                losses[n] = -(1 - e) * (x[base + target] - logZ) - uniform * sumLogP
            }
        }
        switch reduction {
        case .none:
            return Tensor.record(Tensor(losses, shape: [rows]), inputs: [logits]) { g in
                logits.accumulateGrad { dst in
                    for n in 0..<rows { for c in 0..<classes { dst[n * classes + c] += g.data[n] * grads[n * classes + c] } }
                }
            }
        case .sum, .mean:
            let scale: Float = reduction == .mean ? 1 / Float(Swift.max(counted, 1)) : 1
            let total = losses.reduce(0, +) * scale
            return Tensor.record(Tensor(scalar: total), inputs: [logits]) { g in
                let s = g.item * scale
                logits.accumulateGrad { dst in for i in 0..<dst.count { dst[i] += s * grads[i] } }
            }
        }
    }
}
