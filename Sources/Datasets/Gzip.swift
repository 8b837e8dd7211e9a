import CZlib
import Foundation

/// Decompression of gzip (and zlib) streams through the system zlib.
enum Gzip {
    /// `true` when `data` starts with the gzip magic bytes 1f 8b.
    static func isGzip(_ data: Data) -> Bool {
        data.count >= 2 && data[data.startIndex] == 0x1F && data[data.startIndex + 1] == 0x8B
    }

    /// Inflates a whole gzip (or zlib) stream; throws `DatasetError.corrupt` naming `file` on bad data.
    static func inflate(_ data: Data, file: URL) throws -> Data {
        var stream = z_stream()
        // 15 + 32: maximum window, detect gzip or zlib header automatically.
        guard vg_inflate_init2(&stream, 15 + 32) == Z_OK else {
            throw DatasetError.corrupt(file, "zlib could not start inflating")
        }
        defer { inflateEnd(&stream) }
        var output = Data()
        let chunk = 1 << 20
        var buffer = [UInt8](repeating: 0, count: chunk)
        var status: Int32 = Z_OK
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            guard let base = raw.bindMemory(to: Bytef.self).baseAddress else {
                throw DatasetError.corrupt(file, "empty file")
            }
            stream.next_in = UnsafeMutablePointer(mutating: base)
            stream.avail_in = uInt(raw.count)
            repeat {
                let produced: Int = buffer.withUnsafeMutableBufferPointer { out in
                    stream.next_out = out.baseAddress
                    stream.avail_out = uInt(chunk)
                    status = CZlib.inflate(&stream, Z_NO_FLUSH)
                    return chunk - Int(stream.avail_out)
                }
                if status == Z_BUF_ERROR {
                    throw DatasetError.corrupt(file, "gzip data ends early (truncated file)")
                }
                if status != Z_OK && status != Z_STREAM_END {
                    throw DatasetError.corrupt(file, "gzip data is damaged (zlib status \(status))")
                }
                output.append(contentsOf: buffer[0..<produced])
                if status == Z_OK && stream.avail_in == 0 && produced == 0 {
                    throw DatasetError.corrupt(file, "gzip data ends early (truncated file)")
                }
            } while status != Z_STREAM_END
        }
        return output
    }
}
