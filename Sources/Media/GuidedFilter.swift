/// Colour guided filter (He, Sun & Tang, "Guided Image Filtering", ECCV 2010 / TPAMI 2013): an
/// edge-aware smoothing of a map `p` steered by an RGB image `I`. In every window ω_k of radius r the
/// output is an affine function of the guide's colour,
///
///     a_k = (Σ_k + ε U)⁻¹ cov_k(I, p),    b_k = p̄_k − a_kᵀ μ_k,    q_i = ā_iᵀ I_i + b̄_i,
///
/// (μ_k, Σ_k: mean and 3x3 covariance of I in ω_k; p̄_k: mean of p; ā_i, b̄_i: a and b averaged over
/// the windows that hold i). Edges of q follow edges of I, so a coarse, upsampled probability map snaps
/// to the object's colour boundaries. Windows are truncated at the image border (means over the pixels
/// inside). The fast variant (He & Sun, "Fast Guided Filter", 2015) computes a and b at 1/s resolution
/// (radius r/s) and applies them to the full-resolution guide.
public enum GuidedFilter {
    /// Filters `p` `[H * W]` with guide planes `guide` (3 x `[H * W]`, values 0...1).
    public static func filter(guide: [[Float]], input p: [Float], width: Int, height: Int, radius: Int, epsilon: Float) -> [Float] {
        let (a, b) = coefficients(guide: guide, input: p, width: width, height: height, radius: radius, epsilon: epsilon)
        return apply(a: a, b: b, guide: guide, count: width * height)
    }

    /// The fast variant on an RGB frame: guide and `p` (`[H * W]`, the frame's size) are resized to
    /// 1/`subsample` (bilinear), the coefficients computed there with radius max(1, r / s), upsampled
    /// back (bilinear) and applied to the full-resolution guide. `subsample` 1 is the exact filter.
    public static func fastFilter(guide image: RGBImage, input p: [Float], radius: Int, epsilon: Float, subsample: Int) -> [Float] {
        let w = image.width, h = image.height
        precondition(p.count == w * h, "GuidedFilter: map of \(p.count) values for a \(w)x\(h) guide")
        let full = planes(image)
        let s = max(1, subsample)
        let w2 = max(1, (w + s - 1) / s), h2 = max(1, (h + s - 1) / s)
        if w2 == w && h2 == h {
            return filter(guide: full, input: p, width: w, height: h, radius: radius, epsilon: epsilon)
        }
        let small = full.map { OpticalFlow.resizePlane($0, width: w, height: h, toWidth: w2, toHeight: h2) }
        let pSmall = OpticalFlow.resizePlane(p, width: w, height: h, toWidth: w2, toHeight: h2)
        let (a, b) = coefficients(guide: small, input: pSmall, width: w2, height: h2, radius: max(1, radius / s), epsilon: epsilon)
        let aUp = a.map { OpticalFlow.resizePlane($0, width: w2, height: h2, toWidth: w, toHeight: h) }
        let bUp = OpticalFlow.resizePlane(b, width: w2, height: h2, toWidth: w, toHeight: h)
        return apply(a: aUp, b: bUp, guide: full, count: w * h)
    }

    /// The image's R, G, B planes scaled to 0...1.
    public static func planes(_ image: RGBImage) -> [[Float]] {
        let n = image.width * image.height
        var out = [[Float]](repeating: [Float](repeating: 0, count: n), count: 3)
        image.pixels.withUnsafeBufferPointer { px in
            for c in 0..<3 {
                out[c].withUnsafeMutableBufferPointer { o in
                    for i in 0..<n { o[i] = Float(px[3 * i + c]) * (1 / 255) }
                }
            }
        }
        return out
    }

