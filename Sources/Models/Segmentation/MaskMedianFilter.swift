/// Median filter of a binary mask over (2r + 1) x (2r + 1) windows, borders reflected (SciPy's
/// `ndimage.median_filter(mode="reflect")`: d c b a | a b c d | d c b a). For a {0, 1} image the
/// median is the majority of the window (its size is odd, so there are no ties): a pixel is object
/// when more than half of its window is. It removes the speckles the per-video colour model leaves
/// on object-coloured background and fills pin-holes, the classical clean-up of a binary mask.
///
/// Cost: one summed-area table of the reflected mask, then four lookups per pixel (O(W H), any r).
public enum MaskMedianFilter {
    /// Filtered `mask` (`width` x `height`, row-major, any non-zero value is object) as {0, 255}.
    public static func apply(_ mask: [UInt8], width w: Int, height h: Int, radius r: Int) -> [UInt8] {
        precondition(mask.count == w * h, "MaskMedianFilter: \(mask.count) pixels for \(w)x\(h)")
        guard r > 0, w > 0, h > 0 else { return mask.map { $0 != 0 ? 255 : 0 } }
        // Reflected coordinate (SciPy "reflect": the edge pixel is repeated), for any offset.
        func reflect(_ i: Int, _ n: Int) -> Int {
            let period = 2 * n
            var k = i % period
            if k < 0 { k += period }
            return k < n ? k : period - 1 - k
        }
        let pw = w + 2 * r, ph = h + 2 * r
        let columns = (0..<pw).map { reflect($0 - r, w) }
        // sat[(y + 1) * (pw + 1) + (x + 1)] = object pixels in the padded rectangle [0, x] x [0, y].
        var sat = [Int32](repeating: 0, count: (pw + 1) * (ph + 1))
        for y in 0..<ph {
            let row = reflect(y - r, h) * w
            var running: Int32 = 0
            let above = y * (pw + 1), here = (y + 1) * (pw + 1)
            for x in 0..<pw {
                running += mask[row + columns[x]] != 0 ? 1 : 0
                sat[here + x + 1] = sat[above + x + 1] + running
            }
        }
        let k = 2 * r + 1
        let half = Int32(k * k / 2)
        var out = [UInt8](repeating: 0, count: w * h)
        for y in 0..<h {
            // Window rows y ..< y + k and columns x ..< x + k of the padded image.
            let top = y * (pw + 1), bottom = (y + k) * (pw + 1)
            for x in 0..<w {
                let count = sat[bottom + x + k] - sat[bottom + x] - sat[top + x + k] + sat[top + x]
                out[y * w + x] = count > half ? 255 : 0
            }
        }
        return out
    }

    /// Default radius for a frame `height` pixels tall: height / 96 rounded (5 at 480p, 11 at 1080p),
    /// chosen on the cross-validation folds (README, segmentation).
    public static func defaultRadius(height: Int) -> Int { Int((Double(height) / 96).rounded()) }
}
