import ArgumentParser
import Foundation
import Media

/// `vidgraph bench` (hidden): micro-benchmarks used by tools/bench-*.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Internal benchmarks (used by tools/bench-*).",
        shouldDisplay: false,
        subcommands: [BenchDecode.self])
}

/// `vidgraph bench decode <file>`: decode every frame and convert it to RGB (or float CHW) at a size.
struct BenchDecode: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode",
        abstract: "Decode and convert every frame of a video; print frames and elapsed time as JSON.")

    @Argument(help: "Video file or frame folder.")
    var input: String

    @Option(name: .long, help: "Output width.")
    var width = 224

    @Option(name: .long, help: "Output height.")
    var height = 224

    @Option(name: .long, help: "Decoder threads.")
    var threads = 2

    @Flag(name: .long, help: "Convert to planar float CHW in 0...1 instead of packed RGB24.")
    var float = false

    func validate() throws {
        if width < 1 || height < 1 || width > 16384 || height > 16384 { throw ValidationError("--width/--height must be in 1...16384") }
        if threads < 0 || threads > 64 { throw ValidationError("--threads must be in 0...64") }
    }

    func run() throws {
        let start = DispatchTime.now().uptimeNanoseconds
        let reader = try VideoReader(url: URL(fileURLWithPath: input),
                                     options: VideoReaderOptions(size: .exact(width: width, height: height), threads: threads))
        var frames = 0
        var checksum: UInt64 = 0
        if float {
            var buffer = [Float](repeating: 0, count: 3 * width * height)
            while try reader.nextFrame(intoCHW: &buffer) != nil {
                frames += 1
                checksum &+= UInt64(buffer[frames % buffer.count] * 255)
            }
        } else {
            var image = RGBImage(width: width, height: height)
            while try reader.nextFrame(into: &image) != nil {
                frames += 1
                checksum &+= UInt64(image.pixels[frames % image.pixels.count])
            }
        }
        let ms = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
        print("{\"frames\":\(frames),\"ms\":\(String(format: "%.1f", ms)),\"fps\":\(String(format: "%.1f", Double(frames) / ms * 1000)),\"checksum\":\(checksum)}")
    }
}
