/// Winograd minimal-filtering 3x3 convolution, F(2x2, 3x3) and F(4x4, 3x3), for stride-1,
/// undilated, ungrouped conv2d (Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks",
/// CVPR 2016).
///
/// Each m x m output tile Y comes from the (m+2) x (m+2) input tile d (neighbours overlap by 2) and
/// the 3x3 filter g:
///
///     Y = A^T [ sum_c (G g_{k,c} G^T) ⊙ (B^T d_c B) ] A
///
/// F(2x2, 3x3) (interpolation points 0, 1, -1, ∞):
///
///     B^T = | 1  0 -1  0 |    G = | 1    0    0   |    A^T = | 1  1  1  0 |
///           | 0  1  1  0 |        | 1/2  1/2  1/2 |          | 0  1 -1 -1 |
///           | 0 -1  1  0 |        | 1/2 -1/2  1/2 |
///           | 0  1  0 -1 |        | 0    0    1   |
///
/// F(4x4, 3x3) (points 0, 1, -1, 2, -2, ∞):
///
///     B^T = | 4  0 -5  0  1  0 |    G = |  1/4     0     0  |    A^T = | 1  1  1  1  1  0 |
///           | 0 -4 -4  1  1  0 |        | -1/6  -1/6  -1/6  |          | 0  1 -1  2 -2  0 |
///           | 0  4 -4 -1  1  0 |        | -1/6   1/6  -1/6  |          | 0  1  1  4  4  0 |
///           | 0 -2 -1  2  1  0 |        |  1/24  1/12  1/6  |          | 0  1 -1  8 -8  1 |
///           | 0  2 -1 -2  1  0 |        |  1/24 -1/12  1/6  |
///           | 0  4  0 -5  0  1 |        |  0     0     1    |
///
/// The channel sum at each of the (m+2)^2 transform positions ξ is one GEMM:
/// M[ξ] (`[Cout, T]`) = U[ξ] (`[Cout, Cin]`) x V[ξ] (`[Cin, T]`), with U = G g G^T, V = B^T d B and T
/// the tiles of all images of a block (the long axis is the GEMM's N, as OpenBLAS prefers).
/// F(2x2) does 16 multiplies per 4 outputs instead of 36 (2.25x fewer), F(4x4) 36 per 16 (4x fewer);
/// F(4x4)'s larger transform constants cost about one decimal digit of float accuracy (max error /
/// max |output| measured <= 7e-6, against <= 5e-7 for im2col; PyTorch goldens allow 1e-4).
/// The filter transform runs on every call (weights change every training step; it costs
/// Cout * Cin * ~150 flops). Out-of-image input is zero (any padding); a partial last tile row or
/// column is computed and cropped. The backward uses the same machinery: the input gradient is this
/// convolution of the output gradient with flipped, transposed filters, and the weight gradient is
/// the adjoint in the transformed domain (`weightGradient`). Transforms are split over channels and
/// tile rows with `Parallel`, and the per-position GEMMs by position.
enum Winograd {
    /// Which conv2d path a qualifying convolution takes (tests force each one).
    enum Mode { case automatic, always, never }

    /// Path selection for tests (`@testable`); `.automatic` everywhere else.
    nonisolated(unsafe) static var mode: Mode = .automatic

    /// Output tile size m of F(m x m, 3x3) (2 or 4): 4 by default (measured: a 64->64 conv on 64x64
    /// takes ~2.2 ms of CPU with F(4x4), ~2.9 ms with F(2x2), ~4.3 ms on im2col); tests check both.
    nonisolated(unsafe) static var tile = 4

    /// Whether F(m x m, 3x3) computes this convolution: 3x3 kernel, stride 1, dilation 1, one group.
    static func applies(to geo: Conv2dGeometry) -> Bool {
        geo.kernelH == 3 && geo.kernelW == 3 && geo.strideH == 1 && geo.strideW == 1
            && geo.dilationH == 1 && geo.dilationW == 1 && geo.groups == 1
    }

    /// Whether channels and tiles are plentiful enough for the transforms to pay off (measured: a
    /// 64->64 conv on one 8x8 image, 4 tiles of F(4x4), is faster on im2col; 16->16 on 32x32 and
    /// 32->32 on 16x16 are faster here).
    static func isProfitable(inChannels: Int, outChannels: Int, batch: Int, height: Int, width: Int) -> Bool {
        let tiles = batch * ((height + tile - 1) / tile) * ((width + tile - 1) / tile)
        return inChannels >= 16 && outChannels >= 16 && tiles >= 16
    }

