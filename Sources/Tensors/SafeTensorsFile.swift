import Foundation

/// Element types of the safetensors format that vidgraph can convert to Float.
public enum SafeTensorsDType: String, Sendable {
    case f64 = "F64", f32 = "F32", f16 = "F16", bf16 = "BF16"
    case i64 = "I64", i32 = "I32", i16 = "I16", i8 = "I8", u8 = "U8", bool = "BOOL"

    /// Bytes per element.
    public var size: Int {
        switch self {
        case .f64, .i64: return 8
        case .f32, .i32: return 4
        case .f16, .bf16, .i16: return 2
        case .i8, .u8, .bool: return 1
        }
    }
}

/// A validated safetensors file: tensor names, shapes, dtypes and metadata; tensors are converted
/// to Float32 `Tensor`s on request from the (memory-mapped) bytes.
public struct SafeTensorsFile {
    /// Where one tensor lives in the data buffer.
    public struct Entry: Equatable, Sendable {
        public let dtype: SafeTensorsDType
        public let shape: [Int]
        /// Byte range relative to the start of the data buffer.
        public let begin: Int
        public let end: Int
    }

    /// The `__metadata__` string map (empty when absent).
    public let metadata: [String: String]
    /// Entries by tensor name.
    public let entries: [String: Entry]
    /// The file path or `<data>`.
    public let source: String
    private let bytes: Data
    private let dataStart: Int

    /// Tensor names, sorted.
    public var names: [String] { entries.keys.sorted() }

    /// Validates `data` as a safetensors file.
    init(data: Data, source: String) throws {
        self.source = source
        func fail(_ kind: SafeTensorsError.Kind, _ message: String) -> SafeTensorsError {
            SafeTensorsError(kind, source: source, message)
        }
        let total = data.count
        guard total >= 8 else { throw fail(.truncated, "file has \(total) bytes, fewer than the 8-byte header length") }
        var rawLength: UInt64 = 0
        for i in 0..<8 { rawLength |= UInt64(data[data.startIndex + i]) << (8 * UInt64(i)) }
        guard rawLength <= UInt64(SafeTensors.maxHeaderBytes) else {
            throw fail(.headerTooLarge, "header length \(rawLength) exceeds the \(SafeTensors.maxHeaderBytes)-byte limit")
        }
        let headerLength = Int(rawLength)
        guard 8 + headerLength <= total else {
            throw fail(.truncated, "header length \(headerLength) runs past the end of the \(total)-byte file")
        }
        let headerBytes = [UInt8](data[(data.startIndex + 8)..<(data.startIndex + 8 + headerLength)])
        guard String(validating: headerBytes, as: UTF8.self) != nil else {
            throw fail(.invalidHeader, "header is not valid UTF-8")
        }
        guard headerBytes.first == UInt8(ascii: "{") else { throw fail(.invalidHeader, "header does not start with '{'") }
        let json: HeaderJSON
        do {
            json = try HeaderJSON.parse(headerBytes)
        } catch let error as HeaderJSON.ParseError {
            throw fail(.invalidHeader, "header is not valid JSON: \(error.message) at byte \(error.offset)")
        }
        guard case let .object(members) = json else { throw fail(.invalidHeader, "header is not a JSON object") }
        let dataLength = total - 8 - headerLength
        var metadata: [String: String] = [:]
        var entries: [String: Entry] = [:]
        for (name, value) in members {
            if name == "__metadata__" {
                guard case let .object(items) = value else { throw fail(.invalidHeader, "__metadata__ is not an object") }
                for (key, item) in items {
                    guard case let .string(text) = item else {
                        throw fail(.invalidHeader, "__metadata__ value for \"\(key)\" is not a string")
                    }
                    metadata[key] = text
                }
                continue
            }
            entries[name] = try Self.entry(name: name, value: value, dataLength: dataLength, fail: fail)
        }
        // Entries must tile the data buffer exactly, in offset order, without overlaps or gaps.
        let ordered = entries.sorted { ($0.value.begin, $0.value.end, $0.key) < ($1.value.begin, $1.value.end, $1.key) }
        var cursor = 0
        for (name, e) in ordered {
            if e.begin < cursor {
                throw fail(.invalidOffsets, "tensor \"\(name)\" bytes \(e.begin)..<\(e.end) overlap the previous tensor (ends at \(cursor))")
            }
            if e.begin > cursor {
                throw fail(.invalidOffsets, "gap in the data buffer before tensor \"\(name)\" (bytes \(cursor)..<\(e.begin) unused)")
            }
            cursor = e.end
        }
        guard cursor == dataLength else {
            throw fail(.invalidOffsets, "tensors cover \(cursor) bytes but the data buffer has \(dataLength)")
        }
        self.metadata = metadata
        self.entries = entries
        self.bytes = data
        self.dataStart = 8 + headerLength
    }

