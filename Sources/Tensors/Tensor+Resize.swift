/// Bilinear resizing of the last two axes (`[..., H, W]`), PyTorch `interpolate(mode: "bilinear")`
/// semantics for an explicit output size.
///
/// alignCorners: src = dst * (in - 1) / (out - 1). Otherwise src = (dst + 0.5) * in / out - 0.5,
/// clamped at 0. Neighbours i0 = floor(src), i1 = min(i0 + 1, in - 1), weights 1 - f and f.
/// Backward scatters g with the same weights.
extension Tensor {
    /// Interpolation taps along one axis.
    struct LinearTaps {
        var i0: [Int], i1: [Int], w0: [Float], w1: [Float]

        init(input: Int, output: Int, alignCorners: Bool) {
            i0 = []; i1 = []; w0 = []; w1 = []
            let scale: Float
            if alignCorners {
                scale = output > 1 ? Float(input - 1) / Float(output - 1) : 0
            } else {
                scale = Float(input) / Float(output)
            }
            for o in 0..<output {
                var src = alignCorners ? Float(o) * scale : (Float(o) + 0.5) * scale - 0.5
                if src < 0 { src = 0 }
                let lo = Swift.min(Int(src), input - 1)
                let hi = lo < input - 1 ? lo + 1 : lo
                let f = src - Float(lo)
                i0.append(lo); i1.append(hi); w0.append(1 - f); w1.append(f)
            }
        }
    }

    public func upsampleBilinear(size: (Int, Int), alignCorners: Bool = false) -> Tensor {
        let (planes, h, w) = planeLayout(op: "upsampleBilinear")
        precondition(size.0 > 0 && size.1 > 0 && h > 0 && w > 0, "upsampleBilinear: invalid size \(size) for \(shape)")
        let ho = size.0, wo = size.1
        let ty = LinearTaps(input: h, output: ho, alignCorners: alignCorners)
        let tx = LinearTaps(input: w, output: wo, alignCorners: alignCorners)
        var out = Tensor.uninitializedStorage(planes * ho * wo)
        data.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                Parallel.forRanges(planes * ho, minPerRange: 8) { range in
                    for row in range {
                        let plane = row / ho, oh = row % ho
                        let x = src.baseAddress! + plane * h * w
                        let r0 = x + ty.i0[oh] * w, r1 = x + ty.i1[oh] * w
                        let a = ty.w0[oh], b = ty.w1[oh]
                        let d = dst.baseAddress! + row * wo
                        for ow in 0..<wo {
                            let c0 = tx.i0[ow], c1 = tx.i1[ow]
                            d[ow] = a * (tx.w0[ow] * r0[c0] + tx.w1[ow] * r0[c1]) + b * (tx.w0[ow] * r1[c0] + tx.w1[ow] * r1[c1])
                        }
                    }
                }
            }
        }
        let x = self
        return Tensor.record(Tensor(out, shape: withSpatialShape(ho, wo)), inputs: [x]) { g in
            x.accumulateGrad { dx in
                g.data.withUnsafeBufferPointer { gp in
                    Parallel.forRanges(planes) { range in
                        for plane in range {
                            let d = dx.baseAddress! + plane * h * w
                            for oh in 0..<ho {
                                let r0 = d + ty.i0[oh] * w, r1 = d + ty.i1[oh] * w
                                let a = ty.w0[oh], b = ty.w1[oh]
                                let gr = gp.baseAddress! + (plane * ho + oh) * wo
                                for ow in 0..<wo {
                                    let v = gr[ow], c0 = tx.i0[ow], c1 = tx.i1[ow]
                                    r0[c0] += a * tx.w0[ow] * v
                                    r0[c1] += a * tx.w1[ow] * v
                                    r1[c0] += b * tx.w0[ow] * v
                                    r1[c1] += b * tx.w1[ow] * v
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
