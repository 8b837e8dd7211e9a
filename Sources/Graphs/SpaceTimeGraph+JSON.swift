import Foundation
import Tensors

/// JSON export of a graph's structure: nodes (time, kind, scale, normalised box), edges by type.
///
/// Layout: `{"nodeCount", "frameCount", "featureCount", "nodes": [{"id", "time", "kind", "scale",
/// "box": {"x0", "y0", "x1", "y1"}, "maskPixels"?}], "edges": {"spatial": {"source": [...],
/// "target": [...], "weight"?: [...]}, ...}}`. Features are not written (they are tensors).
public struct GraphDocument: Codable, Equatable {
    public struct Node: Codable, Equatable {
        public var id: Int
        public var time: Int
        public var kind: NodeKind
        public var scale: Int
        public var box: NodeBox
        /// Pixel count of the mask, when the node has one.
        public var maskPixels: Int?
    }

    public struct Edges: Codable, Equatable {
        public var source: [Int32]
        public var target: [Int32]
        public var weight: [Float]?
    }

    public var nodeCount: Int
    public var frameCount: Int
    public var featureCount: Int
    public var nodes: [Node]
    /// Keyed by `EdgeType.rawValue`.
    public var edges: [String: Edges]
}

extension SpaceTimeGraph {
    /// The structure as a Codable document.
    public var document: GraphDocument {
        GraphDocument(
            nodeCount: nodeCount, frameCount: frameCount, featureCount: featureCount,
            nodes: nodes.enumerated().map {
                GraphDocument.Node(id: $0.offset, time: $0.element.time, kind: $0.element.kind, scale: $0.element.scale,
                                   box: $0.element.box, maskPixels: $0.element.mask?.pixels.count)
            },
            edges: Dictionary(uniqueKeysWithValues: edges.map {
                ($0.key.rawValue, GraphDocument.Edges(source: $0.value.sources, target: $0.value.targets, weight: $0.value.weights))
            }))
    }

    /// Encodes the structure as JSON (sorted keys, so output is reproducible).
    public func jsonData(pretty: Bool = false) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.sortedKeys, .prettyPrinted] : [.sortedKeys]
        return try encoder.encode(document)
    }

    /// Writes the JSON to `url` through a temporary file renamed when complete.
    public func writeJSON(to url: URL, pretty: Bool = false) throws {
        let data = try jsonData(pretty: pretty)
        let temp = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
        do {
            try data.write(to: temp)
            if FileManager.default.fileExists(atPath: url.path) { try FileManager.default.removeItem(at: url) }
            try FileManager.default.moveItem(at: temp, to: url)
        } catch {
            try? FileManager.default.removeItem(at: temp)
            throw GraphError.cannotWrite(path: url.path, reason: error.localizedDescription)
        }
    }
}

/// Errors a user can cause when building or saving graphs.
public enum GraphError: Error, LocalizedError, Equatable {
    case cannotWrite(path: String, reason: String)
    case invalidInput(String)

    public var errorDescription: String? {
        switch self {
        case .cannotWrite(let path, let reason): return "cannot write \(path): \(reason)"
        case .invalidInput(let message): return message
        }
    }
}
