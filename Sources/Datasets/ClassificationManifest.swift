import Foundation

/// A list of labelled videos for clip classification: CSV `path,label` or one folder per class.
///
/// CSV (PySlowFast-style list): one row per video, `path,label`; an optional header row
/// `path,label`; fields may be double-quoted (`""` escapes a quote); blank lines and lines starting
/// with `#` are ignored; relative paths are resolved against the CSV's folder. A label is a class
/// name, or an integer index into the class list. Class names come from a names file (one per line)
/// when given, else from the labels seen (sorted; numerically when all are integers).
public struct ClassificationManifest: Sendable, Equatable {
    /// One labelled video.
    public struct Entry: Sendable, Equatable {
        /// Absolute location of the video (file or frame folder).
        public var url: URL
        /// Index into `classNames`.
        public var label: Int

        public init(url: URL, label: Int) {
            self.url = url
            self.label = label
        }
    }

    /// Class names in label order.
    public var classNames: [String]
    /// The labelled videos in file order.
    public var entries: [Entry]

    public init(classNames: [String], entries: [Entry]) {
        precondition(entries.allSatisfy { classNames.indices.contains($0.label) }, "ClassificationManifest: label out of range")
        self.classNames = classNames
        self.entries = entries
    }

    /// Video extensions recognised in class folders.
    public static let videoExtensions: Set<String> = ["mp4", "avi", "mkv", "mov", "webm", "m4v", "mpg", "mpeg", "gif"]

