import ArgumentParser
import Datasets
import Foundation
import Media

/// `vidgraph synth vos`: synthetic primary-object segmentation clips in the DAVIS layout.
struct SynthVOS: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vos",
        abstract: "Generate synthetic video object segmentation clips (DAVIS layout: frames, {0,255} masks, videos).",
        discussion: """
        Writes OUT/JPEGImages/480p/<seq>/%05d.png (PNG frames: no JPEG encoder in the project), \
        OUT/Annotations/480p/<seq>/%05d.png ({0,255}), OUT/videos/<seq>.mp4 and OUT/sequences.txt. \
        Clip i depends only on (seed, size, frames, textures, i): reruns skip finished sequences.
        """)

    @Option(help: "Number of clips.")
    var count: Int

    @Option(help: "Random seed.")
    var seed: UInt64 = 0

    @Option(help: "Output folder.")
    var out: String

    @Option(help: "DAVIS root (or folder of frame folders) whose frames are cropped for textures; procedural textures when absent.")
    var textures: String?

    @Option(help: "Frame size WIDTHxHEIGHT.")
    var size: String = "320x240"

    @Option(help: "Frames per clip.")
    var frames: Int = 30

    func parsedSize() throws -> (Int, Int) {
        let parts = size.lowercased().split(separator: "x").compactMap { Int($0) }
        guard parts.count == 2, parts[0] >= 32, parts[1] >= 32, parts[0] <= 4096, parts[1] <= 4096 else {
            throw ValidationError("--size must be WIDTHxHEIGHT with sides in 32...4096 (got \(size))")
        }
        return (parts[0], parts[1])
    }

    func validate() throws {
        _ = try parsedSize()
        guard count >= 0 else { throw ValidationError("--count must be >= 0 (got \(count))") }
        guard (1...10_000).contains(frames) else { throw ValidationError("--frames must be in 1...10000 (got \(frames))") }
    }

    func run() throws {
        let (w, h) = try parsedSize()
        var images: [RGBImage] = []
        if let textures {
            images = try SyntheticVOS.loadTextures(from: URL(fileURLWithPath: textures))
            printError("vos: \(images.count) texture images from \(textures)")
        }
        let generator = try SyntheticVOS(width: w, height: h, frameCount: frames, seed: seed, textures: images)
        let folder = URL(fileURLWithPath: out)
        var lastReport = Date.distantPast
        let written = try generator.export(count: count, to: folder) { done, total, written in
            if done == total || Date().timeIntervalSince(lastReport) > 1 {
                lastReport = Date()
                printError("vos: \(done)/\(total) sequences (\(written) written, \(done - written) already present)")
            }
        }
        printError("vos: \(written) sequences written to \(folder.path)")
    }
}
