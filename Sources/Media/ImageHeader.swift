import Foundation

/// Reads the picture size from the header of a PNG or JPEG file without decoding it, so that
/// absurd sizes are refused before FFmpeg allocates anything.
enum ImageHeader {
    /// `(width, height)` from a PNG IHDR or a JPEG SOF marker; nil when the file is neither or is too short.
    static func size(of url: URL) -> (width: Int, height: Int)? {
        guard let handle = try? FileHandle(forReadingFrom: url) else { return nil }
        defer { try? handle.close() }
        guard let head = try? handle.read(upToCount: 65536), head.count >= 24 else { return nil }
        let b = [UInt8](head)
        if b[0] == 0x89, b[1] == 0x50, b[2] == 0x4E, b[3] == 0x47 {
            return (be32(b, 16), be32(b, 20))
        }
        if b[0] == 0xFF, b[1] == 0xD8 {
            // Walk the marker segments up to the first start-of-frame.
            var i = 2
            while i + 9 < b.count {
                guard b[i] == 0xFF else { return nil }
                let marker = b[i + 1]
                if marker == 0xFF { i += 1; continue }
                if marker == 0xD8 || marker == 0x01 || (0xD0...0xD7).contains(marker) { i += 2; continue }
                let length = Int(b[i + 2]) << 8 | Int(b[i + 3])
                if (0xC0...0xCF).contains(marker), marker != 0xC4, marker != 0xC8, marker != 0xCC {
                    let h = Int(b[i + 5]) << 8 | Int(b[i + 6])
                    let w = Int(b[i + 7]) << 8 | Int(b[i + 8])
                    return (w, h)
                }
                i += 2 + length
            }
        }
        return nil
    }

    private static func be32(_ b: [UInt8], _ o: Int) -> Int {
        Int(b[o]) << 24 | Int(b[o + 1]) << 16 | Int(b[o + 2]) << 8 | Int(b[o + 3])
    }
}
