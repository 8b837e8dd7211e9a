/// 2-D convolution over NCHW tensors (PyTorch `conv2d` semantics: cross-correlation, zero padding,
/// stride, dilation, groups), computed as im2col + OpenBLAS sgemm.
///
/// GEMM orientation: out[Cout, cols] = W[Cout, K] x cols[K, cols] with K = Cin/groups * kH * kW and
/// the long pixel axis as the GEMM's N, several small images folded into one GEMM (OpenBLAS is slow
/// on skinny shapes). 1x1 stride-1 convolutions use the input itself as the column matrix.
/// Backward: dW += g x cols^T, dX += col2im(W^T x g), db += sum of g over N, H, W.
/// Large 3x3 stride-1 convolutions (forward, input and weight gradients) go through `Winograd` instead.
extension Tensor {
    public static func conv2d(_ input: Tensor, weight: Tensor, bias: Tensor?, stride: (Int, Int) = (1, 1),
                              padding: (Int, Int) = (0, 0), dilation: (Int, Int) = (1, 1), groups: Int = 1) -> Tensor {
        let geo = Conv2dGeometry(input: input.shape, weight: weight.shape, stride: stride, padding: padding,
                                 dilation: dilation, groups: groups)
        if let bias { precondition(bias.shape == [geo.outChannels], "conv2d: bias \(bias.shape) for \(geo.outChannels) output channels") }
        let p = geo.pixels, cout = geo.outChannels
        var out = Tensor.uninitializedStorage(geo.batch * cout * p)  // [N, Cout, Ho, Wo]
        let chunk = geo.imagesPerChunk
        input.data.withUnsafeBufferPointer { xp in
            weight.data.withUnsafeBufferPointer { wp in
                out.withUnsafeMutableBufferPointer { op in
                    let x = xp.baseAddress!, w = wp.baseAddress!, o = op.baseAddress!
                    if Winograd.shouldUse(geo) {
                        Winograd.forward(x, weight: w, bias: bias, geo: geo, out: o)
                        return
                    }
                    // One large image at a time, banded by output rows (each band has its own buffer below).
                    let banded = !geo.isPointwise && chunk == 1 && geo.bandRows < geo.outH
                    let cols = geo.isPointwise || banded ? nil : ScratchBuffer(count: geo.rows * chunk * p)
                    let staging = chunk > 1 ? ScratchBuffer(count: cout * chunk * p) : nil
                    for n0 in Swift.stride(from: 0, to: geo.batch, by: chunk) {
                        let images = n0..<Swift.min(geo.batch, n0 + chunk)
                        let ncols = images.count * p
                        if banded {
                            // One large image: im2col and GEMM band by band of output rows. The bands are
                            // independent, so each thread takes whole bands (its own column buffer, serial
                            // im2col + GEMM): one parallel region per image instead of two small ones per band.
                            // Bands of about 1024 pixels (cache-sized columns), a multiple of the thread count.
                            let workers = Swift.max(1, Swift.min(Parallel.workers, geo.outH))
                            let wanted = (geo.outH * geo.outW + 1023) / 1024
                            let rowsPerBand = (geo.outH + workers - 1) / workers
                                / Swift.max(1, (wanted + workers - 1) / workers)
                            let bandHeight = Swift.max(1, rowsPerBand)
                            let bandStarts = Array(Swift.stride(from: 0, to: geo.outH, by: bandHeight))
                            let pieces = Swift.min(workers, bandStarts.count)
                            let slice = geo.rows * bandHeight * geo.outW
                            let bandCols = ScratchBuffer(count: pieces * slice)
                            Parallel.forRanges(pieces) { range in
                                for piece in range {
                                    let buffer = bandCols.pointer + piece * slice
                                    for b in (bandStarts.count * piece / pieces)..<(bandStarts.count * (piece + 1) / pieces) {
                                        let oh0 = bandStarts[b]
                                        let band = oh0..<Swift.min(geo.outH, oh0 + bandHeight)
                                        let n = band.count * geo.outW
                                        geo.im2col(x, images: images, outRows: band, cols: buffer, parallel: false)
                                        for gi in 0..<groups {
                                            BLAS.serialSgemm(transposeA: false, transposeB: false, m: geo.outPerGroup, n: n, k: geo.rowsPerGroup,
                                                             a: w + gi * geo.outPerGroup * geo.rowsPerGroup, lda: geo.rowsPerGroup,
                                                             b: buffer + gi * geo.rowsPerGroup * n, ldb: n,
                                                             c: o + (n0 * cout + gi * geo.outPerGroup) * p + oh0 * geo.outW, ldc: p)
                                        }
                                    }
                                }
                            }
                            continue
                        }
                        let b: UnsafePointer<Float>
                        if let cols {
                            geo.im2col(x, images: images, cols: cols.pointer)
                            b = UnsafePointer(cols.pointer)
                        } else {
                            b = x + n0 * geo.inChannels * p
                        }
                        if images.count > 1 && p >= 256 {
                            // Images large enough for their own GEMM: written in place, no staging copy.
                            for t in 0..<images.count {
                                for gi in 0..<groups {
                                    BLAS.sgemm(transposeA: false, transposeB: false, m: geo.outPerGroup, n: p, k: geo.rowsPerGroup,
                                               a: w + gi * geo.outPerGroup * geo.rowsPerGroup, lda: geo.rowsPerGroup,
                                               b: b + gi * geo.rowsPerGroup * ncols + t * p, ldb: ncols,
                                               c: o + (n0 + t) * cout * p + gi * geo.outPerGroup * p, ldc: p)
                                }
                            }
                            continue
                        }
                        let c = images.count == 1 ? o + n0 * cout * p : staging!.pointer
                        for gi in 0..<groups {
                            BLAS.sgemm(transposeA: false, transposeB: false, m: geo.outPerGroup, n: ncols, k: geo.rowsPerGroup,
                                       a: w + gi * geo.outPerGroup * geo.rowsPerGroup, lda: geo.rowsPerGroup,
                                       b: b + gi * geo.rowsPerGroup * ncols, ldb: ncols,
                                       c: c + gi * geo.outPerGroup * ncols, ldc: ncols)
                        }
                        if images.count > 1 {
                            // [Cout, t, P] -> [t, Cout, P]
                            let src = staging!.pointer
                            for t in 0..<images.count {
                                for co in 0..<cout {
                                    (o + ((n0 + t) * cout + co) * p).update(from: src + co * ncols + t * p, count: p)
                                }
                            }
                        }
                    }
                    if let bias {
                        bias.data.withUnsafeBufferPointer { bp in
                            Parallel.forRanges(geo.batch * cout, minPerRange: 4) { planes in
                                for plane in planes {
                                    let v = bp[plane % cout]
                                    let dst = o + plane * p
                                    for q in 0..<p { dst[q] += v }
                                }
                            }
                        }
                    }
                }
            }
        }
        let result = Tensor(out, shape: [geo.batch, cout, geo.outH, geo.outW])
        let inputs = bias.map { [input, weight, $0] } ?? [input, weight]
        return record(result, inputs: inputs) { g in
            conv2dBackward(g, input: input, weight: weight, bias: bias, geo: geo)
        }
    }

