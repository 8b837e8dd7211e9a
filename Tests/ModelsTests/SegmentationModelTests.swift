import Datasets
import Layers
import Tensors
import XCTest
@testable import Models

/// FrameGraphSegmenter: shapes, attention properties, gradients, overfitting, resume.
final class SegmentationModelTests: XCTestCase {
    static func tinyConfig(width: Int = 32, height: Int = 24, frames: Int = 3, iterations: Int = 2, motion: Bool = true, rgb: Bool = true,
                           widths: String = "[4, 4, 8, 8]", steps: Int = 10, extra: String = "", decoder: Int = 0) throws -> SegmentationConfig {
        try SegmentationConfig(yaml: """
        name: tiny
        kind: framegraph
        input: {width: \(width), height: \(height), frames: \(frames)}
        architecture: {backbone_widths: \(widths), key_channels: 4, iterations: \(iterations), motion: \(motion), rgb: \(rgb), decoder_channels: \(decoder)}
        training: {epochs: 1, steps_per_epoch: \(steps), learning_rate: 0.01, seed: 3\(extra)}
        data: {davis: none, synthetic_clips: 1, synthetic_frames: 4}
        """, source: "tiny")
    }

    static func randomTensor(_ shape: [Int], seed: UInt64) -> Tensor {
        var rng = RandomGenerator(seed: seed)
        return Tensor((0..<shape.reduce(1, *)).map { _ in rng.nextUniform() }, shape: shape)
    }

    func testShapesAndNames() throws {
        let model = FrameGraphSegmenter(config: try Self.tinyConfig())
        let x = Self.randomTensor([3, 6, 24, 32], seed: 1)
        XCTAssertEqual(model.encode(x).shape, [3, 8, 3, 4])
        XCTAssertEqual(model(x).shape, [3, 1, 24, 32])
        let names = Set(model.namedParameters().map(\.name))
        for n in ["backbone.0.conv.weight", "backbone.3.norm.weight", "intra.query.weight", "intra.scale", "inter.bilinear.weight",
                  "inter.gate.weight", "update.gates.weight", "update.candidate.bias", "readout.conv.weight", "readout.classifier.weight"] {
            XCTAssertTrue(names.contains(n), "missing \(n)")
        }
        XCTAssertThrowsError(try Self.tinyConfig(width: 30))   // not a multiple of 8
    }

    /// With `decoder_channels`, the logits come from the stride-4 decoder: new parameters, the same output
    /// shape, and the classifier reads D channels; a model without one has no `decoder.*` parameters.
    func testDecoderShapesAndNames() throws {
        let model = FrameGraphSegmenter(config: try Self.tinyConfig(decoder: 6))
        let x = Self.randomTensor([3, 6, 24, 32], seed: 1)
        XCTAssertEqual(model.features(x).stride4.shape, [3, 4, 6, 8])
        XCTAssertEqual(model.decoder!(model.graphFeatures(model.encode(x)), skip: model.features(x).stride4).shape, [3, 6, 6, 8])
        XCTAssertEqual(model(x).shape, [3, 1, 24, 32])
        let byName = Dictionary(uniqueKeysWithValues: model.namedParameters().map { ($0.name, $0.tensor.shape) })
        XCTAssertEqual(byName["decoder.skip.conv.weight"], [6, 4, 1, 1])
        XCTAssertEqual(byName["decoder.fuse.conv.weight"], [6, 14, 3, 3])
        XCTAssertEqual(byName["readout.classifier.weight"], [1, 6, 1, 1])
        let plain = FrameGraphSegmenter(config: try Self.tinyConfig())
        XCTAssertFalse(plain.namedParameters().contains { $0.name.hasPrefix("decoder.") })
        XCTAssertThrowsError(try Self.tinyConfig(decoder: -1))
    }

