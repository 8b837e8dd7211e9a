import Foundation

/// Softmax and log-softmax over one axis, computed stably (max subtracted).
/// Backward: softmax dx = y * (g - sum(g * y)); log-softmax dx = g - softmax * sum(g).
extension Tensor {
    public func softmax(axis: Int = -1) -> Tensor { softmaxFamily(axis: axis, log: false) }
    public func logSoftmax(axis: Int = -1) -> Tensor { softmaxFamily(axis: axis, log: true) }

    private func softmaxFamily(axis: Int, log: Bool) -> Tensor {
        let ax = normalizedAxis(axis, op: log ? "logSoftmax" : "softmax")
        let layout = AxisLayout(shape: shape, axis: ax)
        let n = layout.extent, inner = layout.inner
        var out = Tensor.uninitializedStorage(count)
        data.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                let rowsPerRange = Swift.max(1, Parallel.elementwiseGrain / Swift.max(n * inner, 1))
                Parallel.forRanges(layout.outer, minPerRange: rowsPerRange) { outerRange in
                    for o in outerRange {
                        for i in 0..<inner {
                            let base = o * n * inner + i
                            var m = -Float.infinity
                            if inner == 1 {
                                m = FastMath.maximum(src.baseAddress! + base, count: n)
                            } else {
                                for k in 0..<n { m = Swift.max(m, src[base + k * inner]) }
                            }
                            var total: Float = 0
                            if inner == 1 {
                                total = FastMath.expShifted(src.baseAddress! + base, dst.baseAddress! + base, count: n, shift: m)
                            } else {
                                for k in 0..<n {
                                    let e = Foundation.exp(src[base + k * inner] - m)
                                    dst[base + k * inner] = e
                                    total += e
                                }
                            }
                            if log {
                                let logTotal = Foundation.log(total) + m
                                for k in 0..<n { dst[base + k * inner] = src[base + k * inner] - logTotal }
                            } else if inner == 1 {
                                FastMath.scale(dst.baseAddress! + base, count: n, by: 1 / total)
                            } else {
                                let inv = 1 / total
                                for k in 0..<n { dst[base + k * inner] *= inv }
                            }
                        }
                    }
                }
            }
        }
        let x = self
        let result = Tensor(out, shape: shape)
        return Tensor.record(result, inputs: [x]) { g in
            x.accumulateGrad { dst in
                g.data.withUnsafeBufferPointer { pg in
                    result.data.withUnsafeBufferPointer { py in
                        let rowsPerRange = Swift.max(1, Parallel.elementwiseGrain / Swift.max(n * inner, 1))
                        Parallel.forRanges(layout.outer, minPerRange: rowsPerRange) { outerRange in
                            for o in outerRange {
                                for i in 0..<inner {
                                    let base = o * n * inner + i
                                    if log {
                                        var gs: Float = 0
                                        for k in 0..<n { gs += pg[base + k * inner] }
                                        for k in 0..<n {
                                            let idx = base + k * inner
                                            dst[idx] += pg[idx] - Foundation.exp(py[idx]) * gs
                                        }
                                    } else {
                                        var dot: Float = 0
                                        for k in 0..<n { dot += pg[base + k * inner] * py[base + k * inner] }
                                        for k in 0..<n {
                                            let idx = base + k * inner
                                            dst[idx] += py[idx] * (pg[idx] - dot)
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