    /// Whether conv2d's forward (and its weight gradient) should use it.
    static func shouldUse(_ geo: Conv2dGeometry) -> Bool {
        guard applies(to: geo) else { return false }
        switch mode {
        case .always: return true
        case .never: return false
        case .automatic:
            return isProfitable(inChannels: geo.inChannels, outChannels: geo.outChannels, batch: geo.batch,
                                height: geo.outH, width: geo.outW)
        }
    }

    /// Whether the input gradient of a 3x3 stride-1 convolution should use it: it is the convolution
    /// of the output gradient with the flipped, transposed filters at padding 2 - p (so p <= 2).
    static func shouldUseForInputGradient(_ geo: Conv2dGeometry) -> Bool {
        guard applies(to: geo), geo.padH <= 2, geo.padW <= 2 else { return false }
        switch mode {
        case .always: return true
        case .never: return false
        case .automatic:
            return isProfitable(inChannels: geo.outChannels, outChannels: geo.inChannels, batch: geo.batch,
                                height: geo.height, width: geo.width)
        }
    }

    /// Floats between consecutive transform-position planes of V and M beyond the plane itself:
    /// planes a power-of-two apart would put the streams of a tile into the same cache sets.
    static let planePad = 32

    /// Most tiles per GEMM block (tests lower it to exercise several blocks).
    nonisolated(unsafe) static var maxTilesPerBlock = 4096

    /// Tiles per GEMM block (at least one tile row): enough for an efficient GEMM N, bounded so
    /// V and M stay moderate.
    static func tilesPerBlock(tileColumns: Int, channels: Int, positions: Int) -> Int {
        let budget = 1 << 21  // floats in V (or M): 8 MB
        return Swift.max(tileColumns, Swift.min(maxTilesPerBlock, budget / Swift.max(positions * channels, 1)))
    }

    /// The 1-D filter transform G x of one 3-vector for output tile m (m + 2 values into `out`).
    @inline(__always)
    static func filterColumn(_ m: Int, _ a: Float, _ b: Float, _ c: Float, _ out: UnsafeMutablePointer<Float>, _ stride: Int) {
        if m == 2 {
            out[0] = a
            out[stride] = 0.5 * (a + b + c)
            out[2 * stride] = 0.5 * (a - b + c)
            out[3 * stride] = c
        } else {
            let sixth: Float = 1.0 / 6.0
            out[0] = 0.25 * a
            out[stride] = -sixth * (a + b + c)
            out[2 * stride] = -sixth * (a - b + c)
            let even = a * (1.0 / 24.0) + c * sixth, odd = b * (1.0 / 12.0)
            out[3 * stride] = even + odd
            out[4 * stride] = even - odd
            out[5 * stride] = c
        }
    }

    /// Floats from one transform position's filter matrix to the next (padded like V and M).
    static func filterPlane(outChannels cout: Int, inChannels cin: Int) -> Int { cout * cin + planePad }