    /// ā (3 planes) and b̄ of the filter: window statistics, the per-window 3x3 solve, then the means
    /// of a and b over the windows holding each pixel.
    static func coefficients(guide I: [[Float]], input p: [Float], width w: Int, height h: Int, radius r: Int, epsilon eps: Float)
        -> (a: [[Float]], b: [Float]) {
        let n = w * h
        let mean = I.map { boxMean($0, width: w, height: h, radius: r) }     // μ_c
        let meanP = boxMean(p, width: w, height: h, radius: r)
        func product(_ x: [Float], _ y: [Float]) -> [Float] {
            var out = [Float](repeating: 0, count: n)
            for i in 0..<n { out[i] = x[i] * y[i] }
            return out
        }
        let ip = (0..<3).map { boxMean(product(I[$0], p), width: w, height: h, radius: r) }   // mean(I_c p)
        // Upper triangle of mean(I_c I_d): rr, rg, rb, gg, gb, bb.
        let pairs = [(0, 0), (0, 1), (0, 2), (1, 1), (1, 2), (2, 2)]
        let ii = pairs.map { boxMean(product(I[$0.0], I[$0.1]), width: w, height: h, radius: r) }
        var a = [[Float]](repeating: [Float](repeating: 0, count: n), count: 3)
        var b = [Float](repeating: 0, count: n)
        for i in 0..<n {
            let mr = mean[0][i], mg = mean[1][i], mb = mean[2][i], mp = meanP[i]
            let cr = ip[0][i] - mr * mp, cg = ip[1][i] - mg * mp, cb = ip[2][i] - mb * mp
            // Σ + εU, symmetric.
            let srr = ii[0][i] - mr * mr + eps, srg = ii[1][i] - mr * mg, srb = ii[2][i] - mr * mb
            let sgg = ii[3][i] - mg * mg + eps, sgb = ii[4][i] - mg * mb, sbb = ii[5][i] - mb * mb + eps
            // Inverse by cofactors (symmetric, so the adjugate is too).
            let irr = sgg * sbb - sgb * sgb, irg = sgb * srb - srg * sbb, irb = srg * sgb - sgg * srb
            let igg = srr * sbb - srb * srb, igb = srb * srg - srr * sgb, ibb = srr * sgg - srg * srg
            let det = srr * irr + srg * irg + srb * irb
            let ar = (irr * cr + irg * cg + irb * cb) / det
            let ag = (irg * cr + igg * cg + igb * cb) / det
            let ab = (irb * cr + igb * cg + ibb * cb) / det
            a[0][i] = ar; a[1][i] = ag; a[2][i] = ab
            b[i] = mp - ar * mr - ag * mg - ab * mb
        }
        return (a.map { boxMean($0, width: w, height: h, radius: r) }, boxMean(b, width: w, height: h, radius: r))
    }

    /// q_i = ā_iᵀ I_i + b̄_i.
    static func apply(a: [[Float]], b: [Float], guide I: [[Float]], count n: Int) -> [Float] {
        var q = [Float](repeating: 0, count: n)
        for i in 0..<n { q[i] = a[0][i] * I[0][i] + a[1][i] * I[1][i] + a[2][i] * I[2][i] + b[i] }
        return q
    }

    /// Mean of `x` over the (2r + 1)² window around each pixel, truncated at the border (the mean of
    /// the pixels inside); separable running sums in Double.
    public static func boxMean(_ x: [Float], width w: Int, height h: Int, radius r: Int) -> [Float] {
        precondition(x.count == w * h, "boxMean: \(x.count) values for \(w)x\(h)")
        var rows = [Float](repeating: 0, count: w * h)
        x.withUnsafeBufferPointer { src in
            rows.withUnsafeMutableBufferPointer { dst in
                for y in 0..<h {
                    let row = y * w
                    var sum = 0.0
                    for x in 0..<min(r, w) { sum += Double(src[row + x]) }
                    for x in 0..<w {
                        if x + r < w { sum += Double(src[row + x + r]) }
                        if x - r - 1 >= 0 { sum -= Double(src[row + x - r - 1]) }
                        let count = min(x + r, w - 1) - max(x - r, 0) + 1
                        dst[row + x] = Float(sum / Double(count))
                    }
                }
            }
        }
        var out = [Float](repeating: 0, count: w * h)
        rows.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                var sums = [Double](repeating: 0, count: w)
                for y in 0..<min(r, h) { for x in 0..<w { sums[x] += Double(src[y * w + x]) } }
                for y in 0..<h {
                    if y + r < h { let row = (y + r) * w; for x in 0..<w { sums[x] += Double(src[row + x]) } }
                    if y - r - 1 >= 0 { let row = (y - r - 1) * w; for x in 0..<w { sums[x] -= Double(src[row + x]) } }
                    let count = Double(min(y + r, h - 1) - max(y - r, 0) + 1)
                    let row = y * w
                    for x in 0..<w { dst[row + x] = Float(sums[x] / count) }
                }
            }
        }
        return out
    }
}
