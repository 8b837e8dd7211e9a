import Foundation

/// A mapping of a YAML document being read with typed accessors; every failure is a
/// `ModelConfigError` naming the source file and the dotted key. Keys read are tracked so that
/// `finish()` can reject unknown keys (typos in configs fail loudly instead of being ignored).
final class ConfigSection {
    let source: String
    let path: String
    private let values: [String: Any]
    private var used = Set<String>()

    init(_ values: [String: Any], source: String, path: String) {
        self.values = values
        self.source = source
        self.path = path
    }

    func keyPath(_ key: String) -> String { path.isEmpty ? key : path + "." + key }

    func error(_ key: String, _ reason: String) -> ModelConfigError {
        ModelConfigError(source: source, key: keyPath(key), reason: reason)
    }

    func has(_ key: String) -> Bool { values[key] != nil && !(values[key] is NSNull) }

    private func raw(_ key: String) -> Any? {
        used.insert(key)
        guard let v = values[key], !(v is NSNull) else { return nil }
        return v
    }

    func string(_ key: String) throws -> String? {
        guard let v = raw(key) else { return nil }
        if let s = v as? String { return s }
        if let i = v as? Int { return String(i) }
        if let d = v as? Double { return String(d) }
        throw error(key, "expected a string, found \(v)")
    }

    func string(_ key: String, default d: String) throws -> String { try string(key) ?? d }

    func requiredString(_ key: String) throws -> String {
        guard let s = try string(key) else { throw error(key, "is required") }
        return s
    }

    func int(_ key: String) throws -> Int? {
        guard let v = raw(key) else { return nil }
        if let i = v as? Int { return i }
        if let d = v as? Double, d == d.rounded(), abs(d) < 1e15 { return Int(d) }
        throw error(key, "expected an integer, found \(v)")
    }

    func int(_ key: String, default d: Int, range: ClosedRange<Int>? = nil) throws -> Int {
        let value = try int(key) ?? d
        if let range, !range.contains(value) {
            throw error(key, "must be in \(range.lowerBound)...\(range.upperBound), found \(value)")
        }
        return value
    }

    func double(_ key: String) throws -> Double? {
        guard let v = raw(key) else { return nil }
        if let d = v as? Double { return d }
        if let i = v as? Int { return Double(i) }
        if let s = v as? String, let d = Double(s) { return d }
        throw error(key, "expected a number, found \(v)")
    }

    func double(_ key: String, default d: Double, min: Double? = nil, max: Double? = nil) throws -> Double {
        let value = try double(key) ?? d
        if let min, value < min { throw error(key, "must be >= \(min), found \(value)") }
        if let max, value > max { throw error(key, "must be <= \(max), found \(value)") }
        return value
    }

    func bool(_ key: String, default d: Bool) throws -> Bool {
        guard let v = raw(key) else { return d }
        if let b = v as? Bool { return b }
        throw error(key, "expected true or false, found \(v)")
    }

    func ints(_ key: String) throws -> [Int]? {
        guard let v = raw(key) else { return nil }
        guard let list = v as? [Any] else { throw error(key, "expected a list of integers, found \(v)") }
        return try list.map { item in
            if let i = item as? Int { return i }
            throw error(key, "expected a list of integers, found item \(item)")
        }
    }

    func strings(_ key: String) throws -> [String]? {
        guard let v = raw(key) else { return nil }
        guard let list = v as? [Any] else { return nil }
        return try list.map { item in
            if let s = item as? String { return s }
            if let i = item as? Int { return String(i) }
            throw error(key, "expected a list of strings, found item \(item)")
        }
    }

    /// Raw value of `key` (marks it used).
    func value(_ key: String) -> Any? { raw(key) }

    func section(_ key: String) throws -> ConfigSection {
        guard let v = raw(key) else { return ConfigSection([:], source: source, path: keyPath(key)) }
        guard let map = v as? [String: Any] else { throw error(key, "expected a mapping of keys to values") }
        return ConfigSection(map, source: source, path: keyPath(key))
    }

    /// Throws for the first key (sorted) that was never read.
    func finish() throws {
        if let unknown = values.keys.sorted().first(where: { !used.contains($0) }) {
            throw error(unknown, "unknown key (allowed: \(used.sorted().joined(separator: ", ")))")
        }
    }
}