    /// U[ξ, co, ci] = (G g G^T)[ξ] for the filters `w` (`[Cout, Cin, 3, 3]`), `[(m+2)^2, Cout, Cin]`;
    /// with `flipTranspose` the filters are first turned into `w'[ci, co, i, j] = w[co, ci, 2 - i, 2 - j]`
    /// (so U is `[(m+2)^2, Cin, Cout]`), the filters of the input gradient.
    static func transformFilters(_ w: UnsafePointer<Float>, outChannels cout: Int, inChannels cin: Int,
                                 flipTranspose: Bool, tile m: Int) -> ScratchBuffer {
        let alpha = m + 2, positions = alpha * alpha
        let plane = filterPlane(outChannels: cout, inChannels: cin)
        let u = ScratchBuffer(count: positions * plane)  // [(m+2)^2, rows, cols] (+ pad per position)
        let cols = flipTranspose ? cout : cin
        let up = u.pointer
        Parallel.forRanges(cout, minPerRange: 8) { range in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: 3 * alpha) { scratch in
                let t = scratch.baseAddress!  // G g, [alpha, 3]
                for co in range {
                    for ci in 0..<cin {
                        let src = w + (co * cin + ci) * 9
                        @inline(__always) func g(_ i: Int, _ j: Int) -> Float {
                            flipTranspose ? src[(2 - i) * 3 + 2 - j] : src[i * 3 + j]
                        }
                        for j in 0..<3 { filterColumn(m, g(0, j), g(1, j), g(2, j), t + j, 3) }
                        let dst = up + (flipTranspose ? ci * cols + co : co * cols + ci)
                        for i in 0..<alpha {
                            filterColumn(m, t[3 * i], t[3 * i + 1], t[3 * i + 2], dst + alpha * i * plane, plane)
                        }
                    }
                }
            }
        }
        return u
    }

    /// out (`[N, Cout, Ho, Wo]`) = (or +=, with `accumulate`) the 3x3 stride-1 convolution of `x`
    /// (`[N, Cin, H, W]`) zero-padded by (padH, padW), with transformed filters `u`
    /// (`[(m+2)^2, Cout, Cin]`) and optional `bias` (`[Cout]`).
    static func convolve(_ x: UnsafePointer<Float>, batch: Int, inChannels cin: Int, height: Int, width: Int,
                         filters u: UnsafePointer<Float>, outChannels cout: Int, padH: Int, padW: Int, tile m: Int,
                         bias: UnsafePointer<Float>?, out: UnsafeMutablePointer<Float>, accumulate: Bool) {
        let outH = height + 2 * padH - 2, outW = width + 2 * padW - 2
        precondition(outH >= 1 && outW >= 1, "Winograd.convolve: empty output for \(height)x\(width) padding (\(padH), \(padW))")
        let positions = (m + 2) * (m + 2)
        let tilesH = (outH + m - 1) / m, tilesW = (outW + m - 1) / m
        let tileRows = batch * tilesH  // tile rows over all images
        let rowsPerBlock = Swift.max(1, tilesPerBlock(tileColumns: tilesW, channels: Swift.max(cin, cout), positions: positions) / tilesW)
        let blockTiles = Swift.min(tileRows, rowsPerBlock) * tilesW
        let v = ScratchBuffer(count: positions * (cin * blockTiles + planePad))   // [(m+2)^2, Cin, T] (+ pad per position)
        let mm = ScratchBuffer(count: positions * (cout * blockTiles + planePad))  // [(m+2)^2, Cout, T] (+ pad per position)
        let layout = TileLayout(m: m, tilesH: tilesH, tilesW: tilesW)
        for r0 in stride(from: 0, to: tileRows, by: rowsPerBlock) {
            let rows = r0..<Swift.min(tileRows, r0 + rowsPerBlock)
            let t = rows.count * tilesW
            transformInput(x, inChannels: cin, height: height, width: width, padH: padH, padW: padW,
                           layout: layout, tileRows: rows, v: v.pointer)
            // The (m+2)^2 independent GEMMs are shared out by position (each one single-threaded).
            Parallel.forRanges(positions) { range in
                for xi in range {
                    BLAS.serialSgemm(transposeA: false, transposeB: false, m: cout, n: t, k: cin,
                                     a: u + xi * filterPlane(outChannels: cout, inChannels: cin), lda: cin, b: v.pointer + xi * (cin * t + planePad), ldb: t,
                                     c: mm.pointer + xi * (cout * t + planePad), ldc: t)
                }
            }
            transformOutput(mm.pointer, outChannels: cout, outH: outH, outW: outW, layout: layout,
                            tileRows: rows, bias: bias, out: out, accumulate: accumulate)
        }
    }

    /// Tile grid of one image: output tile m, tile rows and columns.
    struct TileLayout {
        let m: Int, tilesH: Int, tilesW: Int
        var alpha: Int { m + 2 }
    }

    /// V[ξ, c, t] = (B^T d B)[ξ] for the input tiles of the tile rows `tileRows` (row r = n * tilesH + th;
    /// t = (r - tileRows.lowerBound) * tilesW + tw).
    ///
    /// Per (channel, tile row): the m + 2 input rows are copied zero-padded and split by column phase
    /// (`d[i][j * P + q]` = padded column m * q + j, P = tilesW + 1), so that B^T d down the rows is
    /// one unit-stride loop and the column pass reads every tile's m + 2 values with unit stride.
    static func transformInput(_ x: UnsafePointer<Float>, inChannels cin: Int, height: Int, width: Int, padH: Int, padW: Int,
                               layout: TileLayout, tileRows: Range<Int>, v: UnsafeMutablePointer<Float>) {
        let m = layout.m, alpha = layout.alpha, tilesH = layout.tilesH, tilesW = layout.tilesW
        let t = tileRows.count * tilesW
        let plane = cin * t + planePad  // stride between transform positions
        let phase = tilesW + 1  // P
        let span = m * phase  // padded input columns held per row (>= m * tilesW + 2)
        // Per column phase j: the q whose padded column m * q + j holds input.
        let phaseRanges = (0..<m).map { j in
            Conv2dGeometry.validRange(base: j - padW, stride: m, extent: width, count: phase)
        }
        Parallel.forRanges(cin * tileRows.count, minPerRange: 4) { items in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * alpha * span) { scratch in
                let d = scratch.baseAddress!          // alpha padded input rows [alpha, span]
                let r = d + alpha * span              // B^T d by phase, [alpha, m, P]
                for item in items {
                    let c = item / tileRows.count, row = tileRows.lowerBound + item % tileRows.count
                    let n = row / tilesH, th = row % tilesH
                    let image = x + (n * cin + c) * height * width
                    for k in 0..<alpha {
                        let dst = d + k * span
                        let ih = m * th - padH + k
                        if ih < 0 || ih >= height {
                            dst.update(repeating: 0, count: span)
                            continue
                        }
                        let src = image + ih * width
                        for (j, (lo, hi)) in phaseRanges.enumerated() {
                            // dst[j * P + q] = padded column m * q + j = input column m * q + j - padW.
                            let dj = dst + j * phase, sj = src + j - padW
                            if lo > 0 { dj.update(repeating: 0, count: lo) }
                            for q in lo..<hi { dj[q] = sj[m * q] }
                            if hi < phase { (dj + hi).update(repeating: 0, count: phase - hi) }
                        }
                    }
                    let base = v + c * t + (row - tileRows.lowerBound) * tilesW
                    if m == 2 {
                        inputRows2(d, r, phase)
                        for i in 0..<4 { inputColumns2(r + i * span, phase, base + 4 * i * plane, plane, tilesW) }
                    } else {
                        inputRows4(d, r, phase)
                        for i in 0..<6 { inputColumns4(r + i * span, phase, base + 6 * i * plane, plane, tilesW) }
                    }
                }
            }
        }
    }

    /// r = B^T d over 4 rows of 2 * P values (F(2x2)).
    @inline(__always)
    static func inputRows2(_ d: UnsafePointer<Float>, _ r: UnsafeMutablePointer<Float>, _ phase: Int) {
        let span = 2 * phase
        let d0 = d, d1 = d + span, d2 = d + 2 * span, d3 = d + 3 * span
        let r0 = r, r1 = r + span, r2 = r + 2 * span, r3 = r + 3 * span
        for q in 0..<span {
            let a1 = d1[q], a2 = d2[q]
            r0[q] = d0[q] - a2
            r1[q] = a1 + a2
            r2[q] = a2 - a1
            r3[q] = a1 - d3[q]
        }
    }

    /// The 4 positions (ξ = 4i + j) of row i of (B^T d) B for each tile of a tile row (F(2x2)).
    @inline(__always)
    static func inputColumns2(_ ri: UnsafePointer<Float>, _ phase: Int, _ o0: UnsafeMutablePointer<Float>, _ plane: Int, _ tilesW: Int) {
        let o1 = o0 + plane, o2 = o1 + plane, o3 = o2 + plane
        let p0 = ri, p1 = ri + phase
        for tw in 0..<tilesW {
            let x0 = p0[tw], x1 = p1[tw], x2 = p0[tw + 1], x3 = p1[tw + 1]
            o0[tw] = x0 - x2
            o1[tw] = x1 + x2
            o2[tw] = x2 - x1
            o3[tw] = x1 - x3
        }
    }

    /// r = B^T d over 6 rows of 4 * P values (F(4x4)).
    @inline(__always)
    static func inputRows4(_ d: UnsafePointer<Float>, _ r: UnsafeMutablePointer<Float>, _ phase: Int) {
        let span = 4 * phase
        let d0 = d, d1 = d + span, d2 = d + 2 * span, d3 = d + 3 * span, d4 = d + 4 * span, d5 = d + 5 * span
        let r0 = r, r1 = r + span, r2 = r + 2 * span, r3 = r + 3 * span, r4 = r + 4 * span, r5 = r + 5 * span
        for q in 0..<span {
            let a1 = d1[q], a2 = d2[q], a3 = d3[q], a4 = d4[q]
            r0[q] = 4 * d0[q] - 5 * a2 + a4
            r1[q] = (a3 + a4) - 4 * (a1 + a2)
            r2[q] = 4 * (a1 - a2) + (a4 - a3)
            r3[q] = 2 * (a3 - a1) + (a4 - a2)
            r4[q] = 2 * (a1 - a3) + (a4 - a2)
            r5[q] = 4 * a1 - 5 * a3 + d5[q]
        }
    }

    /// The 6 positions (ξ = 6i + j) of row i of (B^T d) B for each tile of a tile row (F(4x4)).
    @inline(__always)
    static func inputColumns4(_ ri: UnsafePointer<Float>, _ phase: Int, _ o0: UnsafeMutablePointer<Float>, _ plane: Int, _ tilesW: Int) {
        let o1 = o0 + plane, o2 = o1 + plane, o3 = o2 + plane, o4 = o3 + plane, o5 = o4 + plane
        let p0 = ri, p1 = ri + phase, p2 = ri + 2 * phase, p3 = ri + 3 * phase
        for tw in 0..<tilesW {
            let x0 = p0[tw], x1 = p1[tw], x2 = p2[tw], x3 = p3[tw], x4 = p0[tw + 1], x5 = p1[tw + 1]
            o0[tw] = 4 * x0 - 5 * x2 + x4
            o1[tw] = (x3 + x4) - 4 * (x1 + x2)
            o2[tw] = 4 * (x1 - x2) + (x4 - x3)
            o3[tw] = 2 * (x3 - x1) + (x4 - x2)
            o4[tw] = 2 * (x1 - x3) + (x4 - x2)
            o5[tw] = 4 * x1 - 5 * x3 + x5
        }
    }

    /// out tiles = A^T M A (+ bias) for the tile rows `tileRows`, M being `[(m+2)^2, Cout, T]`; the
    /// last tile row/column is cropped to the output.
    static func transformOutput(_ mm: UnsafePointer<Float>, outChannels cout: Int, outH: Int, outW: Int, layout: TileLayout,
                                tileRows: Range<Int>, bias: UnsafePointer<Float>?, out: UnsafeMutablePointer<Float>,
                                accumulate: Bool) {
        let m = layout.m, tilesH = layout.tilesH, tilesW = layout.tilesW
        let t = tileRows.count * tilesW
        let plane = cout * t + planePad
        let span = m * tilesW
        Parallel.forRanges(cout * tileRows.count, minPerRange: 4) { items in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: m * span) { scratch in
                let y = scratch.baseAddress!  // the tile row's m output rows, [m, span]
                for item in items {
                    let co = item / tileRows.count, row = tileRows.lowerBound + item % tileRows.count
                    let n = row / tilesH, th = row % tilesH
                    let src = mm + co * t + (row - tileRows.lowerBound) * tilesW
                    let b = bias?[co] ?? 0
                    if m == 2 {
                        outputTiles2(src, plane, tilesW, b, y, span)
                    } else {
                        outputTiles4(src, plane, tilesW, b, y, span)
                    }
                    let outPlane = out + (n * cout + co) * outH * outW
                    for k in 0..<m {
                        let oh = m * th + k
                        if oh >= outH { break }
                        let dst = outPlane + oh * outW, yk = y + k * span
                        if accumulate {
                            for q in 0..<outW { dst[q] += yk[q] }
                        } else {
                            dst.update(from: yk, count: outW)
                        }
                    }
                }
            }
        }
    }

    /// A^T M A + b for the tiles of a tile row into 2 rows of `y` (F(2x2)).
    @inline(__always)
    static func outputTiles2(_ src: UnsafePointer<Float>, _ plane: Int, _ tilesW: Int, _ b: Float,
                             _ y: UnsafeMutablePointer<Float>, _ span: Int) {
        let y0 = y, y1 = y + span
        for tw in 0..<tilesW {
            @inline(__always) func at(_ xi: Int) -> Float { src[xi * plane + tw] }
            // s = A^T M over rows (2 x 4), then columns.
            let s00 = at(0) + at(4) + at(8), s01 = at(1) + at(5) + at(9)
            let s02 = at(2) + at(6) + at(10), s03 = at(3) + at(7) + at(11)
            let s10 = at(4) - at(8) - at(12), s11 = at(5) - at(9) - at(13)
            let s12 = at(6) - at(10) - at(14), s13 = at(7) - at(11) - at(15)
            y0[2 * tw] = s00 + s01 + s02 + b
            y0[2 * tw + 1] = s01 - s02 - s03 + b
            y1[2 * tw] = s10 + s11 + s12 + b
            y1[2 * tw + 1] = s11 - s12 - s13 + b
        }
    }

    /// A^T M A + b for the tiles of a tile row into 4 rows of `y` (F(4x4)).
    @inline(__always)
    static func outputTiles4(_ src: UnsafePointer<Float>, _ plane: Int, _ tilesW: Int, _ b: Float,
                             _ y: UnsafeMutablePointer<Float>, _ span: Int) {
        for tw in 0..<tilesW {
            @inline(__always) func at(_ xi: Int) -> Float { src[xi * plane + tw] }
            // s = A^T M over rows: s[k][j] for k in 0..<4, j in 0..<6, then y[k] = s[k] A per row.
            @inline(__always) func columnTransform(_ j: Int) -> (Float, Float, Float, Float) {
                let m0 = at(j), m1 = at(6 + j), m2 = at(12 + j), m3 = at(18 + j), m4 = at(24 + j), m5 = at(30 + j)
                let p12 = m1 + m2, d12 = m1 - m2, p34 = m3 + m4, d34 = m3 - m4
                return (m0 + p12 + p34, d12 + 2 * d34, p12 + 4 * p34, d12 + 8 * d34 + m5)
            }
            let c0 = columnTransform(0), c1 = columnTransform(1), c2 = columnTransform(2)
            let c3 = columnTransform(3), c4 = columnTransform(4), c5 = columnTransform(5)
            @inline(__always) func rowTransform(_ k: Int, _ s0: Float, _ s1: Float, _ s2: Float, _ s3: Float, _ s4: Float, _ s5: Float) {
                let p12 = s1 + s2, d12 = s1 - s2, p34 = s3 + s4, d34 = s3 - s4
                let dst = y + k * span + 4 * tw
                dst[0] = s0 + p12 + p34 + b
                dst[1] = d12 + 2 * d34 + b
                dst[2] = p12 + 4 * p34 + b
                dst[3] = d12 + 8 * d34 + s5 + b
            }
            rowTransform(0, c0.0, c1.0, c2.0, c3.0, c4.0, c5.0)
            rowTransform(1, c0.1, c1.1, c2.1, c3.1, c4.1, c5.1)
            rowTransform(2, c0.2, c1.2, c2.2, c3.2, c4.2, c5.2)
            rowTransform(3, c0.3, c1.3, c2.3, c3.3, c4.3, c5.3)
        }
    }
}

