/// Counts the pixels of one boundary map that lie within a disk tolerance of another boundary map.
///
/// Equivalent to `sum(a & cv2.dilate(b, disk))` of the official F measure, computed with byte-wise
/// (vectorisable) passes: the disk is split into rows, row offset dy having half-width w(dy); the
/// horizontal dilations H_w of `b` are built incrementally (H_w = H_{w-1} widened by one pixel each
/// side) over the rows that hold boundary pixels, and row y of the full dilation is the OR over dy of
/// H_{w(dy)} at row y + dy. Rows of `a` without boundary pixels are skipped; pixels outside the image
/// contribute nothing, as in cv2's dilation.
enum BoundaryCoverage {
    /// - Parameters:
    ///   - a: `[height * width]` 0/1, the pixels to test; `aRowCounts`: `[height]` ones per row of `a`.
    ///   - b: `[height * width]` 0/1, the boundary to dilate; `bRowCounts`: `[height]`.
    static func coveredCount(a: UnsafePointer<UInt8>, aRowCounts: [Int], b: UnsafePointer<UInt8>, bRowCounts: [Int],
                             width: Int, height: Int, disk: DiskTolerance, workspace: MeasureWorkspace) -> Int {
        let r = disk.radius
        guard width > 0, height > 0,
              let bFirst = bRowCounts.firstIndex(where: { $0 > 0 }),
              let bLast = bRowCounts.lastIndex(where: { $0 > 0 }) else { return 0 }
        let maxWidth = disk.halfWidths.max() ?? 0
        // H_0 = b on rows bFirst...bLast; H_w from H_{w-1}. Rows outside that range are never read.
        let rowsStart = bFirst * width, rowsCount = (bLast - bFirst + 1) * width
        (workspace.dilation(0) + rowsStart).update(from: b + rowsStart, count: rowsCount)
        if maxWidth > 0 {
            for w in 1...maxWidth {
                let c = workspace.dilation(w - 1), o = workspace.dilation(w)
                for y in bFirst...bLast {
                    let cr = c + y * width, orow = o + y * width
                    if width == 1 { orow[0] = cr[0]; continue }
                    orow[0] = cr[0] | cr[1]
                    var x = 1
                    while x < width - 1 {
                        orow[x] = cr[x - 1] | cr[x] | cr[x + 1]
                        x += 1
                    }
                    orow[width - 1] = cr[width - 2] | cr[width - 1]
                }
            }
        }
        let rowMaps = disk.halfWidths.map { UnsafePointer(workspace.dilation($0)) }  // per dy + r
        // Row y of the dilation = OR over dy of H_{w(dy)}[y + dy]; count it against a's row y.
        var count = 0
        let acc = UnsafeMutablePointer<UInt8>.allocate(capacity: width)
        defer { acc.deallocate() }
        for y in 0..<height where aRowCounts[y] > 0 {
            let lo = max(-r, bFirst - y), hi = min(r, bLast - y)
            if lo > hi { continue }
            acc.update(from: rowMaps[lo + r] + (y + lo) * width, count: width)
            if lo < hi {
                for dy in (lo + 1)...hi {
                    let src = rowMaps[dy + r] + (y + dy) * width
                    for x in 0..<width { acc[x] |= src[x] }
                }
            }
            let arow = a + y * width
            var rowCount = 0
            for x in 0..<width { rowCount &+= Int(acc[x] & arow[x]) }
            count += rowCount
        }
        return count
    }
}
