/// The camera's global motion as an affine flow, fitted robustly to a dense or block motion field
/// (iteratively reweighted least squares: a plain fit, one Huber reweighting, then redescending
/// Cauchy weights 1 / (1 + (r / scale)^2) so that independently moving objects stop pulling the fit),
/// and the residual (object) motion that remains.
///
/// Model: `u(x, y) = a0 + a1 x + a2 y`, `v(x, y) = a3 + a4 x + a5 y` with x, y in pixels. Pixels
/// with weight 0 (e.g. uncovered codec blocks) are ignored by the fit.
public struct GlobalMotion: Equatable, Sendable {
    /// `[a0, a1, a2]` of u and `[a3, a4, a5]` of v.
    public var u: [Double]
    public var v: [Double]

    /// Fits the affine model to `dx`, `dy` (`[height * width]`), weighting pixels by `weights` (nil: all 1).
    /// `huber` is the residual scale in pixels (Huber threshold, then the Cauchy scale); fits on a grid of
    /// every `step`-th pixel.
    public static func fit(dx: [Float], dy: [Float], width: Int, height: Int, weights: [Float]? = nil,
                           huber: Double = 0.5, iterations: Int = 6, step: Int = 2) -> GlobalMotion {
        precondition(dx.count == width * height && dy.count == width * height, "GlobalMotion.fit: field must be \(width)x\(height)")
        var model = GlobalMotion(u: [0, 0, 0], v: [0, 0, 0])
        var points: [(x: Double, y: Double, u: Double, v: Double, w: Double)] = []
        for y in stride(from: 0, to: height, by: step) {
            for x in stride(from: 0, to: width, by: step) {
                let i = y * width + x
                let w = Double(weights?[i] ?? 1)
                if w > 0 { points.append((Double(x), Double(y), Double(dx[i]), Double(dy[i]), w)) }
            }
        }
        guard points.count >= 3 else { return model }
        var robust = [Double](repeating: 1, count: points.count)
        for iteration in 0..<max(1, iterations) {
            if iteration > 0 {
                for (k, p) in points.enumerated() {
                    let (mu, mv) = model.flow(x: p.x, y: p.y)
                    let r = ((p.u - mu) * (p.u - mu) + (p.v - mv) * (p.v - mv)).squareRoot()
                    robust[k] = iteration == 1 ? (r <= huber ? 1 : huber / r) : 1 / (1 + (r / huber) * (r / huber))
                }
            }
            var ata = [Double](repeating: 0, count: 9), atu = [Double](repeating: 0, count: 3), atv = atu
            for (k, p) in points.enumerated() {
                let w = p.w * robust[k]
                let row = [1, p.x, p.y]
                for r in 0..<3 {
                    for c in 0..<3 { ata[r * 3 + c] += w * row[r] * row[c] }
                    atu[r] += w * row[r] * p.u
                    atv[r] += w * row[r] * p.v
                }
            }
            for d in 0..<3 { ata[d * 3 + d] += 1e-6 }
            guard let su = solve3(ata, atu), let sv = solve3(ata, atv) else { break }
            model = GlobalMotion(u: su, v: sv)
        }
        return model
    }

    /// The affine flow at (x, y).
    @inline(__always) public func flow(x: Double, y: Double) -> (Double, Double) {
        (u[0] + u[1] * x + u[2] * y, v[0] + v[1] * x + v[2] * y)
    }

    /// `dx`, `dy` minus this global motion.
    public func residual(dx: [Float], dy: [Float], width: Int, height: Int) -> (dx: [Float], dy: [Float]) {
        var rx = dx, ry = dy
        for y in 0..<height {
            for x in 0..<width {
                let (mu, mv) = flow(x: Double(x), y: Double(y))
                rx[y * width + x] -= Float(mu)
                ry[y * width + x] -= Float(mv)
            }
        }
        return (rx, ry)
    }

    /// Solves a 3x3 system (row-major) by Cramer's rule; nil when singular.
    static func solve3(_ a: [Double], _ b: [Double]) -> [Double]? {
        func det(_ m: [Double]) -> Double {
            m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6]) + m[2] * (m[3] * m[7] - m[4] * m[6])
        }
        let d = det(a)
        guard Swift.abs(d) > 1e-12 else { return nil }
        return (0..<3).map { c in
            var m = a
            for r in 0..<3 { m[r * 3 + c] = b[r] }
            return det(m) / d
        }
    }
}
