/// Displacement of one rectangular patch between two gray planes by exhaustive block matching (the
/// classic motion-estimation search of video codecs).
///
/// For the patch `rows x cols` of `current`, every integer shift s = (sx, sy) in [-R, R]^2 scores
///     SSD(s) = sum_{p in patch} (current(p) - previous(p - s))^2      (previous is 0 outside the plane)
/// and the smallest wins (s = 0 unless another shift is strictly smaller; ties otherwise go to the
/// first in the scan order sy, then sx, ascending). Each axis is then refined to sub-pixel precision
/// by the parabola through SSD at s - 1, s, s + 1 along it (vertex offset clamped to [-0.5, 0.5]; none
/// at the border of the search or when the parabola does not open upwards).
/// The result is how far the patch's content moved from `previous` to `current`, in pixels.
/// Unlike gradient-based optical flow, the search finds displacements as large as R without a
/// pyramid, and a rigidly moving pattern (a SyncMNIST digit) is matched as a whole.
public struct BlockMatching {
    /// `previous` inside a border of `radius` zeros: `(height + 2R) x (width + 2R)`.
    let padded: [Float]
    let current: [Float]
    public let width: Int, height: Int, radius: Int

    /// Prepares matching patches of `current` against `previous` (both `width x height`, row-major).
    public init(previous: [Float], current: [Float], width: Int, height: Int, radius: Int) {
        precondition(previous.count == width * height && current.count == width * height && radius >= 0, "BlockMatching: plane sizes")
        let pw = width + 2 * radius
        var padded = [Float](repeating: 0, count: pw * (height + 2 * radius))
        for y in 0..<height {
            let row = (y + radius) * pw + radius
            padded.replaceSubrange(row..<(row + width), with: previous[(y * width)..<((y + 1) * width)])
        }
        self.padded = padded
        self.current = current
        self.width = width; self.height = height; self.radius = radius
    }

    /// The displacement of one patch (see the type's documentation).
    public static func displacement(previous: [Float], current: [Float], width: Int, height: Int,
                                    rows: Range<Int>, cols: Range<Int>, radius: Int) -> SIMD2<Float> {
        BlockMatching(previous: previous, current: current, width: width, height: height, radius: radius)
            .displacement(rows: rows, cols: cols)
    }

    /// How far the patch `rows x cols` of `current` moved from `previous`, in pixels.
    public func displacement(rows: Range<Int>, cols: Range<Int>) -> SIMD2<Float> {
        precondition(rows.lowerBound >= 0 && rows.upperBound <= height && cols.lowerBound >= 0 && cols.upperBound <= width,
                     "BlockMatching: patch outside the plane")
        let side = 2 * radius + 1, pw = width + 2 * radius
        var ssd = [Double](repeating: 0, count: side * side)
        padded.withUnsafeBufferPointer { prev in
            current.withUnsafeBufferPointer { cur in
                for sy in -radius...radius {
                    for sx in -radius...radius {
                        var sum: Double = 0
                        for y in rows {
                            let c = cur.baseAddress! + y * width, p = prev.baseAddress! + (y - sy + radius) * pw + radius - sx
                            var row: Float = 0                   // one row of the patch in Float, rows summed in Double
                            for x in cols {
                                let d = c[x] - p[x]
                                row += d * d
                            }
                            sum += Double(row)
                        }
                        ssd[(sy + radius) * side + sx + radius] = sum
                    }
                }
            }
        }
        let zero = radius * side + radius                            // s = 0
        var best = zero
        if let minimum = ssd.min(), minimum < ssd[zero], let first = ssd.firstIndex(of: minimum) { best = first }
        let by = best / side, bx = best % side
        func vertex(_ minus: Double, _ centre: Double, _ plus: Double) -> Float {
            let curvature = minus - 2 * centre + plus
            guard curvature > 0 else { return 0 }
            return Float(max(-0.5, min(0.5, (minus - plus) / (2 * curvature))))
        }
        var shift = SIMD2<Float>(Float(bx - radius), Float(by - radius))
        if bx > 0 && bx < side - 1 { shift.x += vertex(ssd[by * side + bx - 1], ssd[best], ssd[by * side + bx + 1]) }
        if by > 0 && by < side - 1 { shift.y += vertex(ssd[(by - 1) * side + bx], ssd[best], ssd[(by + 1) * side + bx]) }
        return shift
    }
}
