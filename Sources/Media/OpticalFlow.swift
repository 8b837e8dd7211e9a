/// Dense pyramidal Lucas-Kanade optical flow on gray float planes (no codec vectors needed).
///
/// At each pyramid level (coarse to fine) the second image is warped by the current flow, and the
/// per-pixel update solves the 2x2 system of the window-summed structure tensor
/// `[Σ Ix², Σ IxIy; Σ IxIy, Σ Iy²] d = -[Σ Ix It; Σ Iy It]` (Tikhonov `regularization` on the
/// diagonal keeps flat regions at zero). Layout: planes are row-major `[height * width]`.
/// `flow(from: a, to: b)` gives, at each pixel of `a`, the displacement of its content in `b`.
///
/// Two ways to take the temporal difference `It` over a pixel's window (`warp`):
/// - `.windowed`, Lucas-Kanade proper (Bouguet's pyramidal formulation): every window pixel j of
///   pixel i is compared at i's flow, `It_j = b(x_j + d_i) - a(x_j)`, so each pixel solves its own
///   least-squares problem and the iterations converge.
/// - `.pixelwise` (the default; the shipped segmenters and the classifiers before session 19): each pixel's difference is
///   taken at its own flow, `It_j = b(x_j + d_j) - a(x_j)`, then window-summed (one box filter; about the
///   windowed form's cost on SyncMNIST, ~0.5 ms per frame pair). Neighbours with other flows pull on each other: on SyncMNIST digits its median
///   error is 0.38 px against 0.07 for `.windowed`, and more than ~3 iterations make it diverge.
public struct OpticalFlow: Sendable {
    /// How the temporal difference over a window is taken (see the type's comment).
    public enum Warp: String, Sendable, CaseIterable {
        case pixelwise, windowed
    }

    /// Pyramid levels (each halves the size; stops early when a side would drop below 8).
    public var levels: Int = 3
    /// Gauss-Newton iterations per level.
    public var iterations: Int = 3
    /// Half side of the square summation window.
    public var windowRadius: Int = 2
    /// Added to the structure tensor's diagonal.
    public var regularization: Float = 1e-3
    /// Temporal difference per window: `.pixelwise` (default) or `.windowed` (Lucas-Kanade proper).
    public var warp: Warp = .pixelwise

    public init(levels: Int = 3, iterations: Int = 3, windowRadius: Int = 2, regularization: Float = 1e-3,
                warp: Warp = .pixelwise) {
        self.levels = levels
        self.iterations = iterations
        self.windowRadius = windowRadius
        self.regularization = regularization
        self.warp = warp
    }

    /// Flow from `first` to `second` (both `[height * width]`, values in about 0...1).
    public func flow(from first: [Float], to second: [Float], width: Int, height: Int) -> (dx: [Float], dy: [Float]) {
        precondition(first.count == width * height && second.count == width * height,
                     "OpticalFlow: planes must hold \(width)x\(height) values, got \(first.count) and \(second.count)")
        var pyramidA = [(first, width, height)], pyramidB = [(second, width, height)]
        while pyramidA.count < levels, pyramidA.last!.1 >= 16, pyramidA.last!.2 >= 16 {
            let (a, w, h) = pyramidA.last!, (b, _, _) = pyramidB.last!
            pyramidA.append(Self.halve(a, w, h))
            pyramidB.append(Self.halve(b, w, h))
        }
        var dx = [Float](), dy = [Float]()
        var prevW = 0, prevH = 0
        for level in stride(from: pyramidA.count - 1, through: 0, by: -1) {
            let (a, w, h) = pyramidA[level], (b, _, _) = pyramidB[level]
            if dx.isEmpty {
                dx = [Float](repeating: 0, count: w * h); dy = dx
            } else {
                dx = Self.upsampleFlow(dx, prevW, prevH, w, h, scale: Float(w) / Float(prevW))
                dy = Self.upsampleFlow(dy, prevW, prevH, w, h, scale: Float(h) / Float(prevH))
            }
            refine(a, b, w, h, &dx, &dy)
            prevW = w; prevH = h
        }
        return (dx, dy)
    }

