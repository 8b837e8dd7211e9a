import Foundation

/// SLIC superpixels (Achanta et al., "SLIC Superpixels Compared to State-of-the-Art Superpixel
/// Methods", TPAMI 2012): k-means in CIELAB + image plane, seeded on a regular grid of step
/// S = sqrt(pixels / regionCount) (seeds moved to the lowest gradient in their 3x3 neighbourhood),
/// each centre searching a 2S x 2S window with distance `D^2 = d_lab^2 + (d_xy / S)^2 m^2`
/// (m = compactness), then connectivity enforcement: 4-connected pieces smaller than S^2 / 4 are
/// merged into an adjacent superpixel and every label is made one connected piece.
public struct SLIC: Sendable {
    /// Desired number of superpixels K (the result is close to it, not exact).
    public var regionCount: Int
    /// Compactness m: larger gives squarer superpixels, smaller follows colour more closely.
    public var compactness: Float
    /// k-means iterations.
    public var iterations: Int
    /// Whether to make every label a single 4-connected piece.
    public var enforceConnectivity: Bool

    public init(regionCount: Int = 200, compactness: Float = 10, iterations: Int = 10, enforceConnectivity: Bool = true) {
        precondition(regionCount > 0 && compactness > 0 && iterations >= 0, "SLIC: invalid parameters")
        self.regionCount = regionCount
        self.compactness = compactness
        self.iterations = iterations
        self.enforceConnectivity = enforceConnectivity
    }

    /// CIELAB (D65) of interleaved 8-bit sRGB pixels -> `[pixels * 3]` (L, a, b).
    public static func lab(rgb: [UInt8]) -> [Float] {
        var table = [Float](repeating: 0, count: 256)
        for v in 0..<256 {
            let c = Float(v) / 255
            table[v] = c <= 0.04045 ? c / 12.92 : powf((c + 0.055) / 1.055, 2.4)
        }
        func f(_ t: Float) -> Float { t > 0.008856 ? cbrtf(t) : 7.787 * t + 16 / 116 }
        let n = rgb.count / 3
        var out = [Float](repeating: 0, count: n * 3)
        for p in 0..<n {
            let r = table[Int(rgb[3 * p])], g = table[Int(rgb[3 * p + 1])], b = table[Int(rgb[3 * p + 2])]
            let x = (0.412453 * r + 0.357580 * g + 0.180423 * b) / 0.950456
            let y = 0.212671 * r + 0.715160 * g + 0.072169 * b
            let z = (0.019334 * r + 0.119193 * g + 0.950227 * b) / 1.088754
            let fx = f(x), fy = f(y), fz = f(z)
            out[3 * p] = 116 * fy - 16
            out[3 * p + 1] = 500 * (fx - fy)
            out[3 * p + 2] = 200 * (fy - fz)
        }
        return out
    }

