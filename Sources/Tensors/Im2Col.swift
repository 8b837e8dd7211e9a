/// Geometry of a 2-D convolution over NCHW input (PyTorch semantics), and the im2col / col2im
/// transforms that turn it into GEMMs.
///
/// Column matrix layout: `cols[row, t * P + q]` with row = (c * kH + i) * kW + j over the input
/// channels and kernel taps, t the image within the chunk, q = oh * Wo + ow the output pixel and
/// P = Ho * Wo. Each group's rows are one contiguous block of `rowsPerGroup` rows.
struct Conv2dGeometry {
    let batch: Int, inChannels: Int, height: Int, width: Int
    let outChannels: Int, kernelH: Int, kernelW: Int
    let strideH: Int, strideW: Int, padH: Int, padW: Int, dilationH: Int, dilationW: Int
    let groups: Int
    let outH: Int, outW: Int

    init(input: [Int], weight: [Int], stride: (Int, Int), padding: (Int, Int), dilation: (Int, Int), groups: Int) {
        precondition(input.count == 4, "conv2d: input must be [N, C, H, W], got \(input)")
        precondition(weight.count == 4, "conv2d: weight must be [Cout, Cin/groups, kH, kW], got \(weight)")
        precondition(groups >= 1 && input[1] % groups == 0 && weight[0] % groups == 0,
                     "conv2d: groups \(groups) must divide Cin \(input[1]) and Cout \(weight[0])")
        precondition(weight[1] * groups == input[1],
                     "conv2d: weight \(weight) expects \(weight[1] * groups) input channels, input is \(input)")
        precondition(stride.0 >= 1 && stride.1 >= 1 && dilation.0 >= 1 && dilation.1 >= 1 && padding.0 >= 0 && padding.1 >= 0,
                     "conv2d: invalid stride \(stride), padding \(padding) or dilation \(dilation)")
        batch = input[0]; inChannels = input[1]; height = input[2]; width = input[3]
        outChannels = weight[0]; kernelH = weight[2]; kernelW = weight[3]
        strideH = stride.0; strideW = stride.1; padH = padding.0; padW = padding.1
        dilationH = dilation.0; dilationW = dilation.1
        self.groups = groups
        let effH = dilationH * (kernelH - 1) + 1, effW = dilationW * (kernelW - 1) + 1
        precondition(height + 2 * padH >= effH && width + 2 * padW >= effW,
                     "conv2d: kernel \(weight) (dilation \(dilation)) larger than padded input \(input)")
        outH = (height + 2 * padH - effH) / strideH + 1
        outW = (width + 2 * padW - effW) / strideW + 1
    }

    /// Output pixels per image (Ho * Wo).
    var pixels: Int { outH * outW }
    /// Input pixels per image (H * W).
    var inPixels: Int { height * width }
    /// im2col rows of one group: Cin/groups * kH * kW (the GEMM's K).
    var rowsPerGroup: Int { inChannels / groups * kernelH * kernelW }
    /// im2col rows over all groups.
    var rows: Int { inChannels * kernelH * kernelW }
    var outPerGroup: Int { outChannels / groups }
    /// A 1x1, stride-1, unpadded convolution reads the input directly as the column matrix.
    var isPointwise: Bool { kernelH == 1 && kernelW == 1 && strideH == 1 && strideW == 1 && padH == 0 && padW == 0 }

    /// Output rows per im2col band of a single large image: the column block then stays in cache
    /// between im2col and the GEMM's packing.
    var bandRows: Int {
        let target = 1024 * Parallel.workers
        return Swift.max(1, Swift.min(outH, target / Swift.max(outW, 1)))
    }

    /// Images folded into one GEMM: enough for ~4096 columns (OpenBLAS is slow on skinny shapes).
    var imagesPerChunk: Int {
        if isPointwise { return 1 }
        return Swift.max(1, Swift.min(batch, 4096 / Swift.max(pixels, 1)))
    }