    private static func entry(name: String, value: HeaderJSON, dataLength: Int,
                              fail: (SafeTensorsError.Kind, String) -> SafeTensorsError) throws -> Entry {
        guard case let .object(fields) = value else { throw fail(.invalidHeader, "entry \"\(name)\" is not an object") }
        var dtypeText: String?, shapeValue: HeaderJSON?, offsetsValue: HeaderJSON?
        for (key, field) in fields {
            switch key {
            case "dtype":
                guard case let .string(text) = field else { throw fail(.invalidHeader, "dtype of \"\(name)\" is not a string") }
                dtypeText = text
            case "shape": shapeValue = field
            case "data_offsets": offsetsValue = field
            default: throw fail(.invalidHeader, "entry \"\(name)\" has unknown field \"\(key)\"")
            }
        }
        guard let dtypeText, let shapeValue, let offsetsValue else {
            throw fail(.invalidHeader, "entry \"\(name)\" needs dtype, shape and data_offsets")
        }
        guard let dtype = SafeTensorsDType(rawValue: dtypeText) else {
            throw fail(.unsupportedDType, "tensor \"\(name)\" has unsupported dtype \(dtypeText)")
        }
        guard case let .array(dims) = shapeValue else { throw fail(.invalidShape, "shape of \"\(name)\" is not an array") }
        var shape: [Int] = []
        var elements = 1
        var overflow = false
        for dim in dims {
            guard let d = dim.integer, d >= 0 else {
                throw fail(.invalidShape, "shape of \"\(name)\" has an entry that is not a non-negative integer")
            }
            shape.append(d)
            let (product, o) = elements.multipliedReportingOverflow(by: d)
            overflow = overflow || o
            elements = product
        }
        let (byteCount, o2) = elements.multipliedReportingOverflow(by: dtype.size)
        if overflow || o2 {
            throw fail(.invalidShape, "shape \(shape) of \"\(name)\" is too large")
        }
        guard case let .array(offsets) = offsetsValue, offsets.count == 2,
              let begin = offsets[0].integer, let end = offsets[1].integer else {
            throw fail(.invalidOffsets, "data_offsets of \"\(name)\" is not a pair of integers")
        }
        guard begin >= 0, begin <= end, end <= dataLength else {
            throw fail(.invalidOffsets, "data_offsets [\(begin), \(end)] of \"\(name)\" lie outside the \(dataLength)-byte data buffer")
        }
        guard end - begin == byteCount else {
            throw fail(.invalidShape, "tensor \"\(name)\" of shape \(shape) and dtype \(dtype.rawValue) needs \(byteCount) bytes, data_offsets give \(end - begin)")
        }
        return Entry(dtype: dtype, shape: shape, begin: begin, end: end)
    }

    /// The tensor called `name`, converted to Float32.
    public func tensor(named name: String) throws -> Tensor {
        guard let e = entries[name] else {
            throw SafeTensorsError(.missingTensor, source: source, "no tensor named \"\(name)\"")
        }
        let n = e.shape.reduce(1, *)
        let values = bytes.withUnsafeBytes { (all: UnsafeRawBufferPointer) -> [Float] in
            let raw = UnsafeRawBufferPointer(rebasing: all[(dataStart + e.begin)..<(dataStart + e.end)])
            return [Float](unsafeUninitializedCapacity: n) { out, initialized in
                Self.convert(raw, dtype: e.dtype, count: n, into: out.baseAddress!)
                initialized = n
            }
        }
        return Tensor(values, shape: e.shape)
    }

    /// All tensors by name.
    public func tensors() throws -> [String: Tensor] {
        var out: [String: Tensor] = [:]
        for name in entries.keys { out[name] = try tensor(named: name) }
        return out
    }

    /// Converts little-endian elements to Float (unaligned loads: the data may start anywhere).
    private static func convert(_ raw: UnsafeRawBufferPointer, dtype: SafeTensorsDType, count n: Int,
                                into out: UnsafeMutablePointer<Float>) {
        guard n > 0 else { return }
        switch dtype {
        case .f32:
            UnsafeMutableRawPointer(out).copyMemory(from: raw.baseAddress!, byteCount: n * 4)
        case .f64:
            for i in 0..<n { out[i] = Float(Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)))) }
        case .f16:
            for i in 0..<n { out[i] = halfToFloat(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self))) }
        case .bf16:
            for i in 0..<n {
                out[i] = Float(bitPattern: UInt32(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self))) << 16)
            }
        case .i64:
            for i in 0..<n { out[i] = Float(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: i * 8, as: Int64.self))) }
        case .i32:
            for i in 0..<n { out[i] = Float(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: i * 4, as: Int32.self))) }
        case .i16:
            for i in 0..<n { out[i] = Float(Int16(littleEndian: raw.loadUnaligned(fromByteOffset: i * 2, as: Int16.self))) }
        case .i8:
            for i in 0..<n { out[i] = Float(Int8(bitPattern: raw[i])) }
        case .u8:
            for i in 0..<n { out[i] = Float(raw[i]) }
        case .bool:
            for i in 0..<n { out[i] = raw[i] != 0 ? 1 : 0 }
        }
    }

    /// IEEE 754 binary16 to binary32.
    static func halfToFloat(_ h: UInt16) -> Float {
        let sign = UInt32(h & 0x8000) << 16
        let exponent = Int((h >> 10) & 0x1F)
        let mantissa = UInt32(h & 0x3FF)
        if exponent == 0 {
            // Zero or subnormal: mantissa * 2^-24.
            let magnitude = Float(mantissa) * Float(sign: .plus, exponent: -24, significand: 1)
            return sign != 0 ? -magnitude : magnitude
        }
        if exponent == 31 { return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13)) }
        return Float(bitPattern: sign | UInt32(exponent - 15 + 127) << 23 | (mantissa << 13))
    }
}
