/// The boundary matching tolerance of the F measure: a disk structuring element.
///
/// The official code dilates both boundary maps with `cv2.dilate(boundary, skimage.morphology.disk(r))`;
/// `disk(r)` holds the offsets (dy, dx) with dy² + dx² <= r², and cv2's dilation ignores pixels
/// outside the image. A pixel p is therefore covered by the dilation of a boundary B exactly when
/// some boundary pixel q has (p - q) in the disk. This type stores the disk as a half-width per row
/// offset so that coverage can be tested without building the dilated image.
public struct DiskTolerance: Equatable, Sendable {
    /// The disk radius in pixels.
    public let radius: Int
    /// `[2 * radius + 1]`: for row offset dy = i - radius, the largest |dx| inside the disk.
    public let halfWidths: [Int]

    /// Makes the disk of the given radius (skimage `disk(radius)` with its default strict radius).
    public init(radius: Int) {
        precondition(radius >= 0, "DiskTolerance: negative radius \(radius)")
        self.radius = radius
        var widths = [Int]()
        widths.reserveCapacity(2 * radius + 1)
        for dy in -radius...radius {
            var w = 0
            while (w + 1) * (w + 1) + dy * dy <= radius * radius { w += 1 }
            widths.append(w)
        }
        self.halfWidths = widths
    }

    /// The official tolerance for an image size: `ceil(threshold * sqrt(H² + W²))` when the threshold
    /// is below 1, otherwise the threshold itself taken as pixels (truncated like skimage's `disk`).
    public static func radius(width: Int, height: Int, boundThreshold: Double) -> Int {
        if boundThreshold >= 1 { return Int(boundThreshold) }
        let diagonal = Double(width * width + height * height).squareRoot()
        return Int((boundThreshold * diagonal).rounded(.up))
    }

    /// The disk as a `(2r+1) x (2r+1)` 0/1 grid, row-major (for tests and display).
    public var grid: [UInt8] {
        let side = 2 * radius + 1
        var g = [UInt8](repeating: 0, count: side * side)
        for (i, w) in halfWidths.enumerated() {
            for dx in -w...w { g[i * side + dx + radius] = 1 }
        }
        return g
    }
}