    /// Gauss-Newton Lucas-Kanade updates at one level.
    func refine(_ a: [Float], _ b: [Float], _ w: Int, _ h: Int, _ dx: inout [Float], _ dy: inout [Float]) {
        let n = w * h
        // Work planes: ix, iy, the three structure-tensor sums, sxt (first the warped difference I_t), syt,
        // a product and a box-sum scratch.
        let planes = UnsafeMutablePointer<Float>.allocate(capacity: 9 * n)
        defer { planes.deallocate() }
        let ix = planes, iy = planes + n, sxx = planes + 2 * n, sxy = planes + 3 * n, syy = planes + 4 * n
        let sxt = planes + 5 * n, syt = planes + 6 * n, product = planes + 7 * n, scratch = planes + 8 * n
        let r = windowRadius, reg = regularization
        a.withUnsafeBufferPointer { ap in
            b.withUnsafeBufferPointer { bp in
                dx.withUnsafeMutableBufferPointer { dxp in
                    dy.withUnsafeMutableBufferPointer { dyp in
                        let a = ap.baseAddress!, b = bp.baseAddress!, dx = dxp.baseAddress!, dy = dyp.baseAddress!
                        for y in 0..<h {
                            let yu = max(y - 1, 0), yd = min(y + 1, h - 1)
                            let vScale = 1 / Float(max(yd - yu, 1))
                            for x in 0..<w {
                                let xl = max(x - 1, 0), xr = min(x + 1, w - 1)
                                ix[y * w + x] = (a[y * w + xr] - a[y * w + xl]) / Float(max(xr - xl, 1))
                                iy[y * w + x] = (a[yd * w + x] - a[yu * w + x]) * vScale
                            }
                        }
                        func boxOfProduct(_ u: UnsafePointer<Float>, _ v: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>) {
                            for i in 0..<n { product[i] = u[i] * v[i] }
                            Self.boxSum(product, w, h, r, into: out, scratch: scratch)
                        }
                        boxOfProduct(ix, ix, into: sxx)
                        boxOfProduct(ix, iy, into: sxy)
                        boxOfProduct(iy, iy, into: syy)
                        if warp == .windowed {
                            Self.windowedUpdates(a, b, w, h, r, ix: ix, iy: iy, sxx: sxx, sxy: sxy, syy: syy, reg: reg,
                                                 iterations: iterations, dx: dx, dy: dy)
                            return
                        }
                        for _ in 0..<iterations {
                            // Temporal difference after warping b by the current flow (in sxt, then multiplied).
                            let diff = sxt
                            for y in 0..<h {
                                for x in 0..<w {
                                    let i = y * w + x
                                    diff[i] = Self.bilinear(b, w, h, Float(x) + dx[i], Float(y) + dy[i]) - a[i]
                                }
                            }
                            for i in 0..<n { product[i] = iy[i] * diff[i] }
                            Self.boxSum(product, w, h, r, into: syt, scratch: scratch)
                            for i in 0..<n { product[i] = ix[i] * diff[i] }
                            Self.boxSum(product, w, h, r, into: sxt, scratch: scratch)
                            for i in 0..<n {
                                let a11 = sxx[i] + reg, a12 = sxy[i], a22 = syy[i] + reg
                                let det = a11 * a22 - a12 * a12
                                guard det > 1e-12 else { continue }
                                let ux = -(a22 * sxt[i] - a12 * syt[i]) / det
                                let uy = -(a11 * syt[i] - a12 * sxt[i]) / det
                                dx[i] += max(-4, min(4, ux))
                                dy[i] += max(-4, min(4, uy))
                            }
                        }
                    }
                }
            }
        }
    }

