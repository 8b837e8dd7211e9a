import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Write-then-rename helpers so no partial output is ever left under a final name (a reader sees the
/// old file or the complete new one). Used by the dataset exporters and the evaluation reports.
public enum AtomicFile {
    /// A hidden temporary name next to `url` (same folder, so the rename is atomic).
    public static func temporaryURL(for url: URL) -> URL {
        url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
    }

    /// Renames `tmp` onto `url`, replacing what is there (POSIX rename: atomic within one file system;
    /// FileManager.replaceItemAt is not reliable on Linux).
    public static func rename(_ tmp: URL, to url: URL) throws {
        if Foundation.rename(tmp.path, url.path) != 0 {
            let why = String(cString: strerror(errno))
            throw DatasetError.writeFailed(url, why)
        }
    }

    /// Writes `data` to `url` atomically (temporary sibling, then rename); the temporary file is
    /// removed when anything fails.
    public static func write(_ data: Data, to url: URL) throws {
        let temp = temporaryURL(for: url)
        do {
            try data.write(to: temp)
            try rename(temp, to: url)
        } catch let error as DatasetError {
            try? FileManager.default.removeItem(at: temp)
            throw error
        } catch {
            try? FileManager.default.removeItem(at: temp)
            throw DatasetError.writeFailed(url, error.localizedDescription)
        }
    }

    /// Writes UTF-8 text atomically.
    public static func write(_ text: String, to url: URL) throws {
        try write(Data(text.utf8), to: url)
    }
}
