import Dispatch
import Foundation

/// Output format of `vidgraph classify`.
public enum PredictionFormat: Sendable {
    case jsonl, csv
}

/// One clip's result: top-k labels and scores (best first), the true label when known, or an error.
public struct PredictionRecord: Equatable, Sendable {
    public var path: String
    public var labels: [String] = []
    public var scores: [Float] = []
    public var label: String?
    public var correct: Bool?
    public var error: String?

    public init(path: String, labels: [String], scores: [Float]) {
        self.path = path
        self.labels = labels
        self.scores = scores
    }

    public init(path: String, error: String) {
        self.path = path
        self.error = error
    }

    /// `{"path": ..., "labels": [...], "scores": [...], "label": ..., "correct": ...}` or `{"path", "error"}`.
    public func jsonLine() -> String {
        var object: [String: Any] = ["path": path]
        if let error {
            object["error"] = error
        } else {
            object["labels"] = labels
            object["scores"] = scores.map { (Double($0) * 1e6).rounded() / 1e6 }
            if let label { object["label"] = label }
            if let correct { object["correct"] = correct }
        }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    /// `path,labels,scores,label,correct,error` with `;`-separated lists, RFC 4180 quoting.
    public func csvLine() -> String {
        let fields = [path, labels.joined(separator: ";"), scores.map { String(format: "%.6f", $0) }.joined(separator: ";"),
                      label ?? "", correct.map { $0 ? "true" : "false" } ?? "", error ?? ""]
        return fields.map(Self.quote).joined(separator: ",")
    }

    static let csvHeader = "path,labels,scores,label,correct,error"

    static func quote(_ s: String) -> String {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"").replacingOccurrences(of: "\n", with: " ") + "\""
    }
}

/// Appends complete prediction lines to a file (each line one `write`, so an interrupted run leaves
/// a valid file; synced to disk at most once a second and on close, since a sync per line cost 2.5 %
/// of a 1000-clip run) or to standard output. With `resume`, the paths already in the file are
/// read (`donePaths`) and a trailing partial line is cut off before appending.
public final class PredictionWriter {
    public let format: PredictionFormat
    public private(set) var donePaths = Set<String>()
    private let handle: FileHandle
    private let isFile: Bool
    private var lastSync = DispatchTime.now()

    public init(path: String?, format: PredictionFormat, resume: Bool) throws {
        self.format = format
        guard let path else {
            handle = FileHandle.standardOutput
            isFile = false
            if format == .csv { handle.write(Data((PredictionRecord.csvHeader + "\n").utf8)) }
            return
        }
        isFile = true
        let fm = FileManager.default
        let url = URL(fileURLWithPath: path)
        if resume, fm.fileExists(atPath: path) {
            var data = try Data(contentsOf: url)
            if let lastNewline = data.lastIndex(of: UInt8(ascii: "\n")) {
                data = data.prefix(through: lastNewline)
            } else {
                data = Data()
            }
            for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
                if let p = Self.path(ofLine: String(line), format: format) { donePaths.insert(p) }
            }
            try data.write(to: url, options: .atomic)
        } else {
            let dir = url.deletingLastPathComponent()
            try fm.createDirectory(at: dir, withIntermediateDirectories: true)
            guard fm.createFile(atPath: path, contents: nil) else {
                throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path])
            }
        }
        handle = try FileHandle(forWritingTo: url)
        handle.seekToEndOfFile()
        if format == .csv && handle.offsetInFile == 0 { handle.write(Data((PredictionRecord.csvHeader + "\n").utf8)) }
    }

    /// The clip path recorded on one output line (nil for headers and unreadable lines).
    static func path(ofLine line: String, format: PredictionFormat) -> String? {
        switch format {
        case .jsonl:
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return nil }
            return object["path"] as? String
        case .csv:
            if line == PredictionRecord.csvHeader { return nil }
            if line.hasPrefix("\"") {
                var out = "", i = line.index(after: line.startIndex)
                while i < line.endIndex {
                    let c = line[i]
                    let next = line.index(after: i)
                    if c == "\"" {
                        if next < line.endIndex && line[next] == "\"" { out.append("\""); i = line.index(after: next); continue }
                        return out
                    }
                    out.append(c)
                    i = next
                }
                return nil
            }
            return line.split(separator: ",", omittingEmptySubsequences: false).first.map(String.init)
        }
    }

    /// Writes one complete line (one write call); syncs the file if the last sync is over a second old.
    public func write(_ record: PredictionRecord) throws {
        let line = (format == .jsonl ? record.jsonLine() : record.csvLine()) + "\n"
        handle.write(Data(line.utf8))
        if isFile && DispatchTime.now().uptimeNanoseconds - lastSync.uptimeNanoseconds > 1_000_000_000 {
            try? handle.synchronize()
            lastSync = DispatchTime.now()
        }
    }

    public func close() throws {
        if isFile {
            try? handle.synchronize()
            try handle.close()
        }
    }
}
