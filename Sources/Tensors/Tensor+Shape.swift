/// Shape ops: reshape (shares storage), permute/transpose (one copy), concat, split, slice.
/// Backward: reshape back; inverse permutation; split of g; concat of g; scatter of g into zeros.
extension Tensor {
    /// The same elements with a new shape; one extent may be -1 (inferred).
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var target = newShape
        if let unknown = target.firstIndex(of: -1) {
            let known = target.enumerated().filter { $0.offset != unknown }.reduce(1) { $0 * $1.element }
            precondition(known > 0 && count % known == 0, "reshape: cannot reshape \(shape) to \(newShape)")
            target[unknown] = count / known
        }
        precondition(target.reduce(1, *) == count, "reshape: cannot reshape \(shape) to \(newShape)")
        let x = self
        return Tensor.record(Tensor(data, shape: target), inputs: [x]) { g in x.accumulateGrad(g.data) }
    }

    /// Reorders axes: output axis i is input axis `order[i]`.
    public func permuted(_ order: [Int]) -> Tensor {
        precondition(order.sorted() == Array(0..<rank), "permute: \(order) is not a permutation of \(rank) axes")
        if order == Array(0..<rank) { return reshaped(shape) }
        let outShape = order.map { shape[$0] }
        let inStrides = strides
        let readStrides = order.map { inStrides[$0] }
        var out = Tensor.uninitializedStorage(count)
        data.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                Broadcasting.forEachIndex(shape: outShape, strides: [readStrides]) { o, offs, inner, st in
                    let s = st[0], base = offs[0]
                    for j in 0..<inner { dst[o + j] = src[base + j * s] }
                }
            }
        }
        let x = self
        var inverse = [Int](repeating: 0, count: rank)
        for (i, axis) in order.enumerated() { inverse[axis] = i }
        return Tensor.record(Tensor(out, shape: outShape), inputs: [x]) { g in
            let back = GradMode.disabled { g.permuted(inverse) }
            x.accumulateGrad(back.data)
        }
    }

    /// Swaps two axes.
    public func transposed(_ axis0: Int = -2, _ axis1: Int = -1) -> Tensor {
        var order = Array(0..<rank)
        order.swapAt(normalizedAxis(axis0, op: "transpose"), normalizedAxis(axis1, op: "transpose"))
        return permuted(order)
    }

    /// Joins tensors along `axis`; all other extents must agree.
    public static func concat(_ tensors: [Tensor], axis: Int) -> Tensor {
        precondition(!tensors.isEmpty, "concat: no tensors")
        let first = tensors[0]
        let ax = first.normalizedAxis(axis, op: "concat")
        for t in tensors {
            precondition(t.rank == first.rank && (0..<first.rank).allSatisfy { $0 == ax || t.shape[$0] == first.shape[$0] },
                         "concat: shapes \(first.shape) and \(t.shape) differ off axis \(axis)")
        }
        let outer = first.shape[..<ax].reduce(1, *)
        let inner = first.shape[(ax + 1)...].reduce(1, *)
        let extents = tensors.map { $0.shape[ax] }
        let total = extents.reduce(0, +)
        var outShape = first.shape
        outShape[ax] = total
        var out = Tensor.uninitializedStorage(outer * total * inner)
        out.withUnsafeMutableBufferPointer { dst in
            var offset = 0
            for (t, e) in zip(tensors, extents) {
                let run = e * inner
                t.data.withUnsafeBufferPointer { src in
                    for o in 0..<outer {
                        (dst.baseAddress! + o * total * inner + offset).update(from: src.baseAddress! + o * run, count: run)
                    }
                }
                offset += run
            }
        }
        return record(Tensor(out, shape: outShape), inputs: tensors) { g in
            var offset = 0
            for (t, e) in zip(tensors, extents) {
                let run = e * inner
                if t.requiresGrad {
                    t.accumulateGrad { dst in
                        g.data.withUnsafeBufferPointer { src in
                            for o in 0..<outer {
                                for j in 0..<run { dst[o * run + j] += src[o * total * inner + offset + j] }
                            }
                        }
                    }
                }
                offset += run
            }
        }
    }

    /// Elements `start..<end` along `axis`.
    public func slice(axis: Int, start: Int, end: Int) -> Tensor {
        let ax = normalizedAxis(axis, op: "slice")
        precondition(start >= 0 && start <= end && end <= shape[ax], "slice: \(start)..<\(end) out of range for axis \(axis) of \(shape)")
        let layout = AxisLayout(shape: shape, axis: ax)
        let length = end - start
        var outShape = shape
        outShape[ax] = length
        var out = Tensor.uninitializedStorage(layout.outer * length * layout.inner)
        let run = length * layout.inner
        data.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for o in 0..<layout.outer {
                    (dst.baseAddress! + o * run).update(
                        from: src.baseAddress! + (o * layout.extent + start) * layout.inner, count: run)
                }
            }
        }
        let x = self
        return Tensor.record(Tensor(out, shape: outShape), inputs: [x]) { g in
            x.accumulateGrad { dst in
                g.data.withUnsafeBufferPointer { src in
                    for o in 0..<layout.outer {
                        let base = (o * layout.extent + start) * layout.inner
                        for j in 0..<run { dst[base + j] += src[o * run + j] }
                    }
                }
            }
        }
    }

    /// Splits along `axis` into pieces of the given extents (they must sum to the axis extent).
    public func split(axis: Int, sizes: [Int]) -> [Tensor] {
        let ax = normalizedAxis(axis, op: "split")
        precondition(sizes.reduce(0, +) == shape[ax], "split: sizes \(sizes) do not sum to \(shape[ax]) (shape \(shape))")
        var start = 0
        return sizes.map { size in
            defer { start += size }
            return slice(axis: ax, start: start, end: start + size)
        }
    }

    /// Inserts an axis of extent 1.
    public func unsqueezed(_ axis: Int) -> Tensor {
        var newShape = shape
        newShape.insert(1, at: axis < 0 ? axis + rank + 1 : axis)
        return reshaped(newShape)
    }

    /// Removes an axis of extent 1.
    public func squeezed(_ axis: Int) -> Tensor {
        let ax = normalizedAxis(axis, op: "squeeze")
        precondition(shape[ax] == 1, "squeeze: axis \(axis) of \(shape) is not 1")
        var newShape = shape
        newShape.remove(at: ax)
        return reshaped(newShape)
    }
}
