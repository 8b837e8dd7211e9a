import Foundation

/// The result of a DAVIS evaluation: per-sequence scores and the overall J, F and J&F.
public struct SegmentationResult: Sendable {
    /// Per-sequence scores, in evaluation order.
    public var sequences: [SequenceScore]
    /// The options the evaluation ran with.
    public var options: SegmentationEvaluation.Options
    /// Overall J: the means over sequences of the per-sequence mean, recall and decay.
    public var j: SequenceStatistics
    /// Overall F, likewise.
    public var f: SequenceStatistics

    /// J&F: the mean of the overall J mean and F mean (fraction).
    public var jf: Double { (j.mean + f.mean) / 2 }
    /// Frames scored in all sequences.
    public var frameCount: Int { sequences.reduce(0) { $0 + $1.frames.count } }
    /// Frames whose prediction was missing, in all sequences.
    public var missingPredictions: Int { sequences.reduce(0) { $0 + $1.missingPredictions } }

    /// Aggregates sequence scores as the official `evaluation_method.py` does.
    public init(sequences: [SequenceScore], options: SegmentationEvaluation.Options = .init()) {
        self.sequences = sequences
        self.options = options
        func average(_ key: (SequenceScore) -> SequenceStatistics) -> SequenceStatistics {
            let stats = sequences.map(key)
            return SequenceStatistics(mean: SequenceStatistics.nanMean(stats.map(\.mean)[...]),
                                      recall: SequenceStatistics.nanMean(stats.map(\.recall)[...]),
                                      decay: SequenceStatistics.nanMean(stats.map(\.decay)[...]))
        }
        j = average(\.j)
        f = average(\.f)
    }

    /// The JSON summary, all measures in percent (0-100); NaN is written as null.
    ///
    /// `{"J", "F", "JF", "J_stats": {"mean","recall","decay"}, "F_stats": {...}, "frames",
    ///   "missing_predictions", "protocol", "bound_threshold",
    ///   "sequences": {seq: {"J": {...}, "F": {...}, "frames", "missing_predictions"}}}`
    public func jsonData() -> Data {
        func pct(_ v: Double) -> Any { v.isFinite ? v * 100 : NSNull() }
        func stats(_ s: SequenceStatistics) -> [String: Any] {
            ["mean": pct(s.mean), "recall": pct(s.recall), "decay": pct(s.decay)]
        }
        var seqs = [String: Any]()
        for s in sequences {
            seqs[s.name] = ["J": stats(s.j), "F": stats(s.f), "frames": s.frames.count,
                            "missing_predictions": s.missingPredictions] as [String: Any]
        }
        let object: [String: Any] = [
            "J": pct(j.mean), "F": pct(f.mean), "JF": pct(jf),
            "J_stats": stats(j), "F_stats": stats(f),
            "frames": frameCount, "missing_predictions": missingPredictions,
            "protocol": options.skipFirstAndLast ? "semi-supervised (first and last frame excluded)" : "all frames",
            "bound_threshold": options.boundThreshold,
            "sequences": seqs,
        ]
        return try! JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
    }

    /// Per-frame CSV: `sequence,frame,J,F,missing` with J and F as fractions (0-1).
    public func csv() -> String {
        var out = "sequence,frame,J,F,missing\n"
        for s in sequences {
            for fr in s.frames {
                out += "\(s.name),\(fr.name),\(String(format: "%.6f", fr.j)),\(String(format: "%.6f", fr.f)),\(fr.predictionMissing ? 1 : 0)\n"
            }
        }
        return out
    }

    /// A fixed-width terminal table: per sequence J and F mean / recall / decay (percent), then the overall row.
    public func table() -> String {
        let nameWidth = max(8, sequences.map(\.name.count).max() ?? 0)
        func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }
        func num(_ v: Double) -> String {
            let s = v.isFinite ? String(format: "%.1f", v * 100) : "nan"
            return String(repeating: " ", count: max(0, 7 - s.count)) + s
        }
        func row(_ name: String, _ frames: Int, _ j: SequenceStatistics, _ f: SequenceStatistics, _ jf: Double) -> String {
            pad(name, nameWidth) + String(format: " %6d", frames) + num(jf) + " |"
                + num(j.mean) + num(j.recall) + num(j.decay) + " |" + num(f.mean) + num(f.recall) + num(f.decay)
        }
        var lines = [pad("sequence", nameWidth) + " frames    J&F |  J-mean  J-rec  J-dec |  F-mean  F-rec  F-dec"]
        lines.append(String(repeating: "-", count: lines[0].count))
        for s in sequences { lines.append(row(s.name, s.frames.count, s.j, s.f, (s.j.mean + s.f.mean) / 2)) }
        lines.append(String(repeating: "-", count: lines[0].count))
        lines.append(row("overall", frameCount, j, f, jf))
        return lines.joined(separator: "\n")
    }
}
