/// NumPy/PyTorch broadcasting rules: shapes are aligned at the trailing axis; an axis of extent 1
/// stretches to match.
enum Broadcasting {
    /// The broadcast shape of two shapes, or a precondition failure naming both.
    static func shape(_ a: [Int], _ b: [Int], op: String) -> [Int] {
        let rank = max(a.count, b.count)
        var result = [Int](repeating: 1, count: rank)
        for i in 0..<rank {
            let da = i < rank - a.count ? 1 : a[i - (rank - a.count)]
            let db = i < rank - b.count ? 1 : b[i - (rank - b.count)]
            precondition(da == db || da == 1 || db == 1, "\(op): shapes \(a) and \(b) do not broadcast")
            result[i] = da == 1 ? db : da
        }
        return result
    }

    /// Strides to read a tensor of `shape` as if it had `target` shape (0 on stretched axes).
    static func strides(of shape: [Int], broadcastTo target: [Int]) -> [Int] {
        let own = Tensor.contiguousStrides(shape)
        let offset = target.count - shape.count
        var result = [Int](repeating: 0, count: target.count)
        for i in 0..<shape.count where shape[i] != 1 {
            result[i + offset] = own[i]
        }
        return result
    }

    /// Sums a gradient of `fromShape` down to `toShape` (the adjoint of broadcasting).
    static func reduce(_ gradient: [Float], from fromShape: [Int], to toShape: [Int]) -> [Float] {
        if fromShape == toShape { return gradient }
        var result = [Float](repeating: 0, count: toShape.reduce(1, *))
        let readStrides = strides(of: toShape, broadcastTo: fromShape)
        forEachIndex(shape: fromShape, strides: [readStrides]) { outIndex, offsets, inner, innerStrides in
            let s = innerStrides[0]
            result.withUnsafeMutableBufferPointer { dst in
                gradient.withUnsafeBufferPointer { src in
                    if s == 0 {
                        var total: Float = 0
                        for j in 0..<inner { total += src[outIndex + j] }
                        dst[offsets[0]] += total
                    } else {
                        for j in 0..<inner { dst[offsets[0] + j * s] += src[outIndex + j] }
                    }
                }
            }
        }
        return result
    }

    /// Visits `shape` row by row: for each run along the last axis, calls `body` with the flat
    /// output index of the run's start, the start offset in each strided operand, the run length
    /// and each operand's stride along the last axis.
    static func forEachIndex(shape: [Int], strides operandStrides: [[Int]],
                             _ body: (Int, [Int], Int, [Int]) -> Void) {
        let total = shape.reduce(1, *)
        if total == 0 { return }
        let rank = shape.count
        if rank == 0 {
            body(0, operandStrides.map { _ in 0 }, 1, operandStrides.map { _ in 0 })
            return
        }
        let inner = shape[rank - 1]
        let innerStrides = operandStrides.map { $0[rank - 1] }
        var index = [Int](repeating: 0, count: rank)
        var offsets = [Int](repeating: 0, count: operandStrides.count)
        var outIndex = 0
        while outIndex < total {
            body(outIndex, offsets, inner, innerStrides)
            outIndex += inner
            // Advance the multi-index over the outer axes.
            var axis = rank - 2
            while axis >= 0 {
                index[axis] += 1
                for k in 0..<offsets.count { offsets[k] += operandStrides[k][axis] }
                if index[axis] < shape[axis] { break }
                for k in 0..<offsets.count { offsets[k] -= operandStrides[k][axis] * shape[axis] }
                index[axis] = 0
                axis -= 1
            }
        }
    }
}
