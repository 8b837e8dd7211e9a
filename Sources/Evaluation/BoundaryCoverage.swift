/// Counts the pixels of one boundary map that lie within a disk tolerance of another boundary map.
///
/// Equivalent to `sum(a & cv2.dilate(b, disk))` of the official F measure, computed with byte-wise
/// (vectorisable) passes: the disk is split into rows, row offset dy having half-width w(dy); the
/// horizontal dilations H_w of `b` are built incrementally (H_w = H_{w-1} widened by one pixel each
/// side, kept for the widths the disk uses), and row y of the full dilation is the OR over dy of
/// H_{w(dy)} at row y + dy. Rows of `a` without boundary pixels are skipped; pixels outside the image
/// contribute nothing, as in cv2's dilation.
enum BoundaryCoverage {
    /// - Parameters:
    ///   - a: `[height * width]` 0/1, the pixels to test; `aRowCounts`: `[height]` ones per row of `a`.
    ///   - b: `[height * width]` 0/1, the boundary to dilate; `bRowCounts`: `[height]`.
    static func coveredCount(a: UnsafePointer<UInt8>, aRowCounts: [Int], b: UnsafePointer<UInt8>, bRowCounts: [Int],
                             width: Int, height: Int, disk: DiskTolerance) -> Int {
        let r = disk.radius
        let n = width * height
        guard n > 0 else { return 0 }
        // Rows of b that hold boundary pixels.
        guard let bFirst = bRowCounts.firstIndex(where: { $0 > 0 }), let bLast = bRowCounts.lastIndex(where: { $0 > 0 }) else { return 0 }
        // Horizontal dilations for the widths the disk uses, rows bFirst...bLast only.
        let widths = Set(disk.halfWidths)
        let maxWidth = disk.halfWidths.max() ?? 0
        var maps = [Int: [UInt8]]()
        var current = [UInt8](repeating: 0, count: n)
        current.withUnsafeMutableBufferPointer { c in
            let start = bFirst * width
            (c.baseAddress! + start).update(from: b + start, count: (bLast - bFirst + 1) * width)
        }
        if widths.contains(0) { maps[0] = current }
        if maxWidth > 0 {
            var next = [UInt8](repeating: 0, count: n)
            for w in 1...maxWidth {
                current.withUnsafeBufferPointer { cb in
                    next.withUnsafeMutableBufferPointer { nb in
                        let c = cb.baseAddress!, o = nb.baseAddress!
                        for y in bFirst...bLast {
                            let row = y * width
                            let cr = c + row, orow = o + row
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
                swap(&current, &next)
                if widths.contains(w) { maps[w] = current }
            }
        }
        // Row y of the dilation = OR over dy of H_{w(dy)}[y + dy]; count it against a's row y.
        var count = 0
        var acc = [UInt8](repeating: 0, count: width)
        var rowMaps = [UnsafePointer<UInt8>]()  // per dy, filled below
        let keep = disk.halfWidths.map { maps[$0]! }
        withExtendedLifetime(keep) {
            for m in keep { rowMaps.append(m.withUnsafeBufferPointer { $0.baseAddress! }) }
            acc.withUnsafeMutableBufferPointer { accBuf in
                let ac = accBuf.baseAddress!
                for y in 0..<height where aRowCounts[y] > 0 {
                    let lo = max(-r, bFirst - y), hi = min(r, bLast - y)
                    if lo > hi { continue }
                    ac.update(repeating: 0, count: width)
                    for dy in lo...hi {
                        let src = rowMaps[dy + r] + (y + dy) * width
                        for x in 0..<width { ac[x] |= src[x] }
                    }
                    let arow = a + y * width
                    var rowCount = 0
                    for x in 0..<width { rowCount &+= Int(ac[x] & arow[x]) }
                    count += rowCount
                }
            }
        }
        return count
    }
}