extension Winograd {
    /// conv2d's forward through F(m x m, 3x3): out (`[N, Cout, Ho, Wo]`) for `x` (`[N, Cin, H, W]`),
    /// `w` (`[Cout, Cin, 3, 3]`) and `bias` (`[Cout]`).
    static func forward(_ x: UnsafePointer<Float>, weight w: UnsafePointer<Float>, bias: Tensor?, geo: Conv2dGeometry,
                        out: UnsafeMutablePointer<Float>) {
        let m = tile
        let u = transformFilters(w, outChannels: geo.outChannels, inChannels: geo.inChannels, flipTranspose: false, tile: m)
        func run(_ b: UnsafePointer<Float>?) {
            convolve(x, batch: geo.batch, inChannels: geo.inChannels, height: geo.height, width: geo.width,
                     filters: u.pointer, outChannels: geo.outChannels, padH: geo.padH, padW: geo.padW, tile: m,
                     bias: b, out: out, accumulate: false)
        }
        if let bias {
            bias.data.withUnsafeBufferPointer { run($0.baseAddress!) }
        } else {
            run(nil)
        }
    }

    /// dx (`[N, Cin, H, W]`) += the input gradient of conv2d for `g` (`[N, Cout, Ho, Wo]`): the
    /// convolution of g, padded by 2 - p, with w'[ci, co, i, j] = w[co, ci, 2 - i, 2 - j].
    static func inputGradient(_ g: UnsafePointer<Float>, weight w: UnsafePointer<Float>, geo: Conv2dGeometry,
                              dx: UnsafeMutablePointer<Float>) {
        let m = tile
        let u = transformFilters(w, outChannels: geo.outChannels, inChannels: geo.inChannels, flipTranspose: true, tile: m)
        convolve(g, batch: geo.batch, inChannels: geo.outChannels, height: geo.outH, width: geo.outW,
                 filters: u.pointer, outChannels: geo.inChannels, padH: 2 - geo.padH, padW: 2 - geo.padW, tile: m,
                 bias: nil, out: dx, accumulate: true)
    }
}

