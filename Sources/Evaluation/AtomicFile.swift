#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Writes output files under a temporary name in the same folder, then renames them into place,
/// so that a reader never sees a partial file.
public enum AtomicFile {
    /// Writes `data` to `url` atomically (temporary sibling, then rename).
    public static func write(_ data: Data, to url: URL) throws {
        let folder = url.deletingLastPathComponent()
        let temp = folder.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        do {
            try data.write(to: temp)
            // POSIX rename replaces an existing file atomically (FileManager.replaceItemAt is not
            // reliable on Linux).
            guard rename(temp.path, url.path) == 0 else {
                throw EvaluationError.unwritable(url.path, String(cString: strerror(errno)))
            }
        } catch let error as EvaluationError {
            try? FileManager.default.removeItem(at: temp)
            throw error
        } catch {
            try? FileManager.default.removeItem(at: temp)
            throw EvaluationError.unwritable(url.path, error.localizedDescription)
        }
    }

    /// Writes UTF-8 text atomically.
    public static func write(_ text: String, to url: URL) throws {
        try write(Data(text.utf8), to: url)
    }
}