    func testInterAttentionRowsSumToOneAndEquivariance() throws {
        let model = FrameGraphSegmenter(config: try Self.tinyConfig())
        let h = Self.randomTensor([3, 8, 3, 4], seed: 2)
        let a = model.inter.attention(h)
        XCTAssertEqual(a.shape, [6, 12, 12])
        for row in 0..<(6 * 12) {
            let s = a.data[(row * 12)..<((row + 1) * 12)].reduce(0, +)
            XCTAssertEqual(s, 1, accuracy: 1e-5)
        }
        // Permuting the frames permutes messages and logits the same way.
        let perm: [Int32] = [2, 0, 1]
        let hp = h.indexSelect(axis: 0, indices: perm)
        let m = model.inter(h), mp = model.inter(hp)
        let expected = m.indexSelect(axis: 0, indices: perm)
        for (u, v) in zip(mp.data, expected.data) { XCTAssertEqual(u, v, accuracy: 1e-4) }
        let l = model.graphLogits(h).indexSelect(axis: 0, indices: perm), lp = model.graphLogits(hp)
        for (u, v) in zip(lp.data, l.data) { XCTAssertEqual(u, v, accuracy: 1e-4) }
        // And the messages depend on the other frames (not a per-frame function).
        let other = Tensor.concat([h.slice(axis: 0, start: 0, end: 1), Self.randomTensor([2, 8, 3, 4], seed: 9)], axis: 0)
        let diff = zip(model.inter(other).data.prefix(96), m.data.prefix(96)).map { abs($0 - $1) }.max()!
        XCTAssertGreaterThan(diff, 1e-4)
    }

    /// Key stride s pools the attention's keys and values over s x s cells. On node states that are
    /// constant over every 2 x 2 cell the pooled attention is exact (a cell of 4 equal keys gets the
    /// same softmax mass as its one pooled key), so both attentions equal those at stride 1.
    func testKeyStrideIsExactOnBlockConstantStates() throws {
        let model = FrameGraphSegmenter(config: try Self.tinyConfig())
        let coarse = Self.randomTensor([3, 8, 2, 3], seed: 6)                       // [N, C, 2, 3]
        var blocks = [Float](repeating: 0, count: 3 * 8 * 4 * 6)
        for plane in 0..<24 { for y in 0..<4 { for x in 0..<6 { blocks[(plane * 4 + y) * 6 + x] = coarse.data[(plane * 2 + y / 2) * 3 + x / 2] } } }
        let h = Tensor(blocks, shape: [3, 8, 4, 6])                                // [N, C, 4, 6], 2 x 2 cells
        XCTAssertEqual(model.inter.attention(h, keyStride: 2).shape, [6, 24, 6])
        for (name, pooled, exact) in [("intra", model.intra(h, keyStride: 2), model.intra(h)),
                                      ("inter", model.inter(h, keyStride: 2), model.inter(h))] {
            XCTAssertEqual(pooled.shape, exact.shape)
            for (u, v) in zip(pooled.data, exact.data) { XCTAssertEqual(u, v, accuracy: 1e-5, name) }
        }
        // On general states it is an approximation: the messages differ.
        let g = Self.randomTensor([3, 8, 4, 6], seed: 8)
        let diff = zip(model.inter(g, keyStride: 2).data, model.inter(g).data).map { abs($0 - $1) }.max()!
        XCTAssertGreaterThan(diff, 1e-4)
    }

