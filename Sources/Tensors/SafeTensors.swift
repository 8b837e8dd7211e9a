import Foundation

/// Reads and writes the safetensors format (huggingface/safetensors): an 8-byte little-endian
/// header length N, an N-byte UTF-8 JSON header
/// `{"name": {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}, "__metadata__": {...}}`,
/// then the raw little-endian tensor bytes (offsets relative to the end of the header).
///
/// The reader memory-maps files and validates strictly (lengths, JSON, dtypes, shapes, offsets that
/// tile the data buffer exactly, no duplicate names); the writer pads the header with spaces to a
/// multiple of 8 bytes and writes to a temporary name that is renamed when complete.
public enum SafeTensors {
    /// Largest header accepted (the official library uses 100 MB).
    public static let maxHeaderBytes = 100_000_000

    /// Opens a safetensors file (memory-mapped).
    public static func read(_ url: URL) throws -> SafeTensorsFile {
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .alwaysMapped)
        } catch {
            throw SafeTensorsError(.io, source: url.path, "cannot read file (\(error.localizedDescription))")
        }
        return try SafeTensorsFile(data: data, source: url.path)
    }

    /// Parses safetensors bytes held in memory (embedded resources).
    public static func read(data: Data) throws -> SafeTensorsFile {
        try SafeTensorsFile(data: data, source: "<data>")
    }

    /// Serialises tensors (stored as F32, names sorted) with optional string metadata.
    public static func serialize(_ tensors: [String: Tensor], metadata: [String: String] = [:]) -> Data {
        let names = tensors.keys.sorted()
        var entries: [String] = []
        if !metadata.isEmpty {
            let items = metadata.keys.sorted().map { "\(HeaderJSON.quoted($0)):\(HeaderJSON.quoted(metadata[$0]!))" }
            entries.append("\"__metadata__\":{\(items.joined(separator: ","))}")
        }
        var offset = 0
        for name in names {
            let t = tensors[name]!
            let bytes = t.count * 4
            entries.append("\(HeaderJSON.quoted(name)):{\"dtype\":\"F32\",\"shape\":[\(t.shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\(offset),\(offset + bytes)]}")
            offset += bytes
        }
        var header = Array("{\(entries.joined(separator: ","))}".utf8)
        while header.count % 8 != 0 { header.append(0x20) }
        var out = Data(capacity: 8 + header.count + offset)
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(contentsOf: header)
        for name in names {
            tensors[name]!.data.withUnsafeBytes { raw in
                // Float bit patterns are written little-endian (every supported host is little-endian).
                out.append(contentsOf: raw)
            }
        }
        return out
    }

    /// Writes tensors to `url` atomically (temporary file in the same folder, then rename).
    public static func write(_ tensors: [String: Tensor], metadata: [String: String] = [:], to url: URL) throws {
        let bytes = serialize(tensors, metadata: metadata)
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).tmp")
        do {
            try bytes.write(to: temporary)
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw SafeTensorsError(.io, source: url.path, "cannot write (\(error.localizedDescription))")
        }
        if rename(temporary.path, url.path) != 0 {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw SafeTensorsError(.io, source: url.path, "cannot move the written file into place (\(reason))")
        }
    }
}
