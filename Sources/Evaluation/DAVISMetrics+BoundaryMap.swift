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
        var map = [UInt8](repeating: 0, count: width * height)
        guard width > 0, height > 0 else { return map }
        mask.withUnsafeBufferPointer { m in
            map.withUnsafeMutableBufferPointer { b in
                @inline(__always) func on(_ i: Int) -> Bool { m[i] != 0 }
                for y in 0..<(height - 1) {
                    let row = y * width
                    let below = row + width
                    for x in 0..<(width - 1) {
                        let c = on(row + x)
                        let differs = c != on(row + x + 1) || c != on(below + x) || c != on(below + x + 1)
                        b[row + x] = differs ? 1 : 0
                    }
                    // Last column: only the pixel below.
                    b[row + width - 1] = on(row + width - 1) != on(below + width - 1) ? 1 : 0
                }
                // Last row: only the pixel to the right; the corner stays 0.
                let last = (height - 1) * width
                for x in 0..<(width - 1) {
                    b[last + x] = on(last + x) != on(last + x + 1) ? 1 : 0
                }
            }
        }
        return map
    }

    /// The boundary map of a `GrayImage` mask (see `boundaryMap(_:width:height:)`).
    public static func boundaryMap(_ mask: GrayImage) -> GrayImage {
        let map = boundaryMap(mask.pixels, width: mask.width, height: mask.height)
        return GrayImage(width: mask.width, height: mask.height, pixels: map)
    }
}
