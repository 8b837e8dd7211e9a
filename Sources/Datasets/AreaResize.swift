/// Area (box-filter) resampling: each output pixel is the mean of the source area it covers.
struct AreaResize: Sendable {
    /// Output samples.
    let target: Int
    /// Source samples.
    let source: Int
    /// Most source samples one output sample overlaps.
    let maxTaps: Int
    /// `[target]` first source index of each output sample.
    let first: [Int]
    /// `[target * maxTaps]` overlap weights (summing to 1 per output; unused taps are 0).
    let weights: [Float]

    /// Tables for resampling `source` samples onto `target` samples along one axis.
    init(source: Int, target: Int) {
        precondition(source > 0 && target > 0, "AreaResize: sizes \(source) -> \(target)")
        let scale = Double(source) / Double(target)
        var rows: [(Int, [Float])] = []
        for i in 0..<target {
            let a = Double(i) * scale, b = Double(i + 1) * scale
            let j0 = Int(a.rounded(.down))
            var w: [Float] = []
            var j = j0
            while Double(j) < b && j < source {
                w.append(Float(max(0, min(b, Double(j + 1)) - max(a, Double(j))) / scale))
                j += 1
            }
            rows.append((j0, w))
        }
        let m = rows.map { $0.1.count }.max() ?? 1
        self.target = target
        self.source = source
        self.maxTaps = m
        self.first = rows.map { min($0.0, source - m) }
        var weights = [Float](repeating: 0, count: target * m)
        for (i, row) in rows.enumerated() {
            let shift = row.0 - min(row.0, source - m)  // taps moved right when clamped at the end
            for (k, w) in row.1.enumerated() { weights[i * m + k + shift] = w }
        }
        self.weights = weights
    }

    /// Resizes a square single-channel image `[n * n]` (n = `source`) to `[m * m]` (m = `target`),
    /// horizontal then vertical pass; `scratch` holds at least `n * m` floats.
    func square(_ src: UnsafePointer<Float>, scratch tmp: UnsafeMutablePointer<Float>, into dst: UnsafeMutablePointer<Float>) {
        let n = source, m = target, taps = maxTaps
        first.withUnsafeBufferPointer { first in
            weights.withUnsafeBufferPointer { w in
                for y in 0..<n {  // tmp: [n rows, m cols]
                    let row = src + y * n
                    if taps == 3 {  // the 100 -> 64 case of SyncMNIST, unrolled
                        for x in 0..<m {
                            let f = first[x], b = x * 3
                            tmp[y * m + x] = row[f] * w[b] + row[f + 1] * w[b + 1] + row[f + 2] * w[b + 2]
                        }
                    } else {
                        for x in 0..<m {
                            var s: Float = 0
                            let f = first[x]
                            for k in 0..<taps { s += row[f + k] * w[x * taps + k] }
                            tmp[y * m + x] = s
                        }
                    }
                }
                for y in 0..<m {
                    let out = dst + y * m
                    for x in 0..<m { out[x] = 0 }
                    let f = first[y]
                    for k in 0..<taps {
                        let wk = w[y * taps + k]
                        let line = tmp + (f + k) * m
                        for x in 0..<m { out[x] += line[x] * wk }
                    }
                }
            }
        }
    }
}