    /// The logits at key strides 1, 2 and 3 match the PyTorch peer (tools/reference/framegraph_torch.py
    /// --golden, `F.adaptive_avg_pool2d` keys and values) on a 5 x 7 state map, where the pooling
    /// cells are uneven (Fixtures/README.md).
    func testKeyStrideLogitsMatchPyTorch() throws {
        let url = try XCTUnwrap(Bundle.module.url(forResource: "Fixtures/framegraph_tiny", withExtension: "safetensors"))
        let model = try SegmentationWeights.load(url)
        let golden = try SafeTensors.read(try XCTUnwrap(Bundle.module.url(forResource: "Fixtures/framegraph_tiny_golden", withExtension: "safetensors")))
        let x = try golden.tensor(named: "input")
        XCTAssertEqual(x.shape, [3, 6, 40, 56])
        var outputs: [Tensor] = []
        for s in 1...3 {
            let expected = try golden.tensor(named: "logits_ks\(s)")
            let logits = GradMode.disabled { model(x, keyStride: s) }
            XCTAssertEqual(logits.shape, expected.shape)
            for (u, v) in zip(logits.data, expected.data) { XCTAssertEqual(u, v, accuracy: 1e-4, "key stride \(s)") }
            outputs.append(logits)
        }
        // The strides give different logits (the fixture would not catch a stride that is ignored).
        XCTAssertGreaterThan(zip(outputs[0].data, outputs[1].data).map { abs($0 - $1) }.max()!, 1e-3)
        XCTAssertGreaterThan(zip(outputs[1].data, outputs[2].data).map { abs($0 - $1) }.max()!, 1e-3)
    }

    func testFiniteDifferenceGradients() throws {
        try checkGradients(decoder: 0)
    }

    /// The same check through the stride-4 skip decoder (its parameters, and the backbone stage that feeds it).
    func testFiniteDifferenceGradientsWithDecoder() throws {
        try checkGradients(decoder: 4)
    }

    func checkGradients(decoder: Int) throws {
        let model = FrameGraphSegmenter(config: try Self.tinyConfig(width: 32, height: 32, frames: 2, iterations: 1, widths: "[4, 4, 4, 4]", decoder: decoder))
        let x = Self.randomTensor([2, 6, 32, 32], seed: 4)
        let weights = Self.randomTensor([2, 1, 32, 32], seed: 5) - 0.5
        func loss() -> Tensor { (model(x) * weights).sum() }
        model.zeroGrad()
        loss().backward()
        let byName = Dictionary(uniqueKeysWithValues: model.namedParameters().map { ($0.name, $0.tensor) })
        var checked = 0
        var names = ["intra.scale", "intra.query.weight", "inter.bilinear.weight", "inter.gate.weight", "update.gates.weight",
                     "update.candidate.weight", "readout.conv.weight", "readout.classifier.bias", "backbone.3.conv.weight"]
        if decoder > 0 { names += ["decoder.skip.conv.weight", "decoder.fuse.conv.weight", "decoder.fuse.norm.bias", "backbone.1.conv.weight"] }
        for name in names {
            let p = byName[name]!
            let g = p.grad!.data
            // The three largest-gradient entries of each parameter.
            for i in g.indices.sorted(by: { abs(g[$0]) > abs(g[$1]) }).prefix(3) {
                let original = p.data[i]
                let eps: Float = 2e-3
                var d = p.data; d[i] = original + eps; p.assign(d)
                let up = GradMode.disabled { loss().item }
                d[i] = original - eps; p.assign(d)
                let down = GradMode.disabled { loss().item }
                d[i] = original; p.assign(d)
                let numeric = (up - down) / (2 * eps)
                XCTAssertEqual(numeric, g[i], accuracy: 0.05 * max(abs(g[i]), abs(numeric)) + 2e-3, "\(name)[\(i)]")
                checked += 1
            }
        }
        XCTAssertEqual(checked, decoder > 0 ? 35 : 23)   // intra.scale and readout.classifier.bias have one entry each
    }

