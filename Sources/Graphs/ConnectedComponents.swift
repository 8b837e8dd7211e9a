/// Labels of the 4-connected components of a binary mask (row-major `width` x `height`).
public struct ComponentLabels: Sendable, Equatable {
    public var width: Int
    public var height: Int
    /// `[height * width]`: component id in `0..<count`, or -1 for background.
    public var labels: [Int32]
    /// Number of components.
    public var count: Int

    /// Labels the foreground (`mask[p] != 0`) in raster order of first pixel (4-connectivity,
    /// iterative flood fill). Components smaller than `minimumPixels` become background.
    public init(mask: [UInt8], width: Int, height: Int, minimumPixels: Int = 1) {
        precondition(mask.count == width * height, "ComponentLabels: \(mask.count) pixels for \(width)x\(height)")
        self.width = width
        self.height = height
        var labels = [Int32](repeating: -1, count: mask.count)
        var count: Int32 = 0
        var stack: [Int] = []
        var members: [Int] = []
        for start in 0..<mask.count where mask[start] != 0 && labels[start] == -1 {
            members.removeAll(keepingCapacity: true)
            labels[start] = count
            stack.append(start)
            while let p = stack.popLast() {
                members.append(p)
                let x = p % width, y = p / width
                for (nx, ny) in [(x - 1, y), (x + 1, y), (x, y - 1), (x, y + 1)]
                where nx >= 0 && ny >= 0 && nx < width && ny < height {
                    let q = ny * width + nx
                    if mask[q] != 0 && labels[q] == -1 { labels[q] = count; stack.append(q) }
                }
            }
            if members.count < minimumPixels {
                for p in members { labels[p] = -2 }   // too small: background, never revisited
            } else {
                count += 1
            }
        }
        for i in 0..<labels.count where labels[i] == -2 { labels[i] = -1 }
        self.labels = labels
        self.count = Int(count)
    }

    /// Wraps existing labels (e.g. superpixels, every pixel labelled).
    public init(labels: [Int32], width: Int, height: Int, count: Int) {
        precondition(labels.count == width * height, "ComponentLabels: \(labels.count) labels for \(width)x\(height)")
        self.labels = labels; self.width = width; self.height = height; self.count = count
    }

    /// The sorted pixel indices of each label, `[count][...]`.
    public var pixelsByLabel: [[Int32]] {
        var result = [[Int32]](repeating: [], count: count)
        for (p, l) in labels.enumerated() where l >= 0 { result[Int(l)].append(Int32(p)) }
        return result
    }

    /// Number of 4-connected pieces each label forms (1 everywhere for connected labellings).
    public var piecesPerLabel: [Int] {
        var pieces = [Int](repeating: 0, count: count)
        var seen = [Bool](repeating: false, count: labels.count)
        var stack: [Int] = []
        for start in 0..<labels.count where labels[start] >= 0 && !seen[start] {
            let l = labels[start]
            pieces[Int(l)] += 1
            seen[start] = true
            stack.append(start)
            while let p = stack.popLast() {
                let x = p % width, y = p / width
                for (nx, ny) in [(x - 1, y), (x + 1, y), (x, y - 1), (x, y + 1)]
                where nx >= 0 && ny >= 0 && nx < width && ny < height {
                    let q = ny * width + nx
                    if !seen[q] && labels[q] == l { seen[q] = true; stack.append(q) }
                }
            }
        }
        return pieces
    }
}