    /// `.windowed` Gauss-Newton updates at one level: per pixel i, `iterations` solves of
    /// `A d = -[Σ_j Ix_j It_j; Σ_j Iy_j It_j]` with `It_j = b(x_j + d_i) - a(x_j)` over i's window
    /// (clamped at the borders like `boxSum`). The bilinear weights are the same for every j of a
    /// window (one fractional part, d_i's), so inside the image each sample is 4 reads and 4 products.
    static func windowedUpdates(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ w: Int, _ h: Int, _ r: Int,
                                ix: UnsafePointer<Float>, iy: UnsafePointer<Float>,
                                sxx: UnsafePointer<Float>, sxy: UnsafePointer<Float>, syy: UnsafePointer<Float>, reg: Float,
                                iterations: Int, dx: UnsafeMutablePointer<Float>, dy: UnsafeMutablePointer<Float>) {
        for y in 0..<h {
            let v0 = max(y - r, 0), v1 = min(y + r, h - 1)
            for x in 0..<w {
                let i = y * w + x
                // A window without gradient (e.g. SyncMNIST's black background) has b = 0: no update.
                guard sxx[i] + syy[i] > 0 else { continue }
                let a11 = sxx[i] + reg, a12 = sxy[i], a22 = syy[i] + reg
                let det = a11 * a22 - a12 * a12
                guard det > 1e-12 else { continue }
                let u0 = max(x - r, 0), u1 = min(x + r, w - 1)
                for _ in 0..<iterations {
                    let px = dx[i], py = dy[i]
                    let fx0 = px.rounded(.down), fy0 = py.rounded(.down)
                    var bx: Float = 0, by: Float = 0
                    if fx0.magnitude < Float(w), fy0.magnitude < Float(h),
                       u0 + Int(fx0) >= 0, u1 + Int(fx0) + 1 <= w - 1, v0 + Int(fy0) >= 0, v1 + Int(fy0) + 1 <= h - 1 {
                        let ox = Int(fx0), oy = Int(fy0), fx = px - fx0, fy = py - fy0
                        let w00 = (1 - fx) * (1 - fy), w01 = fx * (1 - fy), w10 = (1 - fx) * fy, w11 = fx * fy
                        // Row pointers start at the window's first column; indices stay inside the checked
                        // bounds above, so the offsets use wrapping arithmetic (no overflow checks in the loop).
                        // Four window columns at a time in SIMD lanes, the rest (1 of 5 for r = 2) one by one.
                        let span = u1 &- u0
                        var sumX = SIMD4<Float>(), sumY = SIMD4<Float>()
                        for v in v0...v1 {
                            let row = v &* w &+ u0
                            let top = b + (row &+ oy &* w &+ ox), bottom = top + w, rowA = a + row
                            let rowX = ix + row, rowY = iy + row
                            var k = 0
                            while k &+ 3 <= span {
                                let t = w00 * load4(top + k) + w01 * load4(top + (k &+ 1)) + w10 * load4(bottom + k)
                                    + w11 * load4(bottom + (k &+ 1)) - load4(rowA + k)
                                sumX += load4(rowX + k) * t
                                sumY += load4(rowY + k) * t
                                k &+= 4
                            }
                            while k <= span {
                                let t = w00 * top[k] + w01 * top[k &+ 1] + w10 * bottom[k] + w11 * bottom[k &+ 1] - rowA[k]
                                bx += rowX[k] * t
                                by += rowY[k] * t
                                k &+= 1
                            }
                        }
                        bx += sumX.sum(); by += sumY.sum()
                    } else {
                        for v in v0...v1 {
                            for u in u0...u1 {
                                let t = bilinear(b, w, h, Float(u) + px, Float(v) + py) - a[v * w + u]
                                bx += ix[v * w + u] * t
                                by += iy[v * w + u] * t
                            }
                        }
                    }
                    let ux = -(a22 * bx - a12 * by) / det
                    let uy = -(a11 * by - a12 * bx) / det
                    dx[i] += max(-4, min(4, ux))
                    dy[i] += max(-4, min(4, uy))
                }
            }
        }
    }

