import Foundation

extension ClassificationPrediction {
    /// Reads `vidgraph classify` output: one JSON object per line,
    /// `{"path": ..., "labels": [best first], "scores": [...]}` or `{"path": ..., "error": ...}`.
    ///
    /// Blank lines are skipped; a line that is not such an object throws, naming file and line.
    public static func readJSONLines(_ url: URL) throws -> [ClassificationPrediction] {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw EvaluationError.unreadable(url.path, error.localizedDescription)
        }
        var out = [ClassificationPrediction]()
        for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty { continue }
            guard let object = try? JSONSerialization.jsonObject(with: Data(trimmed.utf8)) as? [String: Any] else {
                throw EvaluationError.badLine(file: url.path, line: n + 1, reason: "not a JSON object")
            }
            guard let path = object["path"] as? String else {
                throw EvaluationError.badLine(file: url.path, line: n + 1, reason: "no \"path\" string")
            }
            if let error = object["error"] {
                out.append(ClassificationPrediction(path: path, labels: [], scores: [], error: "\(error)"))
                continue
            }
            guard let rawLabels = object["labels"] as? [Any] else {
                throw EvaluationError.badLine(file: url.path, line: n + 1, reason: "no \"labels\" array")
            }
            let labels = rawLabels.map { ($0 as? String) ?? "\($0)" }
            let scores = (object["scores"] as? [Any])?.compactMap { ($0 as? NSNumber)?.doubleValue } ?? []
            out.append(ClassificationPrediction(path: path, labels: labels, scores: scores))
        }
        return out
    }
}

extension LabeledClip {
    /// Reads a ground-truth CSV of `path,label` rows (PySlowFast-style lists with a space separator,
    /// `path label`, are accepted too). A first row `path,label` is taken as a header and skipped.
    public static func readCSV(_ url: URL) throws -> [LabeledClip] {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw EvaluationError.unreadable(url.path, error.localizedDescription)
        }
        var out = [LabeledClip]()
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty { continue }
            let separator: Character = line.contains(",") ? "," : " "
            guard let cut = line.lastIndex(of: separator) else {
                throw EvaluationError.badLine(file: url.path, line: n + 1, reason: "expected 'path,label'")
            }
            let path = line[..<cut].trimmingCharacters(in: .whitespaces)
            let label = line[line.index(after: cut)...].trimmingCharacters(in: .whitespaces)
            if n == 0 && path.lowercased() == "path" && label.lowercased() == "label" { continue }
            guard !path.isEmpty, !label.isEmpty else {
                throw EvaluationError.badLine(file: url.path, line: n + 1, reason: "expected 'path,label'")
            }
            out.append(LabeledClip(path: path, label: label))
        }
        return out
    }
}
