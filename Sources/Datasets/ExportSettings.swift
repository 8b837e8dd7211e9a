import Foundation

/// Guards resumable exports: the generator settings are recorded next to the outputs and a rerun
/// with different settings is refused instead of silently mixing clips.
enum ExportSettings {
    /// Records `settings` in `file`, or throws when `file` already holds different settings.
    static func check(_ settings: String, file: URL) throws {
        if let old = try? String(contentsOf: file, encoding: .utf8) {
            let previous = old.trimmingCharacters(in: .whitespacesAndNewlines)
            guard previous == settings else {
                throw DatasetError.invalidArgument(
                    "\(file.deletingLastPathComponent().path) holds clips made with '\(previous)', not '\(settings)'; use another --out or remove it")
            }
            return
        }
        try ClassificationManifest.writeAtomically(settings + "\n", to: file)
    }
}