    /// Reads a CSV manifest; `classNames` fixes the class list (labels outside it are errors);
    /// `checkFiles` reports listed files that do not exist.
    public static func load(csv url: URL, classNames: [String]? = nil, checkFiles: Bool = true) throws -> ClassificationManifest {
        guard FileManager.default.fileExists(atPath: url.path) else { throw DatasetError.missingFile(url) }
        guard let data = FileManager.default.contents(atPath: url.path), let text = String(data: data, encoding: .utf8) else {
            throw DatasetError.corrupt(url, "not readable as UTF-8 text")
        }
        let base = url.deletingLastPathComponent()
        var rows: [(line: Int, path: String, label: String)] = []
        var lineNumber = 0
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            lineNumber += 1
            let line = rawLine.hasSuffix("\r") ? String(rawLine.dropLast()) : String(rawLine)
            if line.trimmingCharacters(in: .whitespaces).isEmpty || line.hasPrefix("#") { continue }
            let fields = try splitCSV(line, file: url, line: lineNumber)
            guard fields.count == 2 else {
                throw DatasetError.corrupt(url, "line \(lineNumber): expected 2 fields (path,label), found \(fields.count)")
            }
            let path = fields[0].trimmingCharacters(in: .whitespaces), label = fields[1].trimmingCharacters(in: .whitespaces)
            if rows.isEmpty && path.lowercased() == "path" && label.lowercased() == "label" { continue }  // header
            guard !path.isEmpty else { throw DatasetError.corrupt(url, "line \(lineNumber): empty path") }
            guard !label.isEmpty else { throw DatasetError.corrupt(url, "line \(lineNumber): empty label") }
            rows.append((lineNumber, path, label))
        }
        let names: [String]
        if let given = classNames {
            names = given
        } else {
            let seen = Set(rows.map(\.label))
            if seen.allSatisfy({ Int($0) != nil }) {
                let maxLabel = seen.compactMap { Int($0) }.max() ?? -1
                names = maxLabel < 0 ? [] : (0...maxLabel).map(String.init)
            } else {
                names = seen.sorted()
            }
        }
        var index: [String: Int] = [:]
        for (i, n) in names.enumerated() where index[n] == nil { index[n] = i }
        var entries: [Entry] = []
        for row in rows {
            let label: Int
            if let i = index[row.label] {
                label = i
            } else if let i = Int(row.label), names.indices.contains(i) {
                label = i
            } else {
                throw DatasetError.unknownLabel(url, line: row.line, label: row.label)
            }
            let file = row.path.hasPrefix("/") ? URL(fileURLWithPath: row.path) : base.appendingPathComponent(row.path)
            entries.append(Entry(url: file.standardizedFileURL, label: label))
        }
        let manifest = ClassificationManifest(classNames: names, entries: entries)
        if checkFiles { try manifest.checkFilesExist(manifestURL: url) }
        return manifest
    }

    /// Reads a folder with one subfolder per class (sorted by name) holding video files or frame folders.
    public static func load(folder url: URL) throws -> ClassificationManifest {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: url.path, isDirectory: &isDir) else { throw DatasetError.missingFile(url) }
        guard isDir.boolValue else { throw DatasetError.corrupt(url, "not a folder of class folders") }
        let classes = try fm.contentsOfDirectory(atPath: url.path).filter { name in
            var d: ObjCBool = false
            return !name.hasPrefix(".") && fm.fileExists(atPath: url.appendingPathComponent(name).path, isDirectory: &d) && d.boolValue
        }.sorted()
        guard !classes.isEmpty else { throw DatasetError.corrupt(url, "no class folders") }
        var entries: [Entry] = []
        for (label, name) in classes.enumerated() {
            let classURL = url.appendingPathComponent(name)
            for item in try fm.contentsOfDirectory(atPath: classURL.path).sorted() where !item.hasPrefix(".") {
                let itemURL = classURL.appendingPathComponent(item)
                var d: ObjCBool = false
                _ = fm.fileExists(atPath: itemURL.path, isDirectory: &d)
                if d.boolValue || videoExtensions.contains(itemURL.pathExtension.lowercased()) {
                    entries.append(Entry(url: itemURL.standardizedFileURL, label: label))
                }
            }
        }
        return ClassificationManifest(classNames: classes, entries: entries)
    }

    /// Reads a class names file: one name per line, blank lines ignored, duplicates rejected.
    public static func loadClassNames(_ url: URL) throws -> [String] {
        guard let data = FileManager.default.contents(atPath: url.path) else { throw DatasetError.missingFile(url) }
        guard let text = String(data: data, encoding: .utf8) else { throw DatasetError.corrupt(url, "not UTF-8 text") }
        let names = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        var seen = Set<String>()
        for n in names where !seen.insert(n).inserted { throw DatasetError.corrupt(url, "class name '\(n)' listed twice") }
        guard !names.isEmpty else { throw DatasetError.corrupt(url, "no class names") }
        return names
    }

    /// Writes class names, one per line (atomically).
    public static func writeClassNames(_ names: [String], to url: URL) throws {
        try writeAtomically(names.joined(separator: "\n") + "\n", to: url)
    }

    /// Writes the manifest as CSV with a `path,label` header and label names; paths are written
    /// relative to the CSV's folder when inside it.
    public func writeCSV(to url: URL) throws {
        let base = url.deletingLastPathComponent().standardizedFileURL.path
        var text = "path,label\n"
        for e in entries {
            var path = e.url.standardizedFileURL.path
            if path.hasPrefix(base + "/") { path = String(path.dropFirst(base.count + 1)) }
            text += ClassificationManifest.quote(path) + "," + ClassificationManifest.quote(classNames[e.label]) + "\n"
        }
        try ClassificationManifest.writeAtomically(text, to: url)
    }

    /// Throws `missingEntries` when some listed files do not exist.
    public func checkFilesExist(manifestURL: URL) throws {
        let missing = entries.filter { !FileManager.default.fileExists(atPath: $0.url.path) }.map(\.url.path)
        if !missing.isEmpty { throw DatasetError.missingEntries(manifestURL, missing, total: missing.count) }
    }

    /// Splits one CSV line into fields (RFC 4180 quoting within the line).
    static func splitCSV(_ line: String, file: URL, line number: Int) throws -> [String] {
        var fields: [String] = []
        var field = ""
        var inQuotes = false
        var chars = Array(line)[...]
        var wasQuoted = false
        while let c = chars.popFirst() {
            if inQuotes {
                if c == "\"" {
                    if chars.first == "\"" { field.append("\""); chars.removeFirst() } else { inQuotes = false }
                } else {
                    field.append(c)
                }
            } else if c == "\"" && field.trimmingCharacters(in: .whitespaces).isEmpty && !wasQuoted {
                inQuotes = true; wasQuoted = true; field = ""
            } else if c == "," {
                fields.append(field); field = ""; wasQuoted = false
            } else {
                if wasQuoted && c != " " { throw DatasetError.corrupt(file, "line \(number): text after a closing quote") }
                field.append(c)
            }
        }
        if inQuotes { throw DatasetError.corrupt(file, "line \(number): unterminated quote") }
        fields.append(field)
        return fields
    }

    static func quote(_ s: String) -> String {
        s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == " " })
            ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }

    static func writeAtomically(_ text: String, to url: URL) throws {
        let tmp = AtomicFile.temporaryURL(for: url)
        do {
            try Data(text.utf8).write(to: tmp)
            try AtomicFile.rename(tmp, to: url)
        } catch {
            try? FileManager.default.removeItem(at: tmp)
            throw DatasetError.writeFailed(url, error.localizedDescription)
        }
    }
}