    func testResumeContinuesExactly() throws {
        let cfg = try Self.tinyConfig(width: 32, height: 32, frames: 2, iterations: 1)
        let synth = try Datasets.SyntheticVOS(width: 40, height: 40, frameCount: 4, seed: 7)
        let (frames, masks) = synth.clip(index: 0)
        let clip = SegmentationClip(name: "c", images: frames, masks: masks, width: 40, height: 40, motion: true)
        let a = SegmentationTrainer(config: cfg, trainClips: [clip], syntheticCount: 1, valClips: [])
        a.trainStep(); a.trainStep()
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("seg-resume-\(getpid()).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try a.saveCheckpoint(to: url, elapsed: 1)
        let la = [a.trainStep(), a.trainStep()]
        let b = SegmentationTrainer(config: cfg, trainClips: [clip], syntheticCount: 1, valClips: [])
        try b.loadCheckpoint(from: url)
        XCTAssertEqual(b.step, 2)
        let lb = [b.trainStep(), b.trainStep()]
        XCTAssertEqual(la, lb)
        for (p, q) in zip(a.model.parameters, b.model.parameters) { XCTAssertEqual(p.data, q.data) }
    }

    /// `ema_decay`: the trainer keeps a weight average, validation serves it and puts the trained
    /// weights back, training itself is unchanged, and a resumed run continues the average exactly.
    func testWeightAverageServesValidationAndResumes() throws {
        let plain = try Self.tinyConfig(width: 32, height: 32, frames: 2, iterations: 1)
        let cfg = try Self.tinyConfig(width: 32, height: 32, frames: 2, iterations: 1, extra: ", ema_decay: 0.9")
        XCTAssertEqual(cfg.training.emaDecay, 0.9)
        XCTAssertNil(SegmentationTrainer(config: plain, trainClips: [try Self.clip()], syntheticCount: 1, valClips: []).average)
        let clip = try Self.clip()
        let a = SegmentationTrainer(config: cfg, trainClips: [clip], syntheticCount: 1, valClips: [clip])
        let reference = SegmentationTrainer(config: plain, trainClips: [clip], syntheticCount: 1, valClips: [clip])
        XCTAssertEqual([a.trainStep(), a.trainStep()], [reference.trainStep(), reference.trainStep()], "the average does not change training")
        let trained = a.model.parameters.map(\.data)
        let served = a.evaluate()
        XCTAssertEqual(a.model.parameters.map(\.data), trained, "validation puts the trained weights back")
        let average = try XCTUnwrap(a.average)
        let copy = SegmentationTrainer(config: plain, trainClips: [clip], syntheticCount: 1, valClips: [clip])
        for (p, values) in zip(copy.model.parameters, average.averages) { p.assign(values) }
        XCTAssertEqual(copy.evaluate().jf, served.jf, accuracy: 1e-12, "validation scores the averaged weights")
        XCTAssertNotEqual(average.averages, trained)

        let url = FileManager.default.temporaryDirectory.appendingPathComponent("seg-ema-\(getpid()).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try a.saveCheckpoint(to: url, elapsed: 1)
        // `--model checkpoint.safetensors` serves the checkpoint's weight average, not its raw weights.
        let fromCheckpoint = try SegmentationWeights.load(url)
        XCTAssertEqual(fromCheckpoint.parameters.map(\.data), average.averages)
        XCTAssertEqual(fromCheckpoint.parameters.map(\.shape), a.model.parameters.map(\.shape))
        a.trainStep(); a.trainStep()
        let b = SegmentationTrainer(config: cfg, trainClips: [clip], syntheticCount: 1, valClips: [clip])
        try b.loadCheckpoint(from: url)
        b.trainStep(); b.trainStep()
        XCTAssertEqual(b.average?.averages, a.average?.averages)
    }

    static func clip() throws -> SegmentationClip {
        let synth = try Datasets.SyntheticVOS(width: 40, height: 40, frameCount: 4, seed: 7)
        let (frames, masks) = synth.clip(index: 0)
        return SegmentationClip(name: "c", images: frames, masks: masks, width: 40, height: 40, motion: true)
    }

    /// Colour jitter and greyscale change only the RGB planes: the crop, mirror, frame choice, motion
    /// and masks of a step stay those of the unaugmented recipe; greyscale makes R = G = B.
    func testColourAugmentationTouchesOnlyRGB() throws {
        let synth = try Datasets.SyntheticVOS(width: 40, height: 40, frameCount: 4, seed: 7)
        let (frames, masks) = synth.clip(index: 0)
        let clip = SegmentationClip(name: "c", images: frames, masks: masks, width: 40, height: 40, motion: true)
        func graph(_ extra: String, step: Int) throws -> (input: Tensor, masks: Tensor) {
            let cfg = try Self.tinyConfig(width: 32, height: 32, frames: 2, iterations: 1, extra: extra)
            return SegmentationTrainer(config: cfg, trainClips: [clip], syntheticCount: 1, valClips: []).trainingGraph(step: step)
        }
        let plane = 32 * 32
        XCTAssertThrowsError(try Self.tinyConfig(extra: ", colour_jitter: 1.5"))
        XCTAssertThrowsError(try Self.tinyConfig(extra: ", grayscale_probability: 2"))
        XCTAssertThrowsError(try Self.tinyConfig(extra: ", min_crop_scale: 0"))
        var rgbChanged = 0
        for step in 0..<4 {
            let plain = try graph("", step: step)
            XCTAssertEqual(plain.input.data, try graph(", colour_jitter: 0, grayscale_probability: 0, min_crop_scale: 0.7", step: step).input.data)
            for extra in [", colour_jitter: 0.3", ", grayscale_probability: 1"] {
                let augmented = try graph(extra, step: step)
                XCTAssertEqual(augmented.masks.data, plain.masks.data)
                for node in 0..<2 {
                    let base = node * 6 * plane
                    XCTAssertEqual(Array(augmented.input.data[(base + 3 * plane)..<(base + 6 * plane)]),
                                   Array(plain.input.data[(base + 3 * plane)..<(base + 6 * plane)]), "motion planes of node \(node)")
                    let rgb = Array(augmented.input.data[base..<(base + 3 * plane)])
                    if rgb != Array(plain.input.data[base..<(base + 3 * plane)]) { rgbChanged += 1 }
                    if extra.contains("grayscale") {
                        XCTAssertEqual(Array(rgb[0..<plane]), Array(rgb[plane..<(2 * plane)]))
                        XCTAssertEqual(Array(rgb[0..<plane]), Array(rgb[(2 * plane)..<(3 * plane)]))
                    }
                }
            }
        }
        XCTAssertEqual(rgbChanged, 16)
    }

    /// Copy-paste: `paste` puts every input plane of the donor where its mask is set and makes the
    /// target the union; in a training graph the donor is another DAVIS (non-synthetic) clip, pixels
    /// outside the resulting mask keep the unaugmented recipe's input, the host's mask is kept, and a
    /// DAVIS host with no other DAVIS clip to take from is left as it was.
    func testCopyPastePastesAnotherSequencesObject() throws {
        XCTAssertThrowsError(try Self.tinyConfig(extra: ", copy_paste: 1.5"))
        var input: [Float] = [1, 2, 3, 4, 5, 6, 7, 8], mask: [Float] = [0, 1, 0, 1]
        SegmentationTrainer.paste(input: &input, mask: &mask, donorInput: [9, 9, 9, 9, 8, 8, 8, 8], donorMask: [1, 1, 0, 0], plane: 4)
        XCTAssertEqual(input, [9, 9, 3, 4, 8, 8, 7, 8])
        XCTAssertEqual(mask, [1, 1, 0, 1])

        let host = try Self.clip()
        let other = try Datasets.SyntheticVOS(width: 40, height: 40, frameCount: 4, seed: 11).clip(index: 0)
        let donor = SegmentationClip(name: "d", images: other.frames, masks: other.masks, width: 40, height: 40, motion: true)
        func graph(_ extra: String, step: Int) throws -> (input: Tensor, masks: Tensor) {
            let cfg = try Self.tinyConfig(width: 32, height: 32, frames: 2, iterations: 1, extra: extra)
            // clip 0 synthetic, clip 1 the only DAVIS-like one: synthetic hosts get clip 1's object.
            return SegmentationTrainer(config: cfg, trainClips: [host, donor], syntheticCount: 1, valClips: []).trainingGraph(step: step)
        }
        let plane = 32 * 32
        var pasted = 0, unchanged = 0
        for step in 0..<12 {
            let plain = try graph("", step: step), augmented = try graph(", copy_paste: 1", step: step)
            XCTAssertEqual(try graph(", copy_paste: 0", step: step).input.data, plain.input.data)
            if augmented.input.data == plain.input.data && augmented.masks.data == plain.masks.data { unchanged += 1; continue }
            pasted += 1
            for node in 0..<2 {
                for i in 0..<plane {
                    let m = augmented.masks.data[node * plane + i]
                    XCTAssertGreaterThanOrEqual(m, plain.masks.data[node * plane + i], "the host's mask is kept")
                    guard m == 0 else { continue }
                    for c in 0..<6 {
                        XCTAssertEqual(augmented.input.data[(node * 6 + c) * plane + i], plain.input.data[(node * 6 + c) * plane + i])
                    }
                }
            }
            XCTAssertGreaterThan(augmented.masks.data.reduce(0, +), plain.masks.data.reduce(0, +), "step \(step): the donor adds object pixels")
        }
        XCTAssertGreaterThan(pasted, 0)
        XCTAssertGreaterThan(unchanged, 0, "DAVIS hosts have no other DAVIS clip here")
    }

    /// Test-scale crops: `max_crop_scale` bounds the crop, `clip_scale` sets the stored clip size, and
    /// `motion_input_pixels` multiplies the crop's motion planes by input pixels per clip pixel (then
    /// clamps them to the cue's limit) while RGB and masks stay those of the same crop without it.
    func testCropRangeClipScaleAndMotionInInputPixels() throws {
        XCTAssertThrowsError(try Self.tinyConfig(extra: ", min_crop_scale: 0.6, max_crop_scale: 0.5"))
        XCTAssertThrowsError(try Self.tinyConfig(extra: ", clip_scale: 0.5"))
        XCTAssertEqual(try SegmentationData.load(try Self.tinyConfig(), base: nil).train[0].width, 40)
        XCTAssertEqual(try SegmentationData.load(try Self.tinyConfig(extra: ", clip_scale: 2"), base: nil).train[0].width, 64)
        let synth = try Datasets.SyntheticVOS(width: 40, height: 40, frameCount: 4, seed: 7)
        let (frames, masks) = synth.clip(index: 0)
        var clip = SegmentationClip(name: "c", images: frames, masks: masks, width: 40, height: 40, motion: true)
        // Large motion everywhere, so that both the scaling and the clamp are exercised.
        clip.motion = clip.motion.enumerated().map { i, planes in planes.enumerated().map { Float(($0.offset + i) % 9) - 4 + $0.element } }
        func graph(_ extra: String, step: Int) throws -> (input: Tensor, masks: Tensor) {
            let cfg = try Self.tinyConfig(width: 32, height: 32, frames: 2, iterations: 1, extra: ", min_crop_scale: 0.5, max_crop_scale: 0.5" + extra)
            return SegmentationTrainer(config: cfg, trainClips: [clip], syntheticCount: 1, valClips: []).trainingGraph(step: step)
        }
        let plane = 32 * 32, gain: Float = 32 / 20   // 32 input pixels per crop of 0.5 x 40 clip pixels
        var clamped = 0
        for step in 0..<3 {
            let clipPixels = try graph("", step: step), inputPixels = try graph(", motion_input_pixels: true", step: step)
            XCTAssertEqual(inputPixels.masks.data, clipPixels.masks.data)
            for node in 0..<2 {
                let base = node * 6 * plane
                XCTAssertEqual(Array(inputPixels.input.data[base..<(base + 3 * plane)]), Array(clipPixels.input.data[base..<(base + 3 * plane)]))
                for i in (base + 3 * plane)..<(base + 6 * plane) {
                    let expected = max(-MotionCue.limit, min(MotionCue.limit, clipPixels.input.data[i] * gain))
                    if abs(clipPixels.input.data[i] * gain) > MotionCue.limit { clamped += 1 }
                    XCTAssertEqual(inputPixels.input.data[i], expected, accuracy: 1e-6, "step \(step), node \(node), index \(i)")
                }
            }
        }
        XCTAssertGreaterThan(clamped, 0)
    }

    /// `rgb: false` gives a motion-only model: a training graph holds exactly the motion planes of the
    /// RGB + motion recipe's graph (same crop, mirror and frames), and mirroring negates its plane 0.
    func testMotionOnlyInputIsTheMotionPlanes() throws {
        let synth = try Datasets.SyntheticVOS(width: 40, height: 40, frameCount: 4, seed: 7)
        let (frames, masks) = synth.clip(index: 0)
        let clip = SegmentationClip(name: "c", images: frames, masks: masks, width: 40, height: 40, motion: true)
        let full = try Self.tinyConfig(width: 32, height: 32, frames: 2, iterations: 1)
        let motionOnly = try Self.tinyConfig(width: 32, height: 32, frames: 2, iterations: 1, rgb: false)
        XCTAssertThrowsError(try Self.tinyConfig(motion: false, rgb: false))
        XCTAssertEqual([full.inputChannels, motionOnly.inputChannels], [6, 3])
        XCTAssertEqual([full.horizontalMotionChannel, motionOnly.horizontalMotionChannel], [3, 0])
        XCTAssertNil(try Self.tinyConfig(motion: false).horizontalMotionChannel)
        let plane = 32 * 32
        for step in 0..<3 {
            let a = SegmentationTrainer(config: full, trainClips: [clip], syntheticCount: 1, valClips: []).trainingGraph(step: step)
            let b = SegmentationTrainer(config: motionOnly, trainClips: [clip], syntheticCount: 1, valClips: []).trainingGraph(step: step)
            XCTAssertEqual(b.input.shape, [2, 3, 32, 32])
            XCTAssertEqual(b.masks.data, a.masks.data)
            for node in 0..<2 {
                XCTAssertEqual(Array(b.input.data[(node * 3 * plane)..<((node + 1) * 3 * plane)]),
                               Array(a.input.data[(node * 6 * plane + 3 * plane)..<((node + 1) * 6 * plane)]), "node \(node), step \(step)")
            }
        }
        // Mirroring a [1, 3, 1, 2] motion-only buffer: planes reversed left-right, dx (plane 0) negated.
        XCTAssertEqual(VideoSegmenter.mirror([1, 2, 3, 4, 5, 6], width: 2, height: 1, channelsPerFrame: 3, horizontalMotionChannel: 0),
                       [-2, -1, 4, 3, 6, 5])
        XCTAssertEqual(VideoSegmenter.mirror([1, 2, 3, 4, 5, 6], width: 2, height: 1, channelsPerFrame: 3),
                       [2, 1, 4, 3, 6, 5])
    }

    func testOverfitsOneSyntheticClip() throws {
        // steps_per_epoch sets the poly schedule's length (the learning rate reaches 0 at the end).
        let cfg = try Self.tinyConfig(width: 64, height: 64, frames: 2, iterations: 1, widths: "[8, 16, 16, 32]", steps: 800, extra: ", dice_weight: 1")
        let synth = try Datasets.SyntheticVOS(width: 80, height: 80, frameCount: 4, seed: 11)
        let (frames, masks) = synth.clip(index: 0)
        let train = SegmentationClip(name: "c", images: frames, masks: masks, width: 80, height: 80, motion: true)
        let val = SegmentationClip(name: "v", images: frames, masks: masks, width: 64, height: 64, motion: true)
        let trainer = SegmentationTrainer(config: cfg, trainClips: [train], syntheticCount: 1, valClips: [val])
        let before = SegmentationTrainer.score(model: trainer.model, clip: val).j
        var first: Float = 0, last: Float = 0
        for s in 0..<800 {
            let l = trainer.trainStep()
            if s < 10 { first += l / 10 }
            if s >= 790 { last += l / 10 }
        }
        let after = SegmentationTrainer.score(model: trainer.model, clip: val).j
        XCTAssertLessThan(last, 0.5 * first)
        XCTAssertGreaterThan(after, 0.7, "J before \(before), after \(after)")
    }
}