    /// Accumulates the gradients of `conv2d` for `g` (`[N, Cout, Ho, Wo]`).
    private static func conv2dBackward(_ g: Tensor, input: Tensor, weight: Tensor, bias: Tensor?, geo: Conv2dGeometry) {
        let p = geo.pixels, cout = geo.outChannels, groups = geo.groups
        let kg = geo.rowsPerGroup, og = geo.outPerGroup
        g.data.withUnsafeBufferPointer { gBuffer in
            let gp = gBuffer.baseAddress!
            if let bias, bias.requiresGrad {
                bias.accumulateGrad { db in
                    for n in 0..<geo.batch {
                        for co in 0..<cout {
                            let src = gp + (n * cout + co) * p
                            var total: Float = 0
                            for q in 0..<p { total += src[q] }
                            db[co] += total
                        }
                    }
                }
            }
            // Input and weight gradients through Winograd where it applies; the loop below does the rest.
            let winogradDX = input.requiresGrad && Winograd.shouldUseForInputGradient(geo)
            if winogradDX {
                weight.data.withUnsafeBufferPointer { wBuffer in
                    input.withGradPointer { dx in Winograd.inputGradient(gp, weight: wBuffer.baseAddress!, geo: geo, dx: dx!) }
                }
            }
            let winogradDW = weight.requiresGrad && Winograd.shouldUse(geo)
            if winogradDW {
                input.data.withUnsafeBufferPointer { xBuffer in
                    weight.withGradPointer { dw in
                        Winograd.weightGradient(xBuffer.baseAddress!, outputGradient: gp, geo: geo, dw: dw!)
                    }
                }
            }
            let loopDX = input.requiresGrad && !winogradDX, loopDW = weight.requiresGrad && !winogradDW
            guard loopDX || loopDW else { return }
            let chunk = geo.imagesPerChunk
            let needCols = loopDW && !geo.isPointwise
            let cols = needCols ? ScratchBuffer(count: geo.rows * chunk * p) : nil
            let dcols = loopDX && !geo.isPointwise ? ScratchBuffer(count: geo.rows * chunk * p) : nil
            let gathered = chunk > 1 ? ScratchBuffer(count: cout * chunk * p) : nil
            input.data.withUnsafeBufferPointer { xBuffer in
                weight.data.withUnsafeBufferPointer { wBuffer in
                    let x = xBuffer.baseAddress!, w = wBuffer.baseAddress!
                    weight.withGradPointer { weightGrad in
                        input.withGradPointer { inputGrad in
                            let dx = loopDX ? inputGrad : nil, dw = loopDW ? weightGrad : nil
                            for n0 in Swift.stride(from: 0, to: geo.batch, by: chunk) {
                                let images = n0..<Swift.min(geo.batch, n0 + chunk)
                                let ncols = images.count * p
                                if images.count == 1, !geo.isPointwise, geo.bandRows < geo.outH {
                                    // One large image: band by band of output rows (as the forward).
                                    for oh0 in Swift.stride(from: 0, to: geo.outH, by: geo.bandRows) {
                                        let band = oh0..<Swift.min(geo.outH, oh0 + geo.bandRows)
                                        let bandCols = band.count * geo.outW
                                        let gb = gp + n0 * cout * p + oh0 * geo.outW  // [Cout, bandCols], row stride p
                                        if let dw, let cols {
                                            geo.im2col(x, images: images, outRows: band, cols: cols.pointer)
                                            for gi in 0..<groups {
                                                BLAS.sgemm(transposeA: false, transposeB: true, m: og, n: kg, k: bandCols,
                                                           a: gb + gi * og * p, lda: p, b: cols.pointer + gi * kg * bandCols, ldb: bandCols,
                                                           beta: 1, c: dw + gi * og * kg, ldc: kg)
                                            }
                                        }
                                        if let dx, let dcols {
                                            for gi in 0..<groups {
                                                BLAS.sgemm(transposeA: true, transposeB: false, m: kg, n: bandCols, k: og,
                                                           a: w + gi * og * kg, lda: kg, b: gb + gi * og * p, ldb: p,
                                                           c: dcols.pointer + gi * kg * bandCols, ldc: bandCols)
                                            }
                                            geo.col2imAdd(dcols.pointer, images: images, outRows: band, dx: dx)
                                        }
                                    }
                                    continue
                                }
                                // The output gradient as [Cout, ncols].
                                let gm: UnsafePointer<Float>
                                if let gathered {
                                    for t in 0..<images.count {
                                        for co in 0..<cout {
                                            (gathered.pointer + co * ncols + t * p).update(from: gp + ((n0 + t) * cout + co) * p, count: p)
                                        }
                                    }
                                    gm = UnsafePointer(gathered.pointer)
                                } else {
                                    gm = gp + n0 * cout * p
                                }
                                if let dw {
                                    let b: UnsafePointer<Float>
                                    if let cols {
                                        geo.im2col(x, images: images, cols: cols.pointer)
                                        b = UnsafePointer(cols.pointer)
                                    } else {
                                        b = x + n0 * geo.inChannels * p
                                    }
                                    for gi in 0..<groups {
                                        BLAS.sgemm(transposeA: false, transposeB: true, m: og, n: kg, k: ncols,
                                                   a: gm + gi * og * ncols, lda: ncols, b: b + gi * kg * ncols, ldb: ncols,
                                                   beta: 1, c: dw + gi * og * kg, ldc: kg)
                                    }
                                }
                                if let dx {
                                    if let dcols {
                                        for gi in 0..<groups {
                                            BLAS.sgemm(transposeA: true, transposeB: false, m: kg, n: ncols, k: og,
                                                       a: w + gi * og * kg, lda: kg, b: gm + gi * og * ncols, ldb: ncols,
                                                       c: dcols.pointer + gi * kg * ncols, ldc: ncols)
                                        }
                                        geo.col2imAdd(dcols.pointer, images: images, dx: dx)
                                    } else {
                                        for gi in 0..<groups {
                                            BLAS.sgemm(transposeA: true, transposeB: false, m: kg, n: ncols, k: og,
                                                       a: w + gi * og * kg, lda: kg, b: gm + gi * og * ncols, ldb: ncols,
                                                       beta: 1, c: dx + n0 * geo.inChannels * p + gi * kg * ncols, ldc: ncols)
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
