import Foundation

/// A model configuration that cannot be used: names the file (or source) and the key.
public struct ModelConfigError: Error, LocalizedError, Equatable {
    /// The config file path (or a description of where the text came from).
    public let source: String
    /// Dotted key path (`architecture.hidden`), empty for the whole document.
    public let key: String
    /// What is wrong.
    public let reason: String

    public init(source: String, key: String, reason: String) {
        self.source = source
        self.key = key
        self.reason = reason
    }

    public var errorDescription: String? {
        key.isEmpty ? "config \(source): \(reason)" : "config \(source): key '\(key)': \(reason)"
    }
}

/// A model (weights + config) that cannot be found or loaded.
public struct ModelLoadError: Error, LocalizedError, Equatable {
    public let path: String
    public let reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var errorDescription: String? { "model \(path): \(reason)" }
}
