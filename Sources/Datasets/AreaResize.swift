/// Area (box-filter) resampling: each output pixel is the mean of the source area it covers.
struct AreaResize: Sendable {
    /// Per output index: the source indices it overlaps and the overlap weights (summing to 1).
    let taps: [[(index: Int, weight: Float)]]

    /// Tables for resampling `source` samples onto `target` samples along one axis.
    init(source: Int, target: Int) {
        precondition(source > 0 && target > 0, "AreaResize: sizes \(source) -> \(target)")
        let scale = Double(source) / Double(target)
        var taps: [[(Int, Float)]] = []
        for i in 0..<target {
            let a = Double(i) * scale, b = Double(i + 1) * scale
            var row: [(Int, Float)] = []
            var j = Int(a.rounded(.down))
            while Double(j) < b && j < source {
                let overlap = min(b, Double(j + 1)) - max(a, Double(j))
                if overlap > 1e-12 { row.append((j, Float(overlap / scale))) }
                j += 1
            }
            taps.append(row)
        }
        self.taps = taps.map { $0.map { (index: $0.0, weight: $0.1) } }
    }

    /// Resizes a square single-channel image `[n * n]` to `[m * m]` (horizontal then vertical pass).
    static func square(_ src: UnsafeBufferPointer<Float>, n: Int, using r: AreaResize,
                       scratch: inout [Float], into dst: UnsafeMutableBufferPointer<Float>) {
        let m = r.taps.count
        if scratch.count < n * m { scratch = [Float](repeating: 0, count: n * m) }
        scratch.withUnsafeMutableBufferPointer { tmp in  // [n rows, m cols]
            for y in 0..<n {
                let row = y * n
                for x in 0..<m {
                    var s: Float = 0
                    for t in r.taps[x] { s += src[row + t.index] * t.weight }
                    tmp[y * m + x] = s
                }
            }
            for y in 0..<m {
                for x in 0..<m { dst[y * m + x] = 0 }
                for t in r.taps[y] {
                    let base = t.index * m
                    for x in 0..<m { dst[y * m + x] += tmp[base + x] * t.weight }
                }
            }
        }
    }
}
