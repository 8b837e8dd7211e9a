import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Write-then-rename helpers so no partial output is ever left under a final name.
enum AtomicFile {
    /// A hidden temporary name next to `url` (same folder, so the rename is atomic).
    static func temporaryURL(for url: URL) -> URL {
        url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
    }

    /// Renames `tmp` onto `url`, replacing what is there.
    static func rename(_ tmp: URL, to url: URL) throws {
        if Foundation.rename(tmp.path, url.path) != 0 {
            let why = String(cString: strerror(errno))
            throw DatasetError.writeFailed(url, why)
        }
    }
}