extension Winograd {
    /// dw (`[Cout, Cin, 3, 3]`) += the weight gradient of conv2d for `x` (`[N, Cin, H, W]`) and `g`
    /// (`[N, Cout, Ho, Wo]`): the adjoint of the forward in the transformed domain,
    ///
    ///     dw[co, ci] = G^T [ sum_t (A g_{co,t} A^T) ⊙ (B^T x_{ci,t} B) ] G,
    ///
    /// one GEMM per transform position ξ over the tiles t: S[ξ] (`[Cout, Cin]`) += Gt[ξ] (`[Cout, T]`)
    /// x V[ξ]^T (`[T, Cin]`). The output gradient of a cropped last tile is zero-padded (the adjoint of the crop).
    static func weightGradient(_ x: UnsafePointer<Float>, outputGradient g: UnsafePointer<Float>, geo: Conv2dGeometry,
                               dw: UnsafeMutablePointer<Float>) {
        let m = tile, alpha = m + 2, positions = alpha * alpha
        let cin = geo.inChannels, cout = geo.outChannels, outH = geo.outH, outW = geo.outW
        let tilesH = (outH + m - 1) / m, tilesW = (outW + m - 1) / m
        let tileRows = geo.batch * tilesH
        let rowsPerBlock = Swift.max(1, tilesPerBlock(tileColumns: tilesW, channels: Swift.max(cin, cout), positions: positions) / tilesW)
        let blockTiles = Swift.min(tileRows, rowsPerBlock) * tilesW
        let v = ScratchBuffer(count: positions * (cin * blockTiles + planePad))    // [(m+2)^2, Cin, T]
        let gt = ScratchBuffer(count: positions * (cout * blockTiles + planePad))  // [(m+2)^2, Cout, T]
        let sPlane = filterPlane(outChannels: cout, inChannels: cin)
        let s = ScratchBuffer(count: positions * sPlane)                           // [(m+2)^2, Cout, Cin]
        let layout = TileLayout(m: m, tilesH: tilesH, tilesW: tilesW)
        for r0 in stride(from: 0, to: tileRows, by: rowsPerBlock) {
            let rows = r0..<Swift.min(tileRows, r0 + rowsPerBlock)
            let t = rows.count * tilesW
            transformInput(x, inChannels: cin, height: geo.height, width: geo.width, padH: geo.padH, padW: geo.padW,
                           layout: layout, tileRows: rows, v: v.pointer)
            transformGradient(g, outChannels: cout, outH: outH, outW: outW, layout: layout, tileRows: rows, gt: gt.pointer)
            Parallel.forRanges(positions) { range in
                for xi in range {
                    BLAS.serialSgemm(transposeA: false, transposeB: true, m: cout, n: cin, k: t,
                                     a: gt.pointer + xi * (cout * t + planePad), lda: t,
                                     b: v.pointer + xi * (cin * t + planePad), ldb: t,
                                     beta: r0 == 0 ? 0 : 1, c: s.pointer + xi * sPlane, ldc: cin)
                }
            }
        }
        // dw += G^T S G per filter: gT is G^T ([3, alpha]).
        let gT: [Float] = m == 2
            ? [1, 0.5, 0.5, 0,
               0, 0.5, -0.5, 0,
               0, 0.5, 0.5, 1]
            : [0.25, -1.0 / 6, -1.0 / 6, 1.0 / 24, 1.0 / 24, 0,
               0, -1.0 / 6, 1.0 / 6, 1.0 / 12, -1.0 / 12, 0,
               0, -1.0 / 6, -1.0 / 6, 1.0 / 6, 1.0 / 6, 1]
        let sp = s.pointer
        gT.withUnsafeBufferPointer { gTp in
            let c = gTp.baseAddress!
            Parallel.forRanges(cout, minPerRange: 8) { range in
                withUnsafeTemporaryAllocation(of: Float.self, capacity: 3 * alpha + positions) { scratch in
                    let a = scratch.baseAddress!   // S of one filter, [alpha, alpha]
                    let h = a + positions          // G^T S, [3, alpha]
                    for co in range {
                        for ci in 0..<cin {
                            let src = sp + co * cin + ci
                            for xi in 0..<positions { a[xi] = src[xi * sPlane] }
                            for i in 0..<3 {
                                for j in 0..<alpha {
                                    var total: Float = 0
                                    for k in 0..<alpha { total += c[i * alpha + k] * a[k * alpha + j] }
                                    h[i * alpha + j] = total
                                }
                            }
                            let dst = dw + (co * cin + ci) * 9
                            for i in 0..<3 {
                                for j in 0..<3 {
                                    var total: Float = 0
                                    for k in 0..<alpha { total += h[i * alpha + k] * c[j * alpha + k] }
                                    dst[i * 3 + j] += total
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Gt[ξ, co, t] = (A g A^T)[ξ] for the m x m output-gradient tiles of the tile rows `tileRows`
    /// (zero beyond the output), split by column phase like `transformInput`.
    static func transformGradient(_ g: UnsafePointer<Float>, outChannels cout: Int, outH: Int, outW: Int, layout: TileLayout,
                                  tileRows: Range<Int>, gt: UnsafeMutablePointer<Float>) {
        let m = layout.m, alpha = layout.alpha, tilesH = layout.tilesH, tilesW = layout.tilesW
        let t = tileRows.count * tilesW
        let plane = cout * t + planePad
        let phase = tilesW  // P
        let span = m * phase
        let phaseRanges = (0..<m).map { j in
            Conv2dGeometry.validRange(base: j, stride: m, extent: outW, count: phase)
        }
        Parallel.forRanges(cout * tileRows.count, minPerRange: 4) { items in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: (m + alpha) * span) { scratch in
                let d = scratch.baseAddress!   // m gradient rows by phase, [m, m, P]
                let z = d + m * span           // A g down the rows, [alpha, m, P]
                for item in items {
                    let co = item / tileRows.count, row = tileRows.lowerBound + item % tileRows.count
                    let n = row / tilesH, th = row % tilesH
                    let image = g + (n * cout + co) * outH * outW
                    for k in 0..<m {
                        let dst = d + k * span
                        let oh = m * th + k
                        if oh >= outH {
                            dst.update(repeating: 0, count: span)
                            continue
                        }
                        let src = image + oh * outW
                        for (j, (lo, hi)) in phaseRanges.enumerated() {
                            let dj = dst + j * phase, sj = src + j
                            if lo > 0 { dj.update(repeating: 0, count: lo) }
                            for q in lo..<hi { dj[q] = sj[m * q] }
                            if hi < phase { (dj + hi).update(repeating: 0, count: phase - hi) }
                        }
                    }
                    let base = gt + co * t + (row - tileRows.lowerBound) * tilesW
                    if m == 2 {
                        let g0 = d, g1 = d + span
                        for q in 0..<span {
                            let a = g0[q], b = g1[q]
                            z[q] = a; z[span + q] = a + b; z[2 * span + q] = a - b; z[3 * span + q] = -b
                        }
                        for i in 0..<4 {
                            let zi = z + i * span, p0 = zi, p1 = zi + phase
                            let o0 = base + 4 * i * plane, o1 = o0 + plane, o2 = o1 + plane, o3 = o2 + plane
                            for tw in 0..<tilesW {
                                let a = p0[tw], b = p1[tw]
                                o0[tw] = a; o1[tw] = a + b; o2[tw] = a - b; o3[tw] = -b
                            }
                        }
                    } else {
                        let g0 = d, g1 = d + span, g2 = d + 2 * span, g3 = d + 3 * span
                        for q in 0..<span {
                            let a = g0[q], b = g1[q], c = g2[q], e = g3[q]
                            let even = a + c, odd = b + e, even4 = a + 4 * c, odd2 = 2 * b + 8 * e
                            z[q] = a
                            z[span + q] = even + odd
                            z[2 * span + q] = even - odd
                            z[3 * span + q] = even4 + odd2
                            z[4 * span + q] = even4 - odd2
                            z[5 * span + q] = e
                        }
                        for i in 0..<6 {
                            let zi = z + i * span, p0 = zi, p1 = zi + phase, p2 = zi + 2 * phase, p3 = zi + 3 * phase
                            let o0 = base + 6 * i * plane, o1 = o0 + plane, o2 = o1 + plane
                            let o3 = o2 + plane, o4 = o3 + plane, o5 = o4 + plane
                            for tw in 0..<tilesW {
                                let a = p0[tw], b = p1[tw], c = p2[tw], e = p3[tw]
                                let even = a + c, odd = b + e, even4 = a + 4 * c, odd2 = 2 * b + 8 * e
                                o0[tw] = a
                                o1[tw] = even + odd
                                o2[tw] = even - odd
                                o3[tw] = even4 + odd2
                                o4[tw] = even4 - odd2
                                o5[tw] = e
                            }
                        }
                    }
                }
            }
        }
    }
}
