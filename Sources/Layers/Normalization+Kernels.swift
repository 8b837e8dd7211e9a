import Tensors

/// Fused normalisation ops with hand-written backward (one pass for statistics, one for the output;
/// the backward recomputes x-hat from the saved mean and 1/std instead of keeping it).
///
/// For a normalisation group with elements x_i (n of them), mean mu, biased variance s^2 and
/// r = 1/sqrt(s^2 + eps): x-hat_i = (x_i - mu) r, y_i = gamma_c x-hat_i + beta_c. Backward with
/// d-hat_i = g_i gamma_c: dx_i = r (d-hat_i - mean(d-hat) - x-hat_i mean(d-hat x-hat)),
/// dgamma_c = sum g x-hat, dbeta_c = sum g.
enum NormalizationKernels {
    /// Normalises contiguous rows of `x` viewed as `[rows, channelsPerGroup * spatial]`.
    /// Row r belongs to group `r % groups`; its element (c', s) uses affine channel
    /// `(r % groups) * channelsPerGroup + c'`. LayerNorm: groups 1, channelsPerGroup D, spatial 1.
    /// GroupNorm on `[N, C, S]`: rows N*G, channelsPerGroup C/G, spatial S.
    static func rowNormalize(_ x: Tensor, groups: Int, channelsPerGroup: Int, spatial: Int,
                             weight: Tensor?, bias: Tensor?, eps: Float) -> Tensor {
        let rowLength = channelsPerGroup * spatial
        precondition(rowLength > 0 && x.count % rowLength == 0, "normalize: shape \(x.shape) does not split into rows of \(rowLength)")
        let rows = x.count / rowLength, channels = groups * channelsPerGroup
        var mean = [Float](repeating: 0, count: rows)
        var rstd = [Float](repeating: 0, count: rows)
        var out = [Float](repeating: 0, count: x.count)
        let gamma = weight?.data ?? [Float](repeating: 1, count: channels)   // [C]
        let beta = bias?.data ?? [Float](repeating: 0, count: channels)      // [C]
        // Rows are independent: split them over the compute threads when the tensor is large.
        let rowsPerRange = x.count >= ComputeThreads.elementwiseGrain ? 1 : Swift.max(rows, 1)
        x.data.withUnsafeBufferPointer { px in
            out.withUnsafeMutableBufferPointer { po in
                mean.withUnsafeMutableBufferPointer { pm in
                    rstd.withUnsafeMutableBufferPointer { pr in
                        gamma.withUnsafeBufferPointer { pw in
                            beta.withUnsafeBufferPointer { pb in
                                ComputeThreads.forRanges(rows, minPerRange: rowsPerRange) { range in
                                    for r in range {
                                        let row = px.baseAddress! + r * rowLength, outRow = po.baseAddress! + r * rowLength
                                        let mu = Self.sum(row, rowLength) / Float(rowLength)
                                        let inv = 1 / (Self.sumOfSquaredDeviations(row, rowLength, mean: mu) / Float(rowLength) + eps).squareRoot()
                                        pm[r] = mu; pr[r] = inv
                                        let g0 = (r % groups) * channelsPerGroup
                                        if spatial == 1 {
                                            for i in 0..<rowLength { outRow[i] = (row[i] - mu) * inv * pw[g0 + i] + pb[g0 + i] }
                                            continue
                                        }
                                        for c in 0..<channelsPerGroup {
                                            let scale = pw[g0 + c] * inv, shift = pb[g0 + c] - mu * scale
                                            let o = c * spatial
                                            for s in 0..<spatial { outRow[o + s] = row[o + s] * scale + shift }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        let inputs = [x] + [weight, bias].compactMap { $0 }
        return Tensor.record(Tensor(out, shape: x.shape), inputs: inputs) { g in
            var dx = [Float](repeating: 0, count: x.count)
            var dw = [Float](repeating: 0, count: channels)
            var db = [Float](repeating: 0, count: channels)
            x.data.withUnsafeBufferPointer { px in
                g.data.withUnsafeBufferPointer { pg in
                    dx.withUnsafeMutableBufferPointer { pdx in
                        gamma.withUnsafeBufferPointer { pw in
                            dw.withUnsafeMutableBufferPointer { pdw in
                                db.withUnsafeMutableBufferPointer { pdb in
                                    for r in 0..<rows {
                                        let base = r * rowLength, mu = mean[r], inv = rstd[r]
                                        let row = px.baseAddress! + base, gRow = pg.baseAddress! + base, dRow = pdx.baseAddress! + base
                                        let g0 = (r % groups) * channelsPerGroup
                                        var m1: Float = 0, m2: Float = 0
                                        if spatial == 1 {
                                            // 16 lanes at a time (explicit SIMD: the buffers could alias as far as
                                            // the compiler knows), then the tail.
                                            typealias V = SIMD16<Float>
                                            var v1 = V(), v2 = V(), i = 0
                                            let rx = UnsafeRawPointer(row), rg = UnsafeRawPointer(gRow)
                                            let rw = UnsafeRawPointer(pw.baseAddress! + g0)
                                            let rdw = UnsafeMutableRawPointer(pdw.baseAddress! + g0)
                                            let rdb = UnsafeMutableRawPointer(pdb.baseAddress! + g0)
                                            while i + 16 <= rowLength {
                                                let o = i * 4
                                                let xh = (rx.loadUnaligned(fromByteOffset: o, as: V.self) - mu) * inv
                                                let gy = rg.loadUnaligned(fromByteOffset: o, as: V.self)
                                                let gw = gy * rw.loadUnaligned(fromByteOffset: o, as: V.self)
                                                rdw.storeBytes(of: rdw.loadUnaligned(fromByteOffset: o, as: V.self) + gy * xh, toByteOffset: o, as: V.self)
                                                rdb.storeBytes(of: rdb.loadUnaligned(fromByteOffset: o, as: V.self) + gy, toByteOffset: o, as: V.self)
                                                v1 += gw; v2 += gw * xh
                                                i += 16
                                            }
                                            m1 = v1.sum(); m2 = v2.sum()
                                            while i < rowLength {
                                                let xh = (row[i] - mu) * inv, gy = gRow[i], gw = gy * pw[g0 + i]
                                                pdw[g0 + i] += gy * xh; pdb[g0 + i] += gy
                                                m1 += gw; m2 += gw * xh
                                                i += 1
                                            }
                                        } else {
                                            for c in 0..<channelsPerGroup {
                                                let o = c * spatial
                                                var sg: Float = 0, sgx: Float = 0
                                                for s in 0..<spatial {
                                                    let xh = (row[o + s] - mu) * inv
                                                    sg += gRow[o + s]; sgx += gRow[o + s] * xh
                                                }
                                                pdw[g0 + c] += sgx; pdb[g0 + c] += sg
                                                m1 += pw[g0 + c] * sg; m2 += pw[g0 + c] * sgx
                                            }
                                        }
                                        m1 /= Float(rowLength); m2 /= Float(rowLength)
                                        if spatial == 1 {
                                            typealias V = SIMD16<Float>
                                            let rx = UnsafeRawPointer(row), rg = UnsafeRawPointer(gRow)
                                            let rw = UnsafeRawPointer(pw.baseAddress! + g0), rd = UnsafeMutableRawPointer(dRow)
                                            var i = 0
                                            while i + 16 <= rowLength {
                                                let o = i * 4
                                                let xh = (rx.loadUnaligned(fromByteOffset: o, as: V.self) - mu) * inv
                                                let gw = rg.loadUnaligned(fromByteOffset: o, as: V.self) * rw.loadUnaligned(fromByteOffset: o, as: V.self)
                                                rd.storeBytes(of: inv * (gw - m1 - xh * m2), toByteOffset: o, as: V.self)
                                                i += 16
                                            }
                                            while i < rowLength {
                                                dRow[i] = inv * (gRow[i] * pw[g0 + i] - m1 - (row[i] - mu) * inv * m2)
                                                i += 1
                                            }
                                            continue
                                        }
                                        for c in 0..<channelsPerGroup {
                                            let gam = pw[g0 + c], o = c * spatial
                                            for s in 0..<spatial {
                                                dRow[o + s] = inv * (gRow[o + s] * gam - m1 - (row[o + s] - mu) * inv * m2)
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            x.accumulateGrad(dx)
            weight?.accumulateGrad(dw)
            bias?.accumulateGrad(db)
        }
    }

    /// Sum of `n` floats with 16 independent partial sums (vectorises; order differs from a serial sum).
    @inline(__always)
    static func sum(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = SIMD16<Float>()
        var i = 0
        let raw = UnsafeRawPointer(p)
        while i + 16 <= n {
            acc += raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
            i += 16
        }
        var total = acc.sum()
        while i < n { total += p[i]; i += 1 }
        return total
    }

    /// Σ (p[i] - mean)^2 over `n` floats with 16 independent partial sums (vectorises).
    @inline(__always)
    static func sumOfSquaredDeviations(_ p: UnsafePointer<Float>, _ n: Int, mean: Float) -> Float {
        var acc = SIMD16<Float>()
        let mu = SIMD16<Float>(repeating: mean)
        var i = 0
        let raw = UnsafeRawPointer(p)
        while i + 16 <= n {
            let d = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self) - mu
            acc += d * d
            i += 16
        }
        var total = acc.sum()
        while i < n { let d = p[i] - mean; total += d * d; i += 1 }
        return total
    }

    /// Per-channel statistics of `[N, C, S]` (BatchNorm in training): returns mean and biased variance `[C]`.
    static func channelStatistics(_ x: Tensor, channels: Int) -> (mean: [Float], variance: [Float]) {
        let n = x.shape[0], spatial = x.count / Swift.max(n * channels, 1)
        var mean = [Float](repeating: 0, count: channels)
        var variance = [Float](repeating: 0, count: channels)
        let total = Float(n * spatial)
        x.data.withUnsafeBufferPointer { px in
            for c in 0..<channels {
                var sum: Float = 0
                for b in 0..<n { sum += Self.sum(px.baseAddress! + (b * channels + c) * spatial, spatial) }
                let mu = sum / total
                var sq: Float = 0
                for b in 0..<n {
                    let o = (b * channels + c) * spatial
                    for s in 0..<spatial { let d = px[o + s] - mu; sq += d * d }
                }
                mean[c] = mu; variance[c] = sq / total
            }
        }
        return (mean, variance)
    }

    /// Normalises `[N, C, S]` per channel with the given statistics (`[C]` each).
    /// `batchStatistics`: the statistics came from this batch, so the backward includes their
    /// dependence on x (training); otherwise they are constants (evaluation): dx = g gamma r.
    static func channelNormalize(_ x: Tensor, channels: Int, mean: [Float], variance: [Float],
                                 weight: Tensor?, bias: Tensor?, eps: Float, batchStatistics: Bool) -> Tensor {
        let n = x.shape[0], spatial = x.count / Swift.max(n * channels, 1)
        let rstd = variance.map { 1 / ($0 + eps).squareRoot() }
        var out = [Float](repeating: 0, count: x.count)
        let w = weight?.data, b = bias?.data
        x.data.withUnsafeBufferPointer { px in
            out.withUnsafeMutableBufferPointer { po in
                for c in 0..<channels {
                    let scale = (w?[c] ?? 1) * rstd[c]
                    let shift = (b?[c] ?? 0) - mean[c] * scale
                    for bi in 0..<n {
                        let o = (bi * channels + c) * spatial
                        for s in 0..<spatial { po[o + s] = px[o + s] * scale + shift }
                    }
                }
            }
        }
        let inputs = [x] + [weight, bias].compactMap { $0 }
        return Tensor.record(Tensor(out, shape: x.shape), inputs: inputs) { g in
            var dx = [Float](repeating: 0, count: x.count)
            var dw = [Float](repeating: 0, count: channels)
            var db = [Float](repeating: 0, count: channels)
            let total = Float(n * spatial)
            x.data.withUnsafeBufferPointer { px in
                g.data.withUnsafeBufferPointer { pg in
                    dx.withUnsafeMutableBufferPointer { pdx in
                        for c in 0..<channels {
                            let mu = mean[c], inv = rstd[c], gamma = w?[c] ?? 1
                            var sg: Float = 0, sgx: Float = 0
                            for bi in 0..<n {
                                let o = (bi * channels + c) * spatial
                                for s in 0..<spatial { sg += pg[o + s]; sgx += pg[o + s] * (px[o + s] - mu) * inv }
                            }
                            dw[c] = sgx; db[c] = sg
                            let m1 = batchStatistics ? gamma * sg / total : 0
                            let m2 = batchStatistics ? gamma * sgx / total : 0
                            for bi in 0..<n {
                                let o = (bi * channels + c) * spatial
                                for s in 0..<spatial {
                                    let xh = (px[o + s] - mu) * inv
                                    pdx[o + s] = inv * (pg[o + s] * gamma - m1 - xh * m2)
                                }
                            }
                        }
                    }
                }
            }
            x.accumulateGrad(dx)
            weight?.accumulateGrad(dw)
            bias?.accumulateGrad(db)
        }
    }
}
