/// Tests which pixels of one boundary map lie within a disk tolerance of another boundary map.
///
/// Equivalent to `sum(a & dilate(b, disk))` of the official F measure, without building the dilated
/// image: for every row of `b` it stores the horizontal distance to the nearest boundary pixel in
/// that row (capped at `radius + 1`); a pixel (x, y) is covered when some row offset dy of the disk
/// has that distance at (x, y + dy) no larger than the disk's half-width at dy. Cost: O(H·W) to build
/// plus O(2r+1) per tested boundary pixel.
struct BoundaryCoverage {
    let width: Int
    let height: Int
    let disk: DiskTolerance
    /// `[height * width]`: distance to the nearest boundary pixel in the same row, capped.
    private var rowDistance: [UInt16]

    /// Indexes the boundary map `b` (`[height * width]`, nonzero on boundary pixels).
    init(boundary b: [UInt8], width: Int, height: Int, disk: DiskTolerance) {
        precondition(b.count == width * height, "BoundaryCoverage: \(b.count) pixels for \(width)x\(height)")
        self.width = width
        self.height = height
        self.disk = disk
        let cap = UInt16(min(disk.radius + 1, Int(UInt16.max)))
        var d = [UInt16](repeating: cap, count: width * height)
        b.withUnsafeBufferPointer { src in
            d.withUnsafeMutableBufferPointer { dist in
                for y in 0..<height {
                    let row = y * width
                    var run = cap  // distance to the nearest boundary pixel on the left
                    for x in 0..<width {
                        if src[row + x] != 0 { run = 0 } else if run < cap { run += 1 }
                        dist[row + x] = run
                    }
                    run = cap  // and on the right
                    var x = width - 1
                    while x >= 0 {
                        if src[row + x] != 0 { run = 0 } else if run < cap { run += 1 }
                        if run < dist[row + x] { dist[row + x] = run }
                        x -= 1
                    }
                }
            }
        }
        self.rowDistance = d
    }

    /// Counts the nonzero pixels of `a` (`[height * width]`) that the dilated boundary covers.
    func coveredCount(of a: [UInt8]) -> Int {
        precondition(a.count == width * height, "BoundaryCoverage: \(a.count) pixels for \(width)x\(height)")
        let r = disk.radius
        var count = 0
        a.withUnsafeBufferPointer { src in
            rowDistance.withUnsafeBufferPointer { dist in
                disk.halfWidths.withUnsafeBufferPointer { hw in
                    for y in 0..<height {
                        let row = y * width
                        let dyLow = max(-r, -y)
                        let dyHigh = min(r, height - 1 - y)
                        for x in 0..<width where src[row + x] != 0 {
                            var dy = dyLow
                            while dy <= dyHigh {
                                if Int(dist[row + dy * width + x]) <= hw[dy + r] {
                                    count += 1
                                    break
                                }
                                dy += 1
                            }
                        }
                    }
                }
            }
        }
        return count
    }
}
