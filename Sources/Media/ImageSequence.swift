import Foundation

/// A numbered image sequence in a folder (e.g. DAVIS `JPEGImages/480p/<seq>/00000.jpg`), described
/// as an FFmpeg image2 pattern.
struct ImageSequence: Equatable {
    /// Folder holding the images.
    var folder: URL
    /// image2 pattern relative to the folder, e.g. `%05d.jpg` (literal `%` escaped).
    var pattern: String
    /// First number in the sequence.
    var startNumber: Int
    /// Number of consecutive images from `startNumber`.
    var count: Int
    /// File name of the first image.
    var firstName: String

    /// The full path pattern FFmpeg opens.
    var fullPattern: String { folder.appendingPathComponent(pattern).path }

    static let imageExtensions: Set<String> = ["jpg", "jpeg", "png", "bmp", "tif", "tiff", "webp", "ppm", "pgm", "pnm"]

    /// Finds the dominant numbered image sequence in `folder`; throws `noImages` when there is none.
    static func detect(in folder: URL) throws -> ImageSequence {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        } catch {
            throw MediaError.unreadable(path: folder.path, reason: "cannot list folder")
        }
        // Group files by (prefix, suffix); the number is the last run of digits of the stem.
        struct Key: Hashable { var prefix: String; var suffix: String }
        var groups: [Key: [String]] = [:]
        for name in names where !name.hasPrefix(".") {
            let ext = (name as NSString).pathExtension
            guard imageExtensions.contains(ext.lowercased()) else { continue }
            let chars = Array(String(name.dropLast(ext.count + 1)))
            var end = chars.count
            while end > 0, !chars[end - 1].isASCIIDigit { end -= 1 }
            var begin = end
            while begin > 0, chars[begin - 1].isASCIIDigit { begin -= 1 }
            guard end > begin, end - begin <= 9 else { continue }
            let key = Key(prefix: String(chars[..<begin]), suffix: String(chars[end...]) + "." + ext)
            groups[key, default: []].append(String(chars[begin..<end]))
        }
        guard let (key, allDigits) = groups.max(by: { a, b in
            a.value.count != b.value.count ? a.value.count < b.value.count : a.key.prefix > b.key.prefix
        }) else {
            throw MediaError.noImages(path: folder.path)
        }
        // Zero-padded names (00000.jpg) share one width: keep the most common width and use %0Nd.
        // Unpadded names (1.png ... 10.png) use %d.
        let padded = allDigits.contains { $0.count > 1 && $0.hasPrefix("0") }
        var digits = allDigits
        var number = "%d"
        if padded {
            var widths: [Int: Int] = [:]
            for d in allDigits { widths[d.count, default: 0] += 1 }
            let width = widths.max { $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key }!.key
            digits = allDigits.filter { $0.count == width }
            number = "%0\(width)d"
        } else {
            digits = allDigits.filter { !($0.count > 1 && $0.hasPrefix("0")) }
        }
        let numbers = Set(digits.map { Int($0)! })
        let start = numbers.min()!
        var count = 0
        while numbers.contains(start + count) { count += 1 }
        let escape = { (s: String) in s.replacingOccurrences(of: "%", with: "%%") }
        let firstDigits = digits.first { Int($0)! == start }!
        let seq = ImageSequence(folder: folder, pattern: escape(key.prefix) + number + escape(key.suffix),
                                startNumber: start, count: count, firstName: key.prefix + firstDigits + key.suffix)
        return seq
    }
}

extension Character {
    /// Whether this is one of the ASCII digits 0-9.
    var isASCIIDigit: Bool { isASCII && isNumber }
}
