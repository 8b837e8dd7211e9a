import ArgumentParser
import Foundation
import Media

/// `vidgraph info`: metadata of videos and frame folders.
struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print metadata of videos or frame folders.",
        discussion: """
            Prints width, height, fps, frame count, duration and codec for each input. Frame counts come \
            from the container (marked '~' when estimated) unless --count decodes every frame. \
            Exit status: 0 all inputs read, 1 some inputs failed, 2 usage error.
            """)

    @Argument(help: "Video files or folders of numbered images.")
    var inputs: [String]

    @Flag(name: .long, help: "Print one JSON object per line per input.")
    var json = false

    @Flag(name: .long, help: "Count frames by decoding them all (exact, slower).")
    var count = false

    @Option(name: .long, help: "Decoder threads for --count.")
    var threads = 2

    func validate() throws {
        if inputs.isEmpty { throw ValidationError("give at least one video file or frame folder") }
        if threads < 1 || threads > 64 { throw ValidationError("--threads must be in 1...64") }
    }

    func run() throws {
        var failed = 0
        var rows: [[String]] = []
        for input in inputs {
            let url = URL(fileURLWithPath: input)
            do {
                var m = try VideoReader.probe(url)
                if count {
                    m.frameCount = try VideoReader.countFrames(url, threads: threads)
                    m.frameCountIsEstimate = false
                }
                if json {
                    print(Self.jsonLine(input: input, metadata: m))
                } else {
                    rows.append(Self.tableRow(input: input, metadata: m))
                }
            } catch {
                failed += 1
                // Name the file as the user typed it (the library reports absolute paths).
                let message = ((error as? LocalizedError)?.errorDescription ?? "\(input): \(error)")
                    .replacingOccurrences(of: url.path, with: input)
                if json {
                    print("{\"path\":\(Self.quote(input)),\"error\":\(Self.quote(message))}")
                }
                printError("error: " + message)
            }
        }
        if !json, !rows.isEmpty {
            print(Self.table(header: ["path", "width", "height", "fps", "frames", "duration", "codec", "pix_fmt", "rotation"], rows: rows))
        }
        fflush(stdout)
        if failed > 0 { throw ExitCode(exitSomeInputsFailed) }
    }

    static func tableRow(input: String, metadata m: VideoMetadata) -> [String] {
        [input, String(m.width), String(m.height), String(format: "%.3f", m.fps),
         (m.frameCountIsEstimate ? "~" : "") + String(m.frameCount), String(format: "%.3f", m.duration),
         m.codec + (m.isImageSequence ? " (images)" : ""), m.pixelFormat, String(format: "%g", m.rotation)]
    }

    static func jsonLine(input: String, metadata m: VideoMetadata) -> String {
        let fields: [(String, String)] = [
            ("path", quote(input)), ("width", String(m.width)), ("height", String(m.height)),
            ("fps", number(m.fps)), ("frames", String(m.frameCount)),
            ("frames_estimated", m.frameCountIsEstimate ? "true" : "false"),
            ("duration", number(m.duration)), ("codec", quote(m.codec)), ("pixel_format", quote(m.pixelFormat)),
            ("rotation", number(m.rotation)), ("image_sequence", m.isImageSequence ? "true" : "false"),
        ]
        return "{" + fields.map { "\(quote($0.0)):\($0.1)" }.joined(separator: ",") + "}"
    }

    /// A JSON number (finite; 6 significant decimals, no trailing zeros).
    static func number(_ v: Double) -> String {
        guard v.isFinite else { return "null" }
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        var s = String(format: "%.6f", v)
        while s.hasSuffix("0") { s.removeLast() }
        return s
    }

    /// A JSON string literal.
    static func quote(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 { out += String(format: "\\u%04x", u.value) } else { out.unicodeScalars.append(u) }
            }
        }
        return out + "\""
    }

    /// Left-aligned text table.
    static func table(header: [String], rows: [[String]]) -> String {
        let all = [header] + rows
        let widths = header.indices.map { c in all.map { $0[c].count }.max()! }
        return all.map { row in
            row.indices.map { c in row[c].padding(toLength: widths[c], withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }.joined(separator: "\n")
    }
}
