/// Constant padding: one (before, after) pair per axis. Backward: the interior slice of g.
extension Tensor {
    public func padded(_ pads: [(Int, Int)], value: Float = 0) -> Tensor {
        precondition(pads.count == rank, "padded: \(pads.count) pad pairs for shape \(shape)")
        precondition(pads.allSatisfy { $0.0 >= 0 && $0.1 >= 0 }, "padded: negative padding \(pads)")
        let outShape = zip(shape, pads).map { $0 + $1.0 + $1.1 }
        let outStrides = Tensor.contiguousStrides(outShape)
        let offset = zip(pads, outStrides).reduce(0) { $0 + $1.0.0 * $1.1 }
        var out = [Float](repeating: value, count: outShape.reduce(1, *))
        // Input element at multi-index i lands at offset + sum(i * outStrides): visit input rows.
        data.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                Broadcasting.forEachIndex(shape: shape, strides: [outStrides]) { i, offs, run, _ in
                    (dst.baseAddress! + offset + offs[0]).update(from: src.baseAddress! + i, count: run)
                }
            }
        }
        let x = self
        return Tensor.record(Tensor(out, shape: outShape), inputs: [x]) { g in
            x.accumulateGrad { dx in
                g.data.withUnsafeBufferPointer { gp in
                    Broadcasting.forEachIndex(shape: x.shape, strides: [outStrides]) { i, offs, run, _ in
                        let s = gp.baseAddress! + offset + offs[0]
                        for j in 0..<run { dx[i + j] += s[j] }
                    }
                }
            }
        }
    }
}
