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
        Each frame is grouped with N-1 reference frames spread evenly over its video (first pass:
        the references are decoded and kept as feature maps; second pass: frames are streamed, so
        memory does not grow with video length). Writes OUT/<name>/%05d.png ({0,255}, one per decoded
        frame, video size), with --probabilities OUT/<name>.prob/%05d.png (0..255), with --overlay
        OUT/<name>.mp4 (mask tinted and outlined). Outputs appear only when complete. A video that
        fails is reported and skipped; the exit status is then 1.
        """)

    @Argument(help: "Videos or folders of numbered frames.")
    var inputs: [String] = []

    @Option(help: "Output folder.")
    var out: String = ""

    @Option(help: "Model: 'framegraph' (embedded default) or a .safetensors file / training run folder.")
    var model: String?

    @Option(name: .customLong("frames-per-graph"), help: "Nodes per graph N (default: the model's config).")
    var framesPerGraph: Int?

    @Flag(help: "Average with the mirrored frame (test-time augmentation).")
    var flip = false

    @Flag(help: "Also write probability PNGs.")
    var probabilities = false

    @Flag(help: "Also write an overlay video OUT/<name>.mp4.")
    var overlay = false

    @Option(help: "Comma-separated input scales averaged (multiples of the model's input size), e.g. 0.75,1,1.25.")
    var scales: String = "1"

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
        if inputs.isEmpty && benchModel == nil { throw ValidationError("give at least one video or frame folder") }
    }

    func run() throws {
        ComputeThreads.count = threads
        if let benchModel {
            // Benchmarks may time an untrained model of a config (timing does not depend on the weights).
            let m = try model.map { $0.hasSuffix(".yaml") } == true
                ? FrameGraphSegmenter(config: try SegmentationConfig(contentsOf: URL(fileURLWithPath: model!)), seed: 1)
                : SegmentationWeights.resolve(model)
            return try bench(m, repeats: benchModel)
        }
        let segmenter = try SegmentationWeights.resolve(model)
        guard !out.isEmpty else { throw ValidationError("--out is required") }
        let outFolder = URL(fileURLWithPath: out)
        try FileManager.default.createDirectory(at: outFolder, withIntermediateDirectories: true)
        var failed = 0
        for (k, input) in inputs.enumerated() {
            do {
                let n = try segmentOne(URL(fileURLWithPath: input), model: segmenter, outFolder: outFolder, label: "[\(k + 1)/\(inputs.count)]")
                printError("segment: \(input): \(n) frames -> \(outFolder.appendingPathComponent(Self.name(of: input)).path)")
            } catch {
                failed += 1
                printError("segment: \(input): skipped: \(error.localizedDescription)")
            }
        }
        if failed > 0 {
            printError("segment: \(failed) of \(inputs.count) inputs failed")
            throw ExitCode(exitSomeInputsFailed)
        }
    }

    static func name(of input: String) -> String {
        let url = URL(fileURLWithPath: input)
        return url.pathExtension.isEmpty ? url.lastPathComponent : url.deletingPathExtension().lastPathComponent
    }

    /// Model input size for a W x H video: about the config's pixel count, aspect kept, multiples of 8.
    static func inputSize(width: Int, height: Int, config: SegmentationConfig) -> (Int, Int) {
        let s = (Double(config.width * config.height) / Double(width * height)).squareRoot()
        func r8(_ v: Double) -> Int { max(16, Int((v / 8).rounded()) * 8) }
        return (r8(Double(width) * s), r8(Double(height) * s))
    }

    /// Segments one video; returns the number of frames written.
    func segmentOne(_ url: URL, model: FrameGraphSegmenter, outFolder: URL, label: String) throws -> Int {
        let cfg = model.config
        let name = Self.name(of: url.path)
        let meta = try VideoReader.probe(url)
        let total = meta.frameCountIsEstimate || meta.frameCount <= 0 ? try VideoReader.countFrames(url) : meta.frameCount
        let (bw, bh) = Self.inputSize(width: meta.width, height: meta.height, config: cfg)
        let sizes = scaleList.map { sc in (max(16, Int((Double(bw) * sc / 8).rounded()) * 8), max(16, Int((Double(bh) * sc / 8).rounded()) * 8)) }
        let graphSize = framesPerGraph ?? cfg.frames
        let refIndices = FrameGraphSegmenter.referenceIndices(frameCount: total, count: graphSize - 1)

        // Pass 1: decode the reference frames (and the frame before each, for motion); keep them as
        // node states per scale and mirroring (the decoded images are dropped after this pass).
        var refImages: [Int: (previous: RGBImage?, image: RGBImage)] = [:]
        if let last = refIndices.max() {
            let reader = try VideoReader(url: url)
            var previous: RGBImage? = nil
            var index = 0
            while index <= last, let frame = try reader.nextFrame() {
                if refIndices.contains(index) { refImages[index] = (previous, frame.image) }
                previous = frame.image
                index += 1
            }
        }
        let refs = refIndices.compactMap { refImages[$0] }
        var refStates: [[Tensor?]] = []   // [scale][flip]
        for (iw, ih) in sizes {
            let inputs = refs.map { r in
                modelInput(SegmentationClip.chw(r.image, width: iw, height: ih), previous: r.previous.map { SegmentationClip.chw($0, width: iw, height: ih) },
                           width: iw, height: ih, motion: cfg.architecture.motion)
            }
            func states(_ flipped: Bool) -> Tensor? {
                guard !inputs.isEmpty else { return nil }
                let data = inputs.flatMap { flipped ? Self.mirror($0, width: iw, height: ih) : $0 }
                return model.encodeNoGrad(Tensor(data, shape: [inputs.count, cfg.inputChannels, ih, iw]))
            }
            refStates.append([states(false), flip ? states(true) : nil])
        }
        refImages = [:]

        // Pass 2: stream, segment, write into temporary folders.
        let fm = FileManager.default
        let finalFolder = outFolder.appendingPathComponent(name)
        let tmpFolder = outFolder.appendingPathComponent(".\(name).tmp-\(getpid())")
        let probFinal = outFolder.appendingPathComponent(name + ".prob")
        let probTmp = outFolder.appendingPathComponent(".\(name).prob.tmp-\(getpid())")
        try? fm.removeItem(at: tmpFolder); try? fm.removeItem(at: probTmp)
        try fm.createDirectory(at: tmpFolder, withIntermediateDirectories: true)
        if probabilities { try fm.createDirectory(at: probTmp, withIntermediateDirectories: true) }
        var writer: VideoWriter? = nil
        var completed = false
        defer {
            if !completed {
                writer?.abort()
                try? fm.removeItem(at: tmpFolder); try? fm.removeItem(at: probTmp)
            }
        }
        let reader = try VideoReader(url: url)
        if overlay {
            writer = try VideoWriter(url: outFolder.appendingPathComponent(name + ".mp4"), width: reader.outputWidth,
                                     height: reader.outputHeight, fps: meta.fps > 0 ? meta.fps : 24)
        }
        let progress = ProgressLine(label: "segment \(label) \(name)", total: total)
        var previous = [[Float]?](repeating: nil, count: sizes.count)
        var count = 0
        while let frame = try reader.nextFrame() {
            let W = frame.image.width, H = frame.image.height
            var full = [Float](repeating: 0, count: W * H)
            var terms: Float = 0
            for (k, (iw, ih)) in sizes.enumerated() {
                let x = SegmentationClip.chw(frame.image, width: iw, height: ih)
                let input = modelInput(x, previous: previous[k], width: iw, height: ih, motion: cfg.architecture.motion)
                previous[k] = x
                var p = model.probabilities(current: model.encodeNoGrad(Tensor(input, shape: [1, cfg.inputChannels, ih, iw])),
                                            references: refStates[k][0], height: ih, width: iw)
                if flip {
                    let q = model.probabilities(current: model.encodeNoGrad(Tensor(Self.mirror(input, width: iw, height: ih), shape: [1, cfg.inputChannels, ih, iw])),
                                                references: refStates[k][1], height: ih, width: iw)
                    let back = Self.mirror(q, width: iw, height: ih)
                    for i in p.indices { p[i] = 0.5 * (p[i] + back[i]) }
                }
                let up = OpticalFlow.resizePlane(p, width: iw, height: ih, toWidth: W, toHeight: H)
                for i in full.indices { full[i] += up[i] }
                terms += 1
            }
            for i in full.indices { full[i] /= terms }
            let mask = GrayImage(width: W, height: H, pixels: full.map { $0 >= 0.5 ? 255 : 0 })
            let file = String(format: "%05d.png", count)
            try PNGCodec.write(mask, to: tmpFolder.appendingPathComponent(file))
            if probabilities {
                try PNGCodec.write(GrayImage(width: W, height: H, pixels: full.map { UInt8(max(0, min(255, ($0 * 255).rounded()))) }),
                                   to: probTmp.appendingPathComponent(file))
            }
            if let writer { try writer.append(Self.overlay(frame.image, mask: mask)) }
            count += 1
            progress.update(done: count, rateUnit: " frames/s")
        }
        progress.finish()
        guard count > 0 else { throw MediaError.decodeFailed(path: url.path, reason: "no frame could be decoded") }
        try writer?.finish()
        try? fm.removeItem(at: finalFolder)
        try fm.moveItem(at: tmpFolder, to: finalFolder)
        if probabilities {
            try? fm.removeItem(at: probFinal)
            try fm.moveItem(at: probTmp, to: probFinal)
        }
        completed = true
        return count
    }

    /// Times one N-frame graph forward (encode + message passing + readout) at the input size used
    /// for 854x480 video; prints a JSON line. With --bench-dump DIR, writes DIR/io.safetensors (input, output).
    func bench(_ model: FrameGraphSegmenter, repeats: Int) throws {
        let cfg = model.config
        let (iw, ih) = Self.inputSize(width: 854, height: 480, config: cfg)
        let n = framesPerGraph ?? cfg.frames
        var rng = RandomGenerator(seed: 1)
        let x = Tensor((0..<(n * cfg.inputChannels * ih * iw)).map { _ in rng.nextUniform() }, shape: [n, cfg.inputChannels, ih, iw])
        let first = GradMode.disabled { model(x) }
        if let benchDump {
            let dir = URL(fileURLWithPath: benchDump)
            try SafeTensors.write(["input": x, "output": first], metadata: ["config": cfg.text], to: dir.appendingPathComponent("io.safetensors"))
            try SegmentationWeights.save(model, to: dir.appendingPathComponent("model.safetensors"))
        }
        var times: [Double] = []
        for _ in 0..<max(1, repeats) {
            let t0 = Date()
            _ = GradMode.disabled { model(x) }
            times.append(Date().timeIntervalSince(t0) * 1000)
        }
        times.sort()
        let median = times[times.count / 2]
        print("{\"name\": \"framegraph_forward_\(n)x\(iw)x\(ih)\", \"ours_ms\": \(String(format: "%.2f", median)), \"threads\": \(threads)}")
    }

    /// RGB `[3, H, W]` plus the motion cue from the previous frame when the model uses motion.
    func modelInput(_ x: [Float], previous: [Float]?, width: Int, height: Int, motion: Bool) -> [Float] {
        motion ? x + MotionCue.fromFrames(previous: previous, current: x, width: width, height: height) : x
    }

    /// Mirrors every `[H, W]` plane of a `[C, H, W]` buffer; negates plane 3 (horizontal motion) of 6-channel inputs.
    static func mirror(_ data: [Float], width: Int, height: Int) -> [Float] {
        let plane = width * height, channels = data.count / plane
        var out = data
        for c in 0..<channels {
            let sign: Float = (channels == 6 && c == 3) ? -1 : 1
            for y in 0..<height {
                for x in 0..<width { out[c * plane + y * width + x] = sign * data[c * plane + y * width + width - 1 - x] }
            }
        }
        return out
    }

    /// The frame with the mask tinted red (50 %) and its boundary drawn in yellow.
    static func overlay(_ image: RGBImage, mask: GrayImage) -> RGBImage {
        var out = image
        let w = image.width, h = image.height
        for y in 0..<h {
            for x in 0..<w {
                let i = y * w + x
                guard mask.pixels[i] != 0 else { continue }
                let edge = x == 0 || y == 0 || x == w - 1 || y == h - 1 || mask.pixels[i - 1] == 0 || mask.pixels[i + 1] == 0
                    || mask.pixels[i - w] == 0 || mask.pixels[i + w] == 0
                if edge {
                    out.pixels[3 * i] = 255; out.pixels[3 * i + 1] = 230; out.pixels[3 * i + 2] = 0
                } else {
                    out.pixels[3 * i] = UInt8((Int(image.pixels[3 * i]) + 255) / 2)
                    out.pixels[3 * i + 1] = image.pixels[3 * i + 1] / 2
                    out.pixels[3 * i + 2] = image.pixels[3 * i + 2] / 2
                }
            }
        }
        return out
    }
}
