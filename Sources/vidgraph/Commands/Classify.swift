import ArgumentParser
import Foundation
import Models

/// `vidgraph classify`: clip labels for many videos with a trained classifier.
struct Classify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Classify video clips (files, globs, frame folders, or a CSV list) with a clip classifier.",
        discussion: """
        Output: one JSON object per clip (JSONL, default) {"path", "labels" (best first), "scores"} \
        plus "label" and "correct" when the list gives the true label, or {"path", "error"} for a clip \
        that failed (it is skipped; the exit status is 1 at the end). --out *.csv writes \
        path,labels,scores,label,correct,error with ';'-separated top-k lists. Lines are appended \
        complete and flushed, so an interrupted run leaves a valid file that --resume continues \
        (clips already present are skipped). --shard I/N keeps input positions p with p % N == I.
        """)

    @Argument(help: "Video files, glob patterns (quoted) or folders of numbered frames.")
    var inputs: [String] = []

    @Option(help: "CSV list of clips: path[,label] per line (header optional; relative paths from the list's folder).")
    var list: String?

    @Option(help: ArgumentHelp("Embedded model name (see `vidgraph models`; default \(ModelRegistry.defaultClassifier)), a .safetensors file, or a training run folder. Repeat to average an ensemble of models with the same labels and input (e.g. --model rstg-sync5 --model runs/sync5-seed2); sampling defaults (--reverse, --shift) come from the first.", valueName: "model"))
    var model: [String] = []

    @Option(name: .customLong("top-k"), help: "Labels (and scores) per clip.")
    var topK: Int = 5

    @Option(help: "Output file (.jsonl or .csv); standard output when omitted.")
    var out: String?

    @Option(help: "Frames per clip window (default: the model's).")
    var frames: Int?

    @Option(help: "Keep every S-th frame.")
    var stride: Int?

    @Option(help: "Sample frames at this rate instead (frames per second).")
    var fps: Double?

    @Option(help: "Temporal windows per video (scores averaged).")
    var clips: Int = 1

    @Option(help: "Square crops along the longer side per window (scores averaged).")
    var crops: Int = 1

    @Flag(inversion: .prefixedNo, help: "Also classify each window played backwards and average the scores (test-time augmentation for labels that do not depend on the direction of time, such as SyncMNIST's synchronous pair). Default: the model config's test.reverse (true for rstg-sync3 and rstg-sync5).")
    var reverse: Bool?

    @Option(help: "Also classify 4 copies of every view translated diagonally by this many pixels (borders replicated) and average the scores; 0: none. Default: the model config's test.shift (0 for the shipped models).")
    var shift: Int?

    @Option(help: "Decoding threads working ahead of inference.")
    var jobs: Int = 2

    @Option(help: "Inference workers: each batch is split across this many single-threaded workers (clips in parallel).")
    var threads: Int = 2

    @Option(name: .customLong("batch-size"), help: "Clip windows per inference batch.")
    var batchSize: Int = 32

    @Flag(help: "Skip clips already present in --out and append to it.")
    var resume = false

    @Option(help: "Process only shard I of N (I/N, 0-based): input positions p with p % N == I.")
    var shard: String?

    func validate() throws {
        if inputs.isEmpty && list == nil { throw ValidationError("give video paths, globs, folders or --list FILE") }
        guard topK >= 1 else { throw ValidationError("--top-k must be >= 1 (got \(topK))") }
        if let frames, frames < 1 { throw ValidationError("--frames must be >= 1 (got \(frames))") }
        if let stride, stride < 1 { throw ValidationError("--stride must be >= 1 (got \(stride))") }
        if let fps, !(fps > 0) { throw ValidationError("--fps must be > 0") }
        if stride != nil && fps != nil { throw ValidationError("give --stride or --fps, not both") }
        guard clips >= 1, crops >= 1 else { throw ValidationError("--clips and --crops must be >= 1") }
        if let shift, shift < 0 { throw ValidationError("--shift must be >= 0 (got \(shift))") }
        guard jobs >= 1, threads >= 1, batchSize >= 1 else { throw ValidationError("--jobs, --threads and --batch-size must be >= 1") }
        if resume && out == nil { throw ValidationError("--resume needs --out") }
        if let shard { _ = try Self.parseShard(shard) }
    }

    static func parseShard(_ text: String) throws -> (index: Int, count: Int) {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]), n >= 1, (0..<n).contains(i) else {
            throw ValidationError("--shard must be I/N with 0 <= I < N (got \(text))")
        }
        return (i, n)
    }

    func run() throws {
        let members = try (model.isEmpty ? [ModelRegistry.defaultClassifier] : model).map { try ModelRegistry.load($0) }
        let loaded = members[0]
        var items = try gatherItems()
        if let shard {
            let (i, n) = try Self.parseShard(shard)
            items = items.enumerated().filter { $0.offset % n == i }.map(\.element)
        }
        let format: PredictionFormat = (out.map { $0.lowercased().hasSuffix(".csv") } ?? false) ? .csv : .jsonl
        let writer = try PredictionWriter(path: out, format: format, resume: resume)
        let done = writer.donePaths
        let todo = items.filter { !done.contains($0.path) }
        if resume && items.count != todo.count {
            printError("classify: resuming, \(items.count - todo.count) of \(items.count) clips already in \(out!)")
        }
        var batch = try BatchClassifier(ensemble: members,
                                    sampler: ClipSampler(frames: frames ?? loaded.config.frames, size: loaded.config.size,
                                                         stride: stride ?? 1, fps: fps, clips: clips, crops: crops, reversed: reverse ?? loaded.config.test.reverse,
                                                         shift: shift ?? loaded.config.test.shift),
                                    topK: topK)
        batch.jobs = jobs
        batch.threads = threads
        batch.batchSize = batchSize
        let progress = ProgressLine(label: "classify", total: todo.count)
        let start = Date()
        let summary = try batch.run(todo,
                                    emit: { try writer.write($0) },
                                    progress: { done, s in
                                        progress.update(done: done, rateUnit: " clips/s",
                                                        detail: s.accuracy.map { String(format: "acc %.3f", $0) } ?? "")
                                    })
        try writer.close()
        progress.finish()
        let seconds = Date().timeIntervalSince(start)
        var line = String(format: "classify: %d clips, %d failed, %.1f clips/s", todo.count, summary.failures,
                          Double(todo.count) / max(seconds, 1e-9))
        if let accuracy = summary.accuracy {
            line += String(format: ", accuracy %.4f (%d/%d labelled)", accuracy, summary.correct, summary.labelled)
        }
        if let out { line += ", results in \(out)" }
        printError(line)
        if summary.failures > 0 { throw ExitCode(exitSomeInputsFailed) }
    }

    /// Paths from the arguments (globs expanded, sorted per pattern) then the list, duplicates kept once.
    func gatherItems() throws -> [BatchClassifier.Input] {
        var items: [BatchClassifier.Input] = []
        var seen = Set<String>()
        func add(_ path: String, _ label: String?) {
            guard seen.insert(path).inserted else { return }
            items.append(BatchClassifier.Input(path: path, label: label))
        }
        for input in inputs {
            if input.contains("*") || input.contains("?") || input.contains("[") {
                let matches = Self.glob(input)
                if matches.isEmpty { printError("classify: warning: no file matches \(input)") }
                for m in matches { add(m, nil) }
            } else {
                add(input, nil)
            }
        }
        if let list {
            let listURL = URL(fileURLWithPath: list)
            let text: String
            do { text = try String(contentsOf: listURL, encoding: .utf8) } catch {
                throw ValidationError("--list: cannot read \(list)")
            }
            for (n, raw) in text.split(whereSeparator: \.isNewline).enumerated() {
                let line = raw.trimmingCharacters(in: .whitespaces)
                if line.isEmpty || line.hasPrefix("#") { continue }
                let fields = line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
                if n == 0 && fields[0].lowercased() == "path" { continue }
                var path = fields[0]
                if !path.hasPrefix("/") && !FileManager.default.fileExists(atPath: path) {
                    path = listURL.deletingLastPathComponent().appendingPathComponent(path).path
                }
                add(path, fields.count > 1 && !fields[1].isEmpty ? fields[1] : nil)
            }
        }
        return items
    }

    static func glob(_ pattern: String) -> [String] {
        var g = glob_t()
        defer { globfree(&g) }
        guard Foundation.glob(pattern, 0, nil, &g) == 0 else { return [] }
        return (0..<Int(g.gl_pathc)).compactMap { g.gl_pathv[$0].map { String(cString: $0) } }.sorted()
    }
}
