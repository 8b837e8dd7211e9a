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
                        let o0 = po.baseAddress!, a0 = pa.baseAddress!, b0 = pb.baseAddress!
                        Broadcasting.forEachIndex(shape: outShape, strides: [sa, sb]) { o, offs, inner, st in
                            binaryRow(kind, o0 + o, a0 + offs[0], st[0], b0 + offs[1], st[1], inner)
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

    /// One innermost row of a broadcast binary op: dst[j] = a[j * ja] op b[j * jb]. The common strides
    /// (1 and 1, 1 and 0 for a broadcast bias or column, 0 and 1) get unit-stride loops the compiler
    /// vectorises; others the generic strided loop.
    @inline(__always)
    private static func binaryRow(_ kind: BinaryKind, _ dst: UnsafeMutablePointer<Float>,
                                  _ a: UnsafePointer<Float>, _ ja: Int, _ b: UnsafePointer<Float>, _ jb: Int, _ count: Int) {
        @inline(__always)
        func rows(_ f: (Float, Float) -> Float) {
            if ja == 1 && jb == 1 {
                for j in 0..<count { dst[j] = f(a[j], b[j]) }
            } else if ja == 1 && jb == 0 {
                let y = b[0]
                for j in 0..<count { dst[j] = f(a[j], y) }
            } else if ja == 0 && jb == 1 {
                let x = a[0]
                for j in 0..<count { dst[j] = f(x, b[j]) }
            } else {
                for j in 0..<count { dst[j] = f(a[j * ja], b[j * jb]) }
            }
        }
        switch kind {
        case .add: rows(+)
        case .sub: rows(-)
        case .mul: rows(*)
        case .div: rows(/)
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
