/// Index ops: `indexSelect` (gather whole slices along an axis), its adjoint `scatterAdd`, and
/// element-wise `gather` along an axis (PyTorch `torch.gather`), each with its backward.
///
/// Indices are `Int32` (edge lists are `[2, E]` Int32 arrays across vidgraph); an index out of
/// range is a programmer error (precondition naming the op).
extension Tensor {
    /// Picks slices along `axis`: `out.shape[axis] = indices.count`, `out[..., k, ...] = self[..., indices[k], ...]`.
    ///
    /// Backward: the adjoint scatter-add, `dx[..., indices[k], ...] += g[..., k, ...]`.
    public func indexSelect(axis: Int = 0, indices: [Int32]) -> Tensor {
        let ax = normalizedAxis(axis, op: "indexSelect")
        let layout = AxisLayout(shape: shape, axis: ax)
        let extent = layout.extent, inner = layout.inner, outer = layout.outer
        let k = indices.count
        for i in indices {
            precondition(i >= 0 && Int(i) < extent, "indexSelect: index \(i) out of range for axis \(ax) of \(shape)")
        }
        var outShape = shape
        outShape[ax] = k
        var out = [Float](repeating: 0, count: outer * k * inner)
        data.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                indices.withUnsafeBufferPointer { idx in
                    for o in 0..<outer {
                        for j in 0..<k {
                            let s = (o * extent + Int(idx[j])) * inner
                            let d = (o * k + j) * inner
                            for c in 0..<inner { dst[d + c] = src[s + c] }
                        }
                    }
                }
            }
        }
        let x = self
        return Tensor.record(Tensor(out, shape: outShape), inputs: [x]) { g in
            x.accumulateGrad { dx in
                g.data.withUnsafeBufferPointer { pg in
                    indices.withUnsafeBufferPointer { idx in
                        for o in 0..<outer {
                            for j in 0..<k {
                                let d = (o * extent + Int(idx[j])) * inner
                                let s = (o * k + j) * inner
                                for c in 0..<inner { dx[d + c] += pg[s + c] }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Sums slices into `count` buckets along `axis`: `out.shape[axis] = count`,
    /// `out[..., indices[k], ...] += self[..., k, ...]` (requires `shape[axis] == indices.count`).
    ///
    /// The adjoint of `indexSelect`; backward is `indexSelect` of the gradient.
    public func scatterAdd(axis: Int = 0, indices: [Int32], count: Int) -> Tensor {
        let ax = normalizedAxis(axis, op: "scatterAdd")
        precondition(shape[ax] == indices.count, "scatterAdd: \(indices.count) indices for axis \(ax) of \(shape)")
        let layout = AxisLayout(shape: shape, axis: ax)
        let k = layout.extent, inner = layout.inner, outer = layout.outer
        for i in indices {
            precondition(i >= 0 && Int(i) < count, "scatterAdd: index \(i) out of range 0..<\(count)")
        }
        var outShape = shape
        outShape[ax] = count
        var out = [Float](repeating: 0, count: outer * count * inner)
        data.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                indices.withUnsafeBufferPointer { idx in
                    for o in 0..<outer {
                        for j in 0..<k {
                            let d = (o * count + Int(idx[j])) * inner
                            let s = (o * k + j) * inner
                            for c in 0..<inner { dst[d + c] += src[s + c] }
                        }
                    }
                }
            }
        }
        let x = self
        return Tensor.record(Tensor(out, shape: outShape), inputs: [x]) { g in
            let back = GradMode.disabled { g.indexSelect(axis: ax, indices: indices) }
            x.accumulateGrad(back.data)
        }
    }

    /// Element-wise gather along `axis` (PyTorch `torch.gather`): the result has `indexShape`, which
    /// equals `shape` except on `axis`; `out[o, k, i] = self[o, indices[o, k, i], i]`.
    ///
    /// Backward: `dx[o, indices[o, k, i], i] += g[o, k, i]`.
    public func gather(axis: Int, indices: [Int32], indexShape: [Int]) -> Tensor {
        let ax = normalizedAxis(axis, op: "gather")
        precondition(indexShape.count == rank && indices.count == indexShape.reduce(1, *),
                     "gather: index shape \(indexShape) (\(indices.count) indices) does not fit \(shape)")
        for a in 0..<rank where a != ax {
            precondition(indexShape[a] == shape[a], "gather: index shape \(indexShape) differs from \(shape) off axis \(ax)")
        }
        let layout = AxisLayout(shape: shape, axis: ax)
        let extent = layout.extent, inner = layout.inner, outer = layout.outer
        let k = indexShape[ax]
        for i in indices {
            precondition(i >= 0 && Int(i) < extent, "gather: index \(i) out of range for axis \(ax) of \(shape)")
        }
        var out = [Float](repeating: 0, count: indices.count)
        data.withUnsafeBufferPointer { src in
            for o in 0..<outer {
                for j in 0..<k {
                    for c in 0..<inner {
                        let n = (o * k + j) * inner + c
                        out[n] = src[(o * extent + Int(indices[n])) * inner + c]
                    }
                }
            }
        }
        let x = self
        return Tensor.record(Tensor(out, shape: indexShape), inputs: [x]) { g in
            x.accumulateGrad { dx in
                for o in 0..<outer {
                    for j in 0..<k {
                        for c in 0..<inner {
                            let n = (o * k + j) * inner + c
                            dx[(o * extent + Int(indices[n])) * inner + c] += g.data[n]
                        }
                    }
                }
            }
        }
    }
}
