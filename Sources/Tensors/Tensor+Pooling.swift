/// 2-D pooling over the last two axes (`[..., H, W]`, usually NCHW), PyTorch semantics
/// (floor output sizes, implicit padding): max, average, adaptive average and area resize.
/// Backward: max routes g to the (first) arg-max of each window; averages spread g / count.
extension Tensor {
    /// Leading planes and spatial extents of a `[..., H, W]` tensor.
    func planeLayout(op: String) -> (planes: Int, height: Int, width: Int) {
        precondition(rank >= 2, "\(op): needs [..., H, W], got \(shape)")
        return (shape.dropLast(2).reduce(1, *), shape[rank - 2], shape[rank - 1])
    }

    /// The shape with the last two axes replaced.
    func withSpatialShape(_ h: Int, _ w: Int) -> [Int] { Array(shape.dropLast(2)) + [h, w] }

    /// Max pooling with `-inf` padding; `stride` defaults to `kernel`.
    public func maxPool2d(kernel: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0)) -> Tensor {
        let (planes, h, w) = planeLayout(op: "maxPool2d")
        let s = stride ?? kernel
        precondition(kernel.0 > 0 && kernel.1 > 0 && s.0 > 0 && s.1 > 0, "maxPool2d: invalid kernel \(kernel) or stride \(s)")
        precondition(padding.0 >= 0 && padding.1 >= 0 && padding.0 * 2 <= kernel.0 && padding.1 * 2 <= kernel.1,
                     "maxPool2d: padding \(padding) must be at most half the kernel \(kernel)")
        let ho = (h + 2 * padding.0 - kernel.0) / s.0 + 1, wo = (w + 2 * padding.1 - kernel.1) / s.1 + 1
        precondition(ho > 0 && wo > 0, "maxPool2d: kernel \(kernel) larger than padded input \(shape)")
        if kernel == (2, 2) && s == (2, 2) && padding == (0, 0) && !Tensor.needsTape([self]) {
            return maxPool2x2Inference(planes: planes, h: h, w: w)
        }
        var out = [Float](repeating: 0, count: planes * ho * wo)
        var argmax = [Int32](repeating: 0, count: out.count)  // flat index within the input plane
        data.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                argmax.withUnsafeMutableBufferPointer { arg in
                    Parallel.forRanges(planes) { range in
                        for plane in range {
                            let x = src.baseAddress! + plane * h * w
                            for oh in 0..<ho {
                                let h0 = Swift.max(oh * s.0 - padding.0, 0), h1 = Swift.min(oh * s.0 - padding.0 + kernel.0, h)
                                for ow in 0..<wo {
                                    let w0 = Swift.max(ow * s.1 - padding.1, 0), w1 = Swift.min(ow * s.1 - padding.1 + kernel.1, w)
                                    var best = -Float.infinity, bestIndex = h0 * w + w0
                                    for ih in h0..<h1 {
                                        for iw in w0..<w1 {
                                            let v = x[ih * w + iw]
                                            if v > best || v.isNaN { best = v; bestIndex = ih * w + iw; if v.isNaN { break } }
                                        }
                                    }
                                    let o = (plane * ho + oh) * wo + ow
                                    dst[o] = best
                                    arg[o] = Int32(bestIndex)
                                }
                            }
                        }
                    }
                }
            }
        }
        let x = self
        return Tensor.record(Tensor(out, shape: withSpatialShape(ho, wo)), inputs: [x]) { g in
            x.accumulateGrad { dx in
                g.data.withUnsafeBufferPointer { gp in
                    for plane in 0..<planes {
                        for o in 0..<(ho * wo) {
                            dx[plane * h * w + Int(argmax[plane * ho * wo + o])] += gp[plane * ho * wo + o]
                        }
                    }
                }
            }
        }
    }

    /// 2x2 / stride 2 max-pool without the argmax bookkeeping of the differentiable path (inference):
    /// the same values (NaN propagates as there), one pass over pairs of input rows.
    private func maxPool2x2Inference(planes: Int, h: Int, w: Int) -> Tensor {
        let ho = h / 2, wo = w / 2
        var out = Tensor.uninitializedStorage(planes * ho * wo)
        @inline(__always) func larger(_ a: Float, _ b: Float) -> Float { (a > b || a.isNaN) ? a : b }
        data.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                Parallel.forRanges(planes * ho, minPerRange: Swift.max(1, Parallel.elementwiseGrain / Swift.max(4 * wo, 1))) { rows in
                    for r in rows {
                        let plane = r / ho, oh = r % ho
                        let top = src.baseAddress! + plane * h * w + 2 * oh * w, bottom = top + w
                        let o = dst.baseAddress! + r * wo
                        var ow = 0
                        // 8 outputs at a time: even and odd lanes of 16 consecutive inputs per row.
                        @inline(__always) func larger8(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> {
                            b.replacing(with: a, where: (a .> b) .| (a .!= a))
                        }
                        while ow + 8 <= wo {
                            let t = UnsafeRawPointer(top + 2 * ow).loadUnaligned(as: SIMD16<Float>.self)
                            let b = UnsafeRawPointer(bottom + 2 * ow).loadUnaligned(as: SIMD16<Float>.self)
                            let m = larger8(larger8(larger8(t.evenHalf, t.oddHalf), b.evenHalf), b.oddHalf)
                            UnsafeMutableRawPointer(o + ow).storeBytes(of: m, as: SIMD8<Float>.self)
                            ow += 8
                        }
                        for ow in ow..<wo {
                            // Window order as the general path: (0,0), (0,1), (1,0), (1,1); first maximum wins.
                            o[ow] = larger(larger(larger(top[2 * ow], top[2 * ow + 1]), bottom[2 * ow]), bottom[2 * ow + 1])
                        }
                    }
                }
            }
        }
        return Tensor(out, shape: withSpatialShape(ho, wo))
    }

    /// Average pooling with zero padding; `countIncludePad` divides by the full window size,
    /// otherwise by the number of in-bounds elements.
    public func avgPool2d(kernel: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0),
                          countIncludePad: Bool = true) -> Tensor {
        let (_, h, w) = planeLayout(op: "avgPool2d")
        let s = stride ?? kernel
        precondition(kernel.0 > 0 && kernel.1 > 0 && s.0 > 0 && s.1 > 0, "avgPool2d: invalid kernel \(kernel) or stride \(s)")
        precondition(padding.0 >= 0 && padding.1 >= 0 && padding.0 * 2 <= kernel.0 && padding.1 * 2 <= kernel.1,
                     "avgPool2d: padding \(padding) must be at most half the kernel \(kernel)")
        let ho = (h + 2 * padding.0 - kernel.0) / s.0 + 1, wo = (w + 2 * padding.1 - kernel.1) / s.1 + 1
        precondition(ho > 0 && wo > 0, "avgPool2d: kernel \(kernel) larger than padded input \(shape)")
        func bins(_ count: Int, _ stride: Int, _ pad: Int, _ k: Int, _ extent: Int) -> [WindowBin] {
            (0..<count).map { o in
                let start = o * stride - pad, end = Swift.min(start + k, extent + pad)
                let padded = end - start
                let lo = Swift.max(start, 0), hi = Swift.min(end, extent)
                return WindowBin(start: lo, end: hi, size: countIncludePad ? padded : hi - lo)
            }
        }
        return windowAverage(rows: bins(ho, s.0, padding.0, kernel.0, h), cols: bins(wo, s.1, padding.1, kernel.1, w))
    }

    /// Adaptive average pooling to `outputSize` (PyTorch bins: start = floor(i * H / out),
    /// end = ceil((i + 1) * H / out)).
    public func adaptiveAvgPool2d(outputSize: (Int, Int)) -> Tensor {
        let (_, h, w) = planeLayout(op: "adaptiveAvgPool2d")
        precondition(outputSize.0 > 0 && outputSize.1 > 0, "adaptiveAvgPool2d: invalid output size \(outputSize)")
        func bins(_ count: Int, _ extent: Int) -> [WindowBin] {
            (0..<count).map { i in
                let start = (i * extent) / count, end = ((i + 1) * extent + count - 1) / count
                return WindowBin(start: start, end: end, size: end - start)
            }
        }
        return windowAverage(rows: bins(outputSize.0, h), cols: bins(outputSize.1, w))
    }

    /// Resizes by averaging the covered input area (PyTorch `interpolate(mode: "area")`, which is
    /// adaptive average pooling).
    public func areaResize(to size: (Int, Int)) -> Tensor { adaptiveAvgPool2d(outputSize: size) }

    /// One pooling window along an axis: input range and the divisor it contributes.
    struct WindowBin {
        let start: Int
        let end: Int
        let size: Int
    }

    /// out[oh, ow] = sum over rows[oh] x cols[ow] / (rows[oh].size * cols[ow].size), per plane.
    func windowAverage(rows: [WindowBin], cols: [WindowBin]) -> Tensor {
        let (planes, h, w) = planeLayout(op: "pool")
        let ho = rows.count, wo = cols.count
        var out = [Float](repeating: 0, count: planes * ho * wo)
        data.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                Parallel.forRanges(planes) { range in
                    for plane in range {
                        let x = src.baseAddress! + plane * h * w
                        for (oh, r) in rows.enumerated() {
                            for (ow, c) in cols.enumerated() {
                                var total: Float = 0
                                for ih in r.start..<r.end { for iw in c.start..<c.end { total += x[ih * w + iw] } }
                                dst[(plane * ho + oh) * wo + ow] = total / Float(r.size * c.size)
                            }
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
                            for (oh, r) in rows.enumerated() {
                                for (ow, c) in cols.enumerated() {
                                    let v = gp[(plane * ho + oh) * wo + ow] / Float(r.size * c.size)
                                    for ih in r.start..<r.end { for iw in c.start..<c.end { d[ih * w + iw] += v } }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