    /// Segments an interleaved RGB image (`rgb[(y * width + x) * 3 + c]`) into superpixels.
    public func segment(rgb: [UInt8], width: Int, height: Int) -> ComponentLabels {
        precondition(rgb.count == width * height * 3, "SLIC.segment: \(rgb.count) bytes for \(width)x\(height)x3")
        let n = width * height
        guard n > 0 else { return ComponentLabels(labels: [], width: width, height: height, count: 0) }
        let lab = Self.lab(rgb: rgb)
        let step = Swift.max(1, Int((Double(n) / Double(regionCount)).squareRoot().rounded()))
        let s = Float(step)

        // Seeds on the grid, moved to the lowest gradient in 3x3.
        func gradient(_ x: Int, _ y: Int) -> Float {
            guard x > 0, y > 0, x < width - 1, y < height - 1 else { return .infinity }
            var total: Float = 0
            for c in 0..<3 {
                let dx = lab[3 * (y * width + x + 1) + c] - lab[3 * (y * width + x - 1) + c]
                let dy = lab[3 * ((y + 1) * width + x) + c] - lab[3 * ((y - 1) * width + x) + c]
                total += dx * dx + dy * dy
            }
            return total
        }
        var centres: [[Float]] = []   // [l, a, b, x, y]
        var y = step / 2
        while y < height {
            var x = step / 2
            while x < width {
                var best = (x, y), bestG = gradient(x, y)
                for dy in -1...1 { for dx in -1...1 {
                    let g = gradient(x + dx, y + dy)
                    if g < bestG { bestG = g; best = (x + dx, y + dy) }
                } }
                let p = best.1 * width + best.0
                centres.append([lab[3 * p], lab[3 * p + 1], lab[3 * p + 2], Float(best.0), Float(best.1)])
                x += step
            }
            y += step
        }

        // k-means restricted to 2S x 2S windows.
        var labels = [Int32](repeating: -1, count: n)
        var distance = [Float](repeating: .infinity, count: n)
        let spatialWeight = (compactness / s) * (compactness / s)
        for _ in 0..<Swift.max(iterations, 1) {
            for i in 0..<n { distance[i] = .infinity }
            for (k, c) in centres.enumerated() {
                let cx = Int(c[3].rounded()), cy = Int(c[4].rounded())
                for py in Swift.max(0, cy - step)..<Swift.min(height, cy + step + 1) {
                    for px in Swift.max(0, cx - step)..<Swift.min(width, cx + step + 1) {
                        let p = py * width + px
                        let dl = lab[3 * p] - c[0], da = lab[3 * p + 1] - c[1], db = lab[3 * p + 2] - c[2]
                        let dx = Float(px) - c[3], dy = Float(py) - c[4]
                        let d = dl * dl + da * da + db * db + (dx * dx + dy * dy) * spatialWeight
                        if d < distance[p] { distance[p] = d; labels[p] = Int32(k) }
                    }
                }
            }
            var sums = [[Float]](repeating: [0, 0, 0, 0, 0, 0], count: centres.count)
            for p in 0..<n where labels[p] >= 0 {
                let k = Int(labels[p])
                sums[k][0] += lab[3 * p]; sums[k][1] += lab[3 * p + 1]; sums[k][2] += lab[3 * p + 2]
                sums[k][3] += Float(p % width); sums[k][4] += Float(p / width); sums[k][5] += 1
            }
            for k in 0..<centres.count where sums[k][5] > 0 {
                centres[k] = (0..<5).map { sums[k][$0] / sums[k][5] }
            }
        }
        // Pixels no window reached (only possible with odd rounding at borders): nearest centre.
        for p in 0..<n where labels[p] < 0 {
            let px = Float(p % width), py = Float(p / width)
            var best = 0, bestD = Float.infinity
            for (k, c) in centres.enumerated() {
                let d = (px - c[3]) * (px - c[3]) + (py - c[4]) * (py - c[4])
                if d < bestD { bestD = d; best = k }
            }
            labels[p] = Int32(best)
        }
        guard enforceConnectivity else {
            return Self.compacted(labels, width: width, height: height)
        }
        return Self.connected(labels, width: width, height: height, minimumSize: Swift.max(1, step * step / 4))
    }

    /// Renumbers labels to `0..<count` in raster order of first appearance.
    static func compacted(_ labels: [Int32], width: Int, height: Int) -> ComponentLabels {
        var map: [Int32: Int32] = [:]
        var out = labels
        for i in 0..<labels.count {
            if let m = map[labels[i]] { out[i] = m } else { let m = Int32(map.count); map[labels[i]] = m; out[i] = m }
        }
        return ComponentLabels(labels: out, width: width, height: height, count: map.count)
    }

    /// Connectivity enforcement (as the reference implementation): scan in raster order, flood
    /// each 4-connected piece of equal labels into a new label; a piece smaller than `minimumSize`
    /// takes the new label of an adjacent, already relabelled piece instead.
    static func connected(_ labels: [Int32], width: Int, height: Int, minimumSize: Int) -> ComponentLabels {
        let n = labels.count
        var out = [Int32](repeating: -1, count: n)
        var next: Int32 = 0
        var piece: [Int] = []
        for start in 0..<n where out[start] < 0 {
            let original = labels[start]
            // An adjacent label already assigned (left or up neighbours of the start pixel, scanned earlier).
            var adjacent: Int32 = -1
            let sx = start % width, sy = start / width
            for (nx, ny) in [(sx - 1, sy), (sx, sy - 1), (sx + 1, sy), (sx, sy + 1)]
            where nx >= 0 && ny >= 0 && nx < width && ny < height && out[ny * width + nx] >= 0 {
                adjacent = out[ny * width + nx]
                break
            }
            piece.removeAll(keepingCapacity: true)
            out[start] = next
            piece.append(start)
            var head = 0
            while head < piece.count {
                let p = piece[head]; head += 1
                let x = p % width, y = p / width
                for (nx, ny) in [(x - 1, y), (x + 1, y), (x, y - 1), (x, y + 1)]
                where nx >= 0 && ny >= 0 && nx < width && ny < height {
                    let q = ny * width + nx
                    if out[q] < 0 && labels[q] == original { out[q] = next; piece.append(q) }
                }
            }
            if piece.count < minimumSize && adjacent >= 0 {
                for p in piece { out[p] = adjacent }
            } else {
                next += 1
            }
        }
        return ComponentLabels(labels: out, width: width, height: height, count: Int(next))
    }
}
