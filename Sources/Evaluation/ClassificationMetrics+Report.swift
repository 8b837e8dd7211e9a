import Foundation

extension ClassificationMetrics {
    /// A terminal summary: accuracies, counts, per-class accuracy and a compact confusion matrix
    /// (classes numbered, the last column "-" for no prediction; only the first 20 classes shown).
    public func summary() -> String {
        func pct(_ v: Double) -> String { v.isFinite ? String(format: "%.2f%%", v * 100) : "n/a" }
        var lines = [
            "clips \(total)  top-1 \(pct(top1))  top-\(k) \(pct(topK))  mean class accuracy \(pct(meanClassAccuracy))",
            "failed \(failures)  missing \(missing)  unmatched predictions \(unmatchedPredictions)",
        ]
        let shown = Array(classes.prefix(20).enumerated())
        let nameWidth = min(24, shown.map { $0.element.count }.max() ?? 5)
        lines.append("per class:")
        for (i, c) in shown {
            let acc = perClassAccuracy[c].map(pct) ?? "-"
            lines.append(String(format: "  %3d ", i) + c.prefix(nameWidth).padding(toLength: nameWidth, withPad: " ", startingAt: 0) + "  " + acc)
        }
        lines.append("confusion (rows true, columns predicted):")
        let cols = shown.count
        let cellWidth = max(3, String(confusion.flatMap { $0 }.max() ?? 0).count + 1)
        func cell(_ s: String) -> String { String(repeating: " ", count: max(0, cellWidth - s.count)) + s }
        lines.append("     " + (0..<cols).map { cell(String($0)) }.joined() + cell("-"))
        for (i, _) in shown {
            let row = confusion[i]
            lines.append(String(format: "  %3d", i) + (0..<cols).map { cell(row[$0] == 0 ? "." : String(row[$0])) }.joined()
                         + cell(row[classes.count] == 0 ? "." : String(row[classes.count])))
        }
        if classes.count > 20 { lines.append("  (\(classes.count - 20) more classes in the JSON)") }
        return lines.joined(separator: "\n")
    }

    /// The full metrics as JSON (accuracies as fractions 0-1; NaN as null).
    public func jsonData() -> Data {
        func num(_ v: Double) -> Any { v.isFinite ? v : NSNull() }
        let object: [String: Any] = [
            "total": total, "failures": failures, "missing": missing, "unmatched_predictions": unmatchedPredictions,
            "top1": num(top1), "top_k": num(topK), "k": k, "mean_class_accuracy": num(meanClassAccuracy),
            "classes": classes, "per_class_accuracy": perClassAccuracy,
            "confusion": confusion, "confusion_columns": classes + ["(no prediction)"],
        ]
        return try! JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
    }
}