    /// Output columns `lo..<hi` whose input column `base + ow * stride` lies inside `0..<extent`.
    @inline(__always)
    static func validRange(base: Int, stride: Int, extent: Int, count: Int) -> (Int, Int) {
        func ceilDiv(_ a: Int, _ b: Int) -> Int { a >= 0 ? (a + b - 1) / b : -((-a) / b) }
        let lo = Swift.min(base >= 0 ? 0 : ceilDiv(-base, stride), count)
        let hi = Swift.min(Swift.max(ceilDiv(extent - base, stride), lo), count)
        return (lo, hi)
    }

    /// Writes the column matrix `[rows, images.count * B]` of `images` of `x` (`[N, Cin, H, W]`) for
    /// the band of output rows `outRows` (all rows by default; B = outRows.count * Wo pixels).
    /// `parallel: false` keeps it on the calling thread (callers that already split work by band).
    func im2col(_ x: UnsafePointer<Float>, images: Range<Int>, outRows: Range<Int>? = nil, cols: UnsafeMutablePointer<Float>,
                parallel: Bool = true) {
        let band = outRows ?? 0..<outH
        let bandPixels = band.count * outW
        let ld = images.count * bandPixels
        Parallel.forRanges(rows, minPerRange: parallel ? 2 : Swift.max(rows, 1)) { rowRange in
            for row in rowRange {
                let j = row % kernelW, i = (row / kernelW) % kernelH, c = row / (kernelW * kernelH)
                let colBase = j * dilationW - padW
                let (lo, hi) = Conv2dGeometry.validRange(base: colBase, stride: strideW, extent: width, count: outW)
                for (t, n) in images.enumerated() {
                    let src = x + (n * inChannels + c) * inPixels
                    var dst = cols + row * ld + t * bandPixels
                    for oh in band {
                        let ih = oh * strideH - padH + i * dilationH
                        if ih < 0 || ih >= height {
                            dst.update(repeating: 0, count: outW)
                        } else {
                            let srow = src + ih * width + colBase
                            if lo > 0 { dst.update(repeating: 0, count: lo) }
                            if strideW == 1 {
                                (dst + lo).update(from: srow + lo, count: hi - lo)
                            } else {
                                for ow in lo..<hi { dst[ow] = srow[ow * strideW] }
                            }
                            if hi < outW { (dst + hi).update(repeating: 0, count: outW - hi) }
                        }
                        dst += outW
                    }
                }
            }
        }
    }

    /// Adds the column matrix `[rows, images.count * B]` of the band `outRows` back into `dx`
    /// (`[N, Cin, H, W]`): the adjoint of `im2col`. Channels are split between threads, so writes never collide.
    func col2imAdd(_ cols: UnsafePointer<Float>, images: Range<Int>, outRows: Range<Int>? = nil, dx: UnsafeMutablePointer<Float>) {
        let band = outRows ?? 0..<outH
        let bandPixels = band.count * outW
        let ld = images.count * bandPixels
        let taps = kernelH * kernelW
        Parallel.forRanges(inChannels) { channelRange in
            for c in channelRange {
                for tap in 0..<taps {
                    let row = c * taps + tap
                    let j = tap % kernelW, i = tap / kernelW
                    let colBase = j * dilationW - padW
                    let (lo, hi) = Conv2dGeometry.validRange(base: colBase, stride: strideW, extent: width, count: outW)
                    if hi <= lo { continue }
                    for (t, n) in images.enumerated() {
                        let dstImage = dx + (n * inChannels + c) * inPixels
                        var src = cols + row * ld + t * bandPixels
                        for oh in band {
                            let ih = oh * strideH - padH + i * dilationH
                            if ih >= 0 && ih < height {
                                let drow = dstImage + ih * width + colBase
                                if strideW == 1 {
                                    for ow in lo..<hi { drow[ow] += src[ow] }
                                } else {
                                    for ow in lo..<hi { drow[ow * strideW] += src[ow] }
                                }
                            }
                            src += outW
                        }
                    }
                }
            }
        }
    }
}

