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

    /// The boundary map of a 0/1 mask, with byte-wise XOR/OR passes (vectorisable).
    static func boundaryMap(binary mask: [UInt8], width: Int, height: Int) -> [UInt8] {
        precondition(mask.count == width * height, "boundaryMap: \(mask.count) pixels for \(width)x\(height)")
        var map = [UInt8](repeating: 0, count: width * height)
        guard width > 0, height > 0 else { return map }
        mask.withUnsafeBufferPointer { mb in
            map.withUnsafeMutableBufferPointer { bb in
                let m = mb.baseAddress!, b = bb.baseAddress!
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
                while x < width - 1 {  // last row: only the pixel to the right; the corner stays 0
                    o[x] = c[x] ^ c[x + 1]
                    x += 1
                }
            }
        }
        return map
    }

    /// 0/1 copy of a mask (`[UInt8]`, nonzero -> 1).
    static func binarize(_ pixels: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: pixels.count)
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for i in 0..<src.count { dst[i] = min(src[i], 1) }
            }
        }
        return out
    }
}
