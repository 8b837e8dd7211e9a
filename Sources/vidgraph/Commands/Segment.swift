import ArgumentParser
import Foundation
import Media
import Models
import Tensors

/// `vidgraph segment`: zero-shot primary-object masks for videos or frame folders with a frame-graph model.
struct Segment: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Segment the primary moving object of videos (frame-graph attention model, AGNN-style).",
        discussion: """
        A video of T frames is read as N streams of ceil(T/N) consecutive frames; each graph joins frame \
        i of every stream (frames i, i+T/N, i+2T/N, ... from across the video) and yields the masks of \
        all its nodes, so memory holds N frames, never the whole video. Each frame's probabilities are \
        averaged with those of the --smooth frames before and after it, refined by a colour model of the \
        video learned from its own confident pixels (--appearance), then thresholded (--threshold) and \
        median-filtered (--median). Writes OUT/<name>/%05d.png \
        ({0,255}, one per decoded frame, video size), with --probabilities OUT/<name>.prob/%05d.png \
        (0..255, the refined probabilities), with --overlay OUT/<name>.mp4 (mask tinted and outlined). Outputs appear only when \
        complete. A video that fails is reported and skipped; the exit status is then 1.
        """)

    @Argument(help: "Videos or folders of numbered frames.")
    var inputs: [String] = []

    @Option(help: "Output folder.")
    var out: String = ""

    @Option(help: ArgumentHelp("Model: 'framegraph' (embedded default), another embedded segmenter, or a .safetensors file / training run folder. Repeat to average an ensemble of models that take the same input (e.g. --model framegraph --model framegraph-seed2).", valueName: "model"))
    var model: [String] = []

    @Option(name: .customLong("frames-per-graph"), help: "Nodes per graph N (default: the model's config).")
    var framesPerGraph: Int?

    @Flag(help: "Average with the mirrored frame (test-time augmentation).")
    var flip = false

    @Flag(help: "Also write probability PNGs.")
    var probabilities = false

    @Flag(help: "Also write an overlay video OUT/<name>.mp4.")
    var overlay = false

    @Option(help: "Comma-separated input scales averaged (multiples of the model's input size), e.g. 1,1.5,2.")
    var scales: String = VideoSegmenter.Options.defaultScales.map { String($0) }.joined(separator: ",")

    @Option(name: .customLong("key-stride"), help: "Attention keys and values average-pooled over s x s cells (1: exact attention).")
    var keyStride: Int = VideoSegmenter.Options.defaultKeyStride

    @Option(help: "Temporal smoothing: average each frame's probabilities with those of this many frames before and after it (0: off).")
    var smooth: Int = VideoSegmenter.Options.defaultSmoothing

    @Option(help: "Weight of the per-video colour model (log-odds added to the model's; 0: off).")
    var appearance: Float = VideoSegmenter.Options.defaultAppearanceWeight

    @Option(help: "Mask threshold on the final probability.")
    var threshold: Float = VideoSegmenter.Options.defaultThreshold

    @Option(help: "Median filter of each mask over (2R+1)x(2R+1) pixels (default: frame height / 96, i.e. 5 at 480p; 0: off).")
    var median: Int?

    @Option(help: "Compute threads.")
    var threads: Int = 2

    /// The parsed --scales.
    var scaleList: [Double] { scales.split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) } }

    @Option(name: .customLong("bench-model"), help: .hidden)
    var benchModel: Int?

    @Option(name: .customLong("bench-dump"), help: .hidden)
    var benchDump: String?

    func validate() throws {
        if let framesPerGraph, !(1...16).contains(framesPerGraph) { throw ValidationError("--frames-per-graph must be in 1...16") }
        let list = scales.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard !list.isEmpty, list.allSatisfy({ $0 != nil && $0! >= 0.25 && $0! <= 4 }) else {
            throw ValidationError("--scales must be a comma-separated list of numbers in 0.25...4 (got '\(scales)')")
        }
        if threads < 1 { throw ValidationError("--threads must be >= 1") }
        if !(1...8).contains(keyStride) { throw ValidationError("--key-stride must be in 1...8 (got \(keyStride))") }
        if let median, !(0...64).contains(median) { throw ValidationError("--median must be in 0...64 (got \(median))") }
        if !(0...32).contains(smooth) { throw ValidationError("--smooth must be in 0...32 (got \(smooth))") }
        if !(0...4).contains(appearance) { throw ValidationError("--appearance must be in 0...4 (got \(appearance))") }
        if !(threshold > 0 && threshold < 1) { throw ValidationError("--threshold must be in (0, 1) (got \(threshold))") }
        if inputs.isEmpty && benchModel == nil { throw ValidationError("give at least one video or frame folder") }
    }

    func run() throws {
        ComputeThreads.count = threads
        if let benchModel {
            // Benchmarks may time an untrained model of a config (timing does not depend on the weights).
            let m = try model.first.map { $0.hasSuffix(".yaml") } == true
                ? FrameGraphSegmenter(config: try SegmentationConfig(contentsOf: URL(fileURLWithPath: model[0])), seed: 1)
                : SegmentationWeights.resolve(model.first)
            return try bench(m, repeats: benchModel)
        }
        let models = try (model.isEmpty ? [nil] : model.map { Optional($0) }).map { try SegmentationWeights.resolve($0) }
        let segmenter = try VideoSegmenter(models: models,
                                               options: VideoSegmenter.Options(framesPerGraph: framesPerGraph, flip: flip, scales: scaleList, keyStride: keyStride,
                                                                           probabilities: probabilities, overlay: overlay, smoothing: smooth,
                                                                           appearanceWeight: appearance, threshold: threshold, medianRadius: median))
        guard !out.isEmpty else { throw ValidationError("--out is required") }
        let outFolder = URL(fileURLWithPath: out)
        let createdOut = !FileManager.default.fileExists(atPath: outFolder.path)
        try FileManager.default.createDirectory(at: outFolder, withIntermediateDirectories: true)
        var failed = 0
        for (k, input) in inputs.enumerated() {
            let name = VideoSegmenter.name(of: input)
            var progress: ProgressLine?
            do {
                let n = try segmenter.segment(URL(fileURLWithPath: input), outFolder: outFolder) { done, total in
                    if progress == nil { progress = ProgressLine(label: "segment [\(k + 1)/\(inputs.count)] \(name)", total: total) }
                    progress?.update(done: done, rateUnit: " frames/s")
                }
                progress?.finish()
                printError("segment: \(input): \(n) frames -> \(outFolder.appendingPathComponent(name).path)")
            } catch {
                progress?.finish()
                failed += 1
                printError("segment: \(input): skipped: \(error.localizedDescription)")
            }
        }
        if failed > 0 {
            // Nothing was written: do not leave behind the empty folder this run created.
            if failed == inputs.count, createdOut, (try? FileManager.default.contentsOfDirectory(atPath: outFolder.path))?.isEmpty == true {
                try? FileManager.default.removeItem(at: outFolder)
            }
            printError("segment: \(failed) of \(inputs.count) inputs failed")
            throw ExitCode(exitSomeInputsFailed)
        }
    }

    /// Times one N-frame graph forward (encode + message passing + readout) at the input size used
    /// for 854x480 video at the first of --scales, with --key-stride; prints a JSON line.
    /// With --bench-dump DIR, writes DIR/io.safetensors (input, output; key stride in the metadata).
    func bench(_ model: FrameGraphSegmenter, repeats: Int) throws {
        let cfg = model.config
        let (bw, bh) = VideoSegmenter.inputSize(width: 854, height: 480, config: cfg)
        let (iw, ih) = VideoSegmenter.scaledSize(width: bw, height: bh, scale: scaleList[0])
        let n = framesPerGraph ?? cfg.frames
        var rng = RandomGenerator(seed: 1)
        let x = Tensor((0..<(n * cfg.inputChannels * ih * iw)).map { _ in rng.nextUniform() }, shape: [n, cfg.inputChannels, ih, iw])
        let first = GradMode.disabled { model(x, keyStride: keyStride) }
        if let benchDump {
            let dir = URL(fileURLWithPath: benchDump)
            try SafeTensors.write(["input": x, "output": first], metadata: ["config": cfg.text, "key_stride": String(keyStride)], to: dir.appendingPathComponent("io.safetensors"))
            try SegmentationWeights.save(model, to: dir.appendingPathComponent("model.safetensors"))
        }
        var times: [Double] = []
        for _ in 0..<max(1, repeats) {
            let t0 = Date()
            _ = GradMode.disabled { model(x, keyStride: keyStride) }
            times.append(Date().timeIntervalSince(t0) * 1000)
        }
        times.sort()
        let middle = times[times.count / 2]
        print("{\"name\": \"framegraph_forward_\(n)x\(iw)x\(ih)\(keyStride > 1 ? "_ks\(keyStride)" : "")\", \"ours_ms\": \(String(format: "%.2f", middle)), \"threads\": \(threads)}")
    }
}
