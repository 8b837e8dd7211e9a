import ArgumentParser
import Datasets
import Foundation

/// `vidgraph synth syncmnist`: SyncMNIST clips (RSTG paper protocol) as videos with a label CSV.
struct SynthSyncMNIST: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "syncmnist",
        abstract: "Generate SyncMNIST clips: 10 frames of 64x64, 3 or 5 digits, label = the synchronous pair (46 classes).",
        discussion: """
        Writes OUT/clips/<split>_<index>.mp4, OUT/labels.csv (path,label), OUT/<split>.csv and \
        OUT/classes.txt. Clip i depends only on (seed, split, digits, i): reruns skip finished clips, \
        and shards (--start) may write into one folder. Without --mnist, procedurally drawn digits \
        are used.
        """)

    @Option(help: "Digits per clip (3 or 5).")
    var digits: Int = 3

    @Option(help: "Number of clips.")
    var count: Int

    @Option(help: "First clip index (for sharding: clips start..<start+count).")
    var start: Int = 0

    @Option(help: "Split: train (MNIST digits 0..<8000) or test (8000..<10000).")
    var split: String = "train"

    @Option(help: "Random seed.")
    var seed: UInt64 = 0

    @Option(help: "Output folder.")
    var out: String

    @Option(help: "Folder with MNIST idx files (t10k-images-idx3-ubyte[.gz] and labels); procedural digits when absent.")
    var mnist: String?

    func validate() throws {
        guard digits == 3 || digits == 5 else { throw ValidationError("--digits must be 3 or 5 (got \(digits))") }
        guard count >= 0 else { throw ValidationError("--count must be >= 0 (got \(count))") }
        guard start >= 0, start + count <= 1_000_000 else { throw ValidationError("--start and --count must keep clip indices in 0...999999") }
        guard SyncMNIST.Split(rawValue: split) != nil else { throw ValidationError("--split must be train or test (got \(split))") }
    }

    func run() throws {
        let split = SyncMNIST.Split(rawValue: self.split)!
        let generator: SyncMNIST
        if let mnist {
            let set = try MNIST(directory: URL(fileURLWithPath: mnist))
            generator = try SyncMNIST(digits: set, digitsPerClip: digits, split: split, seed: seed)
        } else {
            generator = try SyncMNIST.procedural(digitsPerClip: digits, split: split, seed: seed)
        }
        let folder = URL(fileURLWithPath: out)
        var lastReport = Date.distantPast
        let written = try generator.export(indices: start..<(start + count), to: folder) { done, total, written in
            if done == total || Date().timeIntervalSince(lastReport) > 1 {
                lastReport = Date()
                printError("syncmnist: \(done)/\(total) clips (\(written) written, \(done - written) already present)")
            }
        }
        printError("syncmnist: \(written) clips written to \(folder.appendingPathComponent("clips").path); labels in labels.csv")
    }
}
