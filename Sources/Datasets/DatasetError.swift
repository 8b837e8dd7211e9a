import Foundation

/// Failures a user can cause when reading or writing datasets; each message names the file.
public enum DatasetError: Error, LocalizedError, Equatable {
    /// The file or folder does not exist.
    case missingFile(URL)
    /// The file exists but its content is not what the format requires.
    case corrupt(URL, String)
    /// A manifest row names a label that is not in the class list.
    case unknownLabel(URL, line: Int, label: String)
    /// Manifest rows point at files that do not exist (first few listed).
    case missingEntries(URL, [String], total: Int)
    /// An output could not be written.
    case writeFailed(URL, String)
    /// An option value is out of range.
    case invalidArgument(String)

    public var errorDescription: String? {
        switch self {
        case .missingFile(let url):
            return "\(url.path): no such file or folder"
        case .corrupt(let url, let why):
            return "\(url.path): \(why)"
        case .unknownLabel(let url, let line, let label):
            return "\(url.path):\(line): unknown label '\(label)'"
        case .missingEntries(let url, let paths, let total):
            let shown = paths.prefix(3).joined(separator: ", ")
            return "\(url.path): \(total) listed file(s) missing, e.g. \(shown)"
        case .writeFailed(let url, let why):
            return "\(url.path): cannot write (\(why))"
        case .invalidArgument(let why):
            return why
        }
    }
}