    /// Four consecutive floats from `p` (no alignment needed).
    @inline(__always) static func load4(_ p: UnsafePointer<Float>) -> SIMD4<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD4<Float>.self)
    }

    /// Bilinear sample of a `[h * w]` plane at (x, y) with border clamping, through a pointer.
    @inline(__always) static func bilinear(_ p: UnsafePointer<Float>, _ w: Int, _ h: Int, _ x: Float, _ y: Float) -> Float {
        let xc = min(max(x, 0), Float(w - 1)), yc = min(max(y, 0), Float(h - 1))
        let x0 = Int(xc), y0 = Int(yc)
        let x1 = min(x0 + 1, w - 1), y1 = min(y0 + 1, h - 1)
        let fx = xc - Float(x0), fy = yc - Float(y0)
        let top = p[y0 * w + x0] * (1 - fx) + p[y0 * w + x1] * fx
        let bottom = p[y1 * w + x0] * (1 - fx) + p[y1 * w + x1] * fx
        return top * (1 - fy) + bottom * fy
    }

    /// Bilinear sample of a `[h * w]` plane at (x, y) with border clamping.
    @inline(__always) public static func bilinear(_ p: [Float], _ w: Int, _ h: Int, _ x: Float, _ y: Float) -> Float {
        p.withUnsafeBufferPointer { bilinear($0.baseAddress!, w, h, x, y) }
    }

    /// Sum over a `(2r+1)^2` window clamped at the borders (only in-image values count): a horizontal
    /// then a vertical pass, each a direct sum of at most 2r + 1 values (`scratch` holds the rows' sums).
    static func boxSum(_ p: UnsafePointer<Float>, _ w: Int, _ h: Int, _ r: Int,
                       into out: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        for y in 0..<h {
            // One unit-stride pass per window offset k (dst[x] += row[x + k] where x + k is inside).
            let row = p + y * w, dst = scratch + y * w
            for x in 0..<w { dst[x] = row[x] }
            if r > 0 {
                for k in 1...r where k < w {
                    for x in 0..<(w - k) { dst[x] += row[x + k] }
                    for x in k..<w { dst[x] += row[x - k] }
                }
            }
        }
        for y in 0..<h {
            let dst = out + y * w
            let y0 = max(y - r, 0), y1 = min(y + r + 1, h)
            for x in 0..<w { dst[x] = scratch[y0 * w + x] }
            if y1 - y0 > 1 {
                for k in (y0 + 1)..<y1 {
                    let src = scratch + k * w
                    for x in 0..<w { dst[x] += src[x] }
                }
            }
        }
    }

    /// `boxSum` of an array (tests and callers outside the hot loop).
    static func boxSum(_ p: [Float], _ w: Int, _ h: Int, _ r: Int) -> [Float] {
        var out = [Float](repeating: 0, count: w * h)
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: max(w * h, 1))
        defer { scratch.deallocate() }
        p.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in boxSum(src.baseAddress!, w, h, r, into: dst.baseAddress!, scratch: scratch) }
        }
        return out
    }

    /// 2x2 average downsample.
    static func halve(_ p: [Float], _ w: Int, _ h: Int) -> ([Float], Int, Int) {
        let w2 = w / 2, h2 = h / 2
        var out = [Float](repeating: 0, count: w2 * h2)
        for y in 0..<h2 {
            for x in 0..<w2 {
                out[y * w2 + x] = 0.25 * (p[2 * y * w + 2 * x] + p[2 * y * w + 2 * x + 1] + p[(2 * y + 1) * w + 2 * x] + p[(2 * y + 1) * w + 2 * x + 1])
            }
        }
        return (out, w2, h2)
    }

    /// Bilinear resize of a flow component, multiplied by `scale`.
    static func upsampleFlow(_ p: [Float], _ w: Int, _ h: Int, _ w2: Int, _ h2: Int, scale: Float) -> [Float] {
        resizePlane(p, width: w, height: h, toWidth: w2, toHeight: h2).map { $0 * scale }
    }

    /// Bilinear resize of a plane (half-pixel centres, like `align_corners=False`).
    public static func resizePlane(_ p: [Float], width w: Int, height h: Int, toWidth w2: Int, toHeight h2: Int) -> [Float] {
        if w == w2 && h == h2 { return p }
        var out = [Float](repeating: 0, count: w2 * h2)
        let sx = Float(w) / Float(w2), sy = Float(h) / Float(h2)
        // The column taps and weights are the same on every row: computed once (values as `bilinear`).
        var x0s = [Int](repeating: 0, count: w2), x1s = x0s, fxs = [Float](repeating: 0, count: w2)
        for x in 0..<w2 {
            let xc = min(max((Float(x) + 0.5) * sx - 0.5, 0), Float(w - 1))
            x0s[x] = Int(xc); x1s[x] = min(x0s[x] + 1, w - 1); fxs[x] = xc - Float(x0s[x])
        }
        p.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                x0s.withUnsafeBufferPointer { x0p in
                    x1s.withUnsafeBufferPointer { x1p in
                        fxs.withUnsafeBufferPointer { fxp in
                            for y in 0..<h2 {
                                let yc = min(max((Float(y) + 0.5) * sy - 0.5, 0), Float(h - 1))
                                let y0 = Int(yc), y1 = min(y0 + 1, h - 1), fy = yc - Float(y0)
                                let r0 = src.baseAddress! + y0 * w, r1 = src.baseAddress! + y1 * w
                                let o = dst.baseAddress! + y * w2
                                for x in 0..<w2 {
                                    let a = x0p[x], b = x1p[x], fx = fxp[x]
                                    let top = r0[a] * (1 - fx) + r0[b] * fx
                                    let bottom = r1[a] * (1 - fx) + r1[b] * fx
                                    o[x] = top * (1 - fy) + bottom * fy
                                }
                            }
                        }
                    }
                }
            }
        }
        return out
    }
}
