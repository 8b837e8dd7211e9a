/// Per-sequence summary of per-frame scores: mean, recall and decay (official `db_statistics`).
///
/// - mean: the mean of the per-frame values (NaNs ignored).
/// - recall: the fraction of frames whose value is strictly above 0.5.
/// - decay: the mean of the first quarter minus the mean of the last quarter, with the official
///   quarters: boundaries `ids = round(linspace(1, n, 5) + 1e-10) - 1` (as uint8) and quarter i =
///   `values[ids[i] ... ids[i+1]]` inclusive, so neighbouring quarters share their boundary frame.
///   This is not `np.array_split`. The official code keeps `ids` and `ids + 1` in uint8, so they wrap
///   modulo 256 (numpy 2 semantics); sequences of 256 frames or more therefore get the same odd
///   quarters (possibly an empty last quarter, giving a NaN decay) as the official code.
public struct SequenceStatistics: Equatable, Sendable, Codable {
    /// Mean of the per-frame values (NaN for no frames).
    public var mean: Double
    /// Fraction of frames scoring above 0.5.
    public var recall: Double
    /// Mean of the first quarter minus mean of the last quarter.
    public var decay: Double

    /// Makes the statistics from given numbers.
    public init(mean: Double, recall: Double, decay: Double) {
        self.mean = mean
        self.recall = recall
        self.decay = decay
    }

    /// Summarises per-frame values, in frame order.
    public init(perFrame values: [Double]) {
        mean = Self.nanMean(values[...])
        recall = values.isEmpty ? .nan : Double(values.filter { $0 > 0.5 }.count) / Double(values.count)
        let n = values.count
        var ids = [UInt8]()
        for i in 0...4 {
            // np.linspace(1, n, 5): start + i * step, with the last point exactly n.
            let point = i == 4 ? Double(n) : 1 + Double(i) * (Double(n) - 1) / 4
            let rounded = (point + 1e-10).rounded(.toNearestOrEven) - 1
            ids.append(UInt8(truncatingIfNeeded: Int(rounded)))
        }
        func quarter(_ i: Int) -> ArraySlice<Double> {
            let start = min(Int(ids[i]), n)
            let end = min(Int(ids[i + 1] &+ 1), n)
            return start < end ? values[start..<end] : []
        }
        decay = Self.nanMean(quarter(0)) - Self.nanMean(quarter(3))
    }

    /// Mean ignoring NaNs; NaN when nothing is left.
    static func nanMean(_ values: ArraySlice<Double>) -> Double {
        var sum = 0.0, count = 0
        for v in values where !v.isNaN { sum += v; count += 1 }
        return count == 0 ? .nan : sum / Double(count)
    }
}
