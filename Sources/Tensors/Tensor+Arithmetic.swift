/// Elementwise binary ops with broadcasting: add, sub, mul, div (and scalar forms).
/// Backward: d(a+b) = (g, g), d(a-b) = (g, -g), d(a*b) = (g*b, g*a), d(a/b) = (g/b, -g*a/b^2),
/// each reduced back to its input's shape.
extension Tensor {
    enum BinaryKind { case add, sub, mul, div }

    static func binary(_ a: Tensor, _ b: Tensor, _ kind: BinaryKind, op: String) -> Tensor {
        let outShape = a.shape == b.shape ? a.shape : Broadcasting.shape(a.shape, b.shape, op: op)
        var out = Tensor.uninitializedStorage(outShape.reduce(1, *))
        if a.shape == b.shape {
            a.data.withUnsafeBufferPointer { pa in
                b.data.withUnsafeBufferPointer { pb in
                    out.withUnsafeMutableBufferPointer { po in
                        Parallel.forRanges(po.count, minPerRange: Parallel.elementwiseGrain) { range in
                            switch kind {
                            case .add: for i in range { po[i] = pa[i] + pb[i] }
                            case .sub: for i in range { po[i] = pa[i] - pb[i] }
                            case .mul: for i in range { po[i] = pa[i] * pb[i] }
                            case .div: for i in range { po[i] = pa[i] / pb[i] }
                            }
                        }
                    }
                }
            }
        } else {
            let sa = Broadcasting.strides(of: a.shape, broadcastTo: outShape)
            let sb = Broadcasting.strides(of: b.shape, broadcastTo: outShape)
            a.data.withUnsafeBufferPointer { pa in
                b.data.withUnsafeBufferPointer { pb in
                    out.withUnsafeMutableBufferPointer { po in
                        Broadcasting.forEachIndex(shape: outShape, strides: [sa, sb]) { o, offs, inner, st in
                            let ia = offs[0], ib = offs[1], ja = st[0], jb = st[1]
                            switch kind {
                            case .add: for j in 0..<inner { po[o + j] = pa[ia + j * ja] + pb[ib + j * jb] }
                            case .sub: for j in 0..<inner { po[o + j] = pa[ia + j * ja] - pb[ib + j * jb] }
                            case .mul: for j in 0..<inner { po[o + j] = pa[ia + j * ja] * pb[ib + j * jb] }
                            case .div: for j in 0..<inner { po[o + j] = pa[ia + j * ja] / pb[ib + j * jb] }
                            }
                        }
                    }
                }
            }
        }
        let result = Tensor(out, shape: outShape)
        return record(result, inputs: [a, b]) { g in
            switch kind {
            case .add:
                if a.requiresGrad { a.accumulateGrad(Broadcasting.reduce(g.data, from: outShape, to: a.shape)) }
                if b.requiresGrad { b.accumulateGrad(Broadcasting.reduce(g.data, from: outShape, to: b.shape)) }
            case .sub:
                if a.requiresGrad { a.accumulateGrad(Broadcasting.reduce(g.data, from: outShape, to: a.shape)) }
                if b.requiresGrad {
                    b.accumulateGrad(Broadcasting.reduce(g.data.map { -$0 }, from: outShape, to: b.shape))
                }
            case .mul:
                if a.requiresGrad {
                    let ga = binary(g.detached(), b.detached(), .mul, op: op).data
                    a.accumulateGrad(Broadcasting.reduce(ga, from: outShape, to: a.shape))
                }
                if b.requiresGrad {
                    let gb = binary(g.detached(), a.detached(), .mul, op: op).data
                    b.accumulateGrad(Broadcasting.reduce(gb, from: outShape, to: b.shape))
                }
            case .div:
                if a.requiresGrad {
                    let ga = binary(g.detached(), b.detached(), .div, op: op).data
                    a.accumulateGrad(Broadcasting.reduce(ga, from: outShape, to: a.shape))
                }
                if b.requiresGrad {
                    // -g * out / b
                    let t = binary(g.detached(), result.detached(), .mul, op: op)
                    let gb = binary(t, b.detached(), .div, op: op).data.map { -$0 }
                    b.accumulateGrad(Broadcasting.reduce(gb, from: outShape, to: b.shape))
                }
            }
        }
    }

    public static func + (a: Tensor, b: Tensor) -> Tensor { binary(a, b, .add, op: "add") }
    public static func - (a: Tensor, b: Tensor) -> Tensor { binary(a, b, .sub, op: "sub") }
    public static func * (a: Tensor, b: Tensor) -> Tensor { binary(a, b, .mul, op: "mul") }
    public static func / (a: Tensor, b: Tensor) -> Tensor { binary(a, b, .div, op: "div") }

    public static func + (a: Tensor, s: Float) -> Tensor { a.affine(scale: 1, shift: s) }
    public static func - (a: Tensor, s: Float) -> Tensor { a.affine(scale: 1, shift: -s) }
    public static func * (a: Tensor, s: Float) -> Tensor { a.affine(scale: s, shift: 0) }
    public static func / (a: Tensor, s: Float) -> Tensor { a.affine(scale: 1 / s, shift: 0) }
    public static func + (s: Float, a: Tensor) -> Tensor { a.affine(scale: 1, shift: s) }
    public static func - (s: Float, a: Tensor) -> Tensor { a.affine(scale: -1, shift: s) }
    public static func * (s: Float, a: Tensor) -> Tensor { a.affine(scale: s, shift: 0) }
    public static prefix func - (a: Tensor) -> Tensor { a.affine(scale: -1, shift: 0) }

    /// y = scale * x + shift. Backward: dx = scale * g.
    public func affine(scale: Float, shift: Float) -> Tensor {
        let x = self
        var out = Tensor.uninitializedStorage(count)
        data.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                Parallel.forRanges(dst.count, minPerRange: Parallel.elementwiseGrain) { range in
                    for i in range { dst[i] = scale * src[i] + shift }
                }
            }
        }
        return Tensor.record(Tensor(out, shape: shape), inputs: [x]) { g in
            x.accumulateGrad { dst in
                g.data.withUnsafeBufferPointer { src in
                    Parallel.forRanges(dst.count, minPerRange: Parallel.elementwiseGrain) { range in
                        for i in range { dst[i] += scale * src[i] }
                    }
                }
            }
        }
    }
}
