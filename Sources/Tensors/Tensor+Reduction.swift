/// Reductions over axes: sum, mean, max. Backward of sum broadcasts g back; of mean divides by the
/// count; of max routes g to the (first) arg-max.
extension Tensor {
    /// Sum over `axes` (all axes when nil). `keepDims` keeps reduced axes with extent 1.
    public func sum(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        let axisSet = Set((axes ?? Array(0..<rank)).map { normalizedAxis($0, op: "sum") })
        let keptShape = shape.enumerated().map { axisSet.contains($0.offset) ? 1 : $0.element }
        let outShape = keepDims ? keptShape : shape.enumerated().filter { !axisSet.contains($0.offset) }.map(\.element)
        let reduced = Broadcasting.reduce(data, from: shape, to: keptShape)
        let x = self
        return Tensor.record(Tensor(reduced, shape: outShape), inputs: [x]) { g in
            // Broadcast g (kept shape) back to x's shape.
            let expanded = Tensor(g.data, shape: keptShape)
            let ones = Tensor.zeros(x.shape)
            x.accumulateGrad(Tensor.binary(ones, expanded, .add, op: "sum.backward").data)
        }
    }

    /// Sum over one axis.
    public func sum(axis: Int, keepDims: Bool = false) -> Tensor { sum(axes: [axis], keepDims: keepDims) }

    /// Mean over `axes` (all axes when nil).
    public func mean(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        let axisList = (axes ?? Array(0..<rank)).map { normalizedAxis($0, op: "mean") }
        let n = Set(axisList).reduce(1) { $0 * shape[$1] }
        return sum(axes: axisList, keepDims: keepDims) * (1 / Float(Swift.max(n, 1)))
    }

    /// Mean over one axis.
    public func mean(axis: Int, keepDims: Bool = false) -> Tensor { mean(axes: [axis], keepDims: keepDims) }

    /// Maximum over one axis; the gradient flows to the first maximal element.
    public func max(axis: Int, keepDims: Bool = false) -> Tensor {
        let ax = normalizedAxis(axis, op: "max")
        let layout = AxisLayout(shape: shape, axis: ax)
        precondition(layout.extent > 0, "max: empty axis \(axis) in shape \(shape)")
        var out = [Float](repeating: 0, count: layout.outer * layout.inner)
        var argmax = [Int32](repeating: 0, count: out.count)
        data.withUnsafeBufferPointer { src in
            for o in 0..<layout.outer {
                for i in 0..<layout.inner {
                    let base = o * layout.extent * layout.inner + i
                    var best = src[base], bestIndex = 0
                    for k in 1..<layout.extent where src[base + k * layout.inner] > best {
                        best = src[base + k * layout.inner]
                        bestIndex = k
                    }
                    out[o * layout.inner + i] = best
                    argmax[o * layout.inner + i] = Int32(bestIndex)
                }
            }
        }
        var outShape = shape
        if keepDims { outShape[ax] = 1 } else { outShape.remove(at: ax) }
        let x = self
        return Tensor.record(Tensor(out, shape: outShape), inputs: [x]) { g in
            x.accumulateGrad { dst in
                for o in 0..<layout.outer {
                    for i in 0..<layout.inner {
                        let k = Int(argmax[o * layout.inner + i])
                        dst[o * layout.extent * layout.inner + k * layout.inner + i] += g.data[o * layout.inner + i]
                    }
                }
            }
        }
    }

    /// Index of the maximum along the last axis, per row (no gradient).
    public func argmaxLastAxis() -> [Int] {
        let n = shape.last ?? 1
        return stride(from: 0, to: data.count, by: Swift.max(n, 1)).map { start in
            var best = start
            for i in start..<(start + n) where data[i] > data[best] { best = i }
            return best - start
        }
    }
}
