import Media

extension DAVISMetrics {
    /// The one-pixel-wide boundary map of a mask (official `_seg2bmap` at the mask's own size).
    ///
    /// A pixel is on the boundary when it differs from its right, lower or lower-right neighbour.
    /// In the last row only the right neighbour is compared, in the last column only the lower one,
    /// and the bottom-right pixel is never a boundary pixel. The official code's rescaling branch
    /// (requested width/height different from the mask's) is never used by the F measure and is not
    /// provided.
    /// - Parameter mask: `[height * width]`, nonzero is foreground.
    /// - Returns: `[height * width]` with 1 on boundary pixels, 0 elsewhere.
    public static func boundaryMap(_ mask: [UInt8], width: Int, height: Int) -> [UInt8] {
        precondition(mask.count == width * height, "boundaryMap: \(mask.count) pixels for \(width)x\(height)")
        return boundaryMap(binary: binarize(mask), width: width, height: height)
    }

    /// The boundary map of a `GrayImage` mask (see `boundaryMap(_:width:height:)`).
    public static func boundaryMap(_ mask: GrayImage) -> GrayImage {
        let map = boundaryMap(mask.pixels, width: mask.width, height: mask.height)
        return GrayImage(width: mask.width, height: mask.height, pixels: map)
    }

    /// The boundary map of a 0/1 mask (array form).
    static func boundaryMap(binary mask: [UInt8], width: Int, height: Int) -> [UInt8] {
        precondition(mask.count == width * height, "boundaryMap: \(mask.count) pixels for \(width)x\(height)")
        var map = [UInt8](repeating: 0, count: width * height)
        mask.withUnsafeBufferPointer { m in
            map.withUnsafeMutableBufferPointer { b in
                if let mp = m.baseAddress, let bp = b.baseAddress { boundaryMap(binary: mp, width: width, height: height, into: bp) }
            }
        }
        return map
    }

    /// The boundary map of a 0/1 mask (`[height * width]`) into `b`, with byte-wise XOR/OR passes.
    static func boundaryMap(binary m: UnsafePointer<UInt8>, width: Int, height: Int, into b: UnsafeMutablePointer<UInt8>) {
        guard width > 0, height > 0 else { return }
        for y in 0..<(height - 1) {
            let c = m + y * width, d = c + width, o = b + y * width
            var x = 0
            while x < width - 1 {
                let v = c[x]
                o[x] = (v ^ c[x + 1]) | (v ^ d[x]) | (v ^ d[x + 1])
                x += 1
            }
            o[width - 1] = c[width - 1] ^ d[width - 1]  // last column: only the pixel below
        }
        let c = m + (height - 1) * width, o = b + (height - 1) * width
        var x = 0
        while x < width - 1 {  // last row: only the pixel to the right
            o[x] = c[x] ^ c[x + 1]
            x += 1
        }
        o[width - 1] = 0  // the corner is never a boundary pixel
    }

    /// 0/1 copy of a mask (`[UInt8]`, nonzero -> 1).
    static func binarize(_ pixels: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: pixels.count)
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                if let s = src.baseAddress, let d = dst.baseAddress { binarize(s, count: src.count, into: d) }
            }
        }
        return out
    }

    /// Writes min(value, 1) of `count` bytes into `dst`.
    static func binarize(_ src: UnsafePointer<UInt8>, count: Int, into dst: UnsafeMutablePointer<UInt8>) {
        for i in 0..<count { dst[i] = min(src[i], 1) }
    }
}
