import Foundation

/// Why a safetensors file could not be read or written; the message names the file.
public struct SafeTensorsError: LocalizedError, Equatable {
    /// The class of failure (for callers and tests that branch on it).
    public enum Kind: Equatable, Sendable {
        case io, truncated, headerTooLarge, invalidHeader, unsupportedDType, invalidShape, invalidOffsets,
             missingTensor
    }

    public let kind: Kind
    /// The file path, or `<data>` for in-memory buffers.
    public let source: String
    public let message: String

    public init(_ kind: Kind, source: String, _ message: String) {
        self.kind = kind
        self.source = source
        self.message = message
    }

    public var errorDescription: String? { "safetensors \(source): \(message)" }
}
