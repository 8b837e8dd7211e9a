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
        let rows = x.count / rowLength
        var mean = [Float](repeating: 0, count: rows)
        var rstd = [Float](repeating: 0, count: rows)
        var out = [Float](repeating: 0, count: x.count)
        let w = weight?.data, b = bias?.data
        x.data.withUnsafeBufferPointer { px in
            out.withUnsafeMutableBufferPointer { po in
                for r in 0..<rows {
                    let base = r * rowLength
                    var sum: Float = 0
                    for i in 0..<rowLength { sum += px[base + i] }
                    let mu = sum / Float(rowLength)
                    var sq: Float = 0
                    for i in 0..<rowLength { let d = px[base + i] - mu; sq += d * d }
                    let inv = 1 / (sq / Float(rowLength) + eps).squareRoot()
                    mean[r] = mu; rstd[r] = inv
                    let g0 = (r % groups) * channelsPerGroup
                    for c in 0..<channelsPerGroup {
                        let scale = (w?[g0 + c] ?? 1) * inv
                        let shift = (b?[g0 + c] ?? 0) - mu * scale
                        let o = base + c * spatial
                        for s in 0..<spatial { po[o + s] = px[o + s] * scale + shift }
                    }
                }
            }
        }
        let inputs = [x] + [weight, bias].compactMap { $0 }
        return Tensor.record(Tensor(out, shape: x.shape), inputs: inputs) { g in
            var dx = [Float](repeating: 0, count: x.count)
            let channels = groups * channelsPerGroup
            var dw = [Float](repeating: 0, count: channels)
            var db = [Float](repeating: 0, count: channels)
            x.data.withUnsafeBufferPointer { px in
                g.data.withUnsafeBufferPointer { pg in
                    dx.withUnsafeMutableBufferPointer { pdx in
                        for r in 0..<rows {
                            let base = r * rowLength, mu = mean[r], inv = rstd[r]
                            let g0 = (r % groups) * channelsPerGroup
                            var m1: Float = 0, m2: Float = 0
                            for c in 0..<channelsPerGroup {
                                let gamma = w?[g0 + c] ?? 1
                                let o = base + c * spatial
                                var sg: Float = 0, sgx: Float = 0
                                for s in 0..<spatial {
                                    let xh = (px[o + s] - mu) * inv
                                    sg += pg[o + s]; sgx += pg[o + s] * xh
                                }
                                dw[g0 + c] += sgx; db[g0 + c] += sg
                                m1 += gamma * sg; m2 += gamma * sgx
                            }
                            m1 /= Float(rowLength); m2 /= Float(rowLength)
                            for c in 0..<channelsPerGroup {
                                let gamma = w?[g0 + c] ?? 1
                                let o = base + c * spatial
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

    /// Per-channel statistics of `[N, C, S]` (BatchNorm in training): returns mean and biased variance `[C]`.
    static func channelStatistics(_ x: Tensor, channels: Int) -> (mean: [Float], variance: [Float]) {
        let n = x.shape[0], spatial = x.count / Swift.max(n * channels, 1)
        var mean = [Float](repeating: 0, count: channels)
        var variance = [Float](repeating: 0, count: channels)
        let total = Float(n * spatial)
        x.data.withUnsafeBufferPointer { px in
            for c in 0..<channels {
                var sum: Float = 0
                for b in 0..<n { let o = (b * channels + c) * spatial; for s in 0..<spatial { sum += px[o + s] } }
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
