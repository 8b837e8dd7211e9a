import Foundation
import Media
import Tensors
import XCTest
@testable import Models

/// `VideoSegmenter`: stream schedule, one mask per frame, and each mask equal to the model's output
/// for the graph of frames (i, i + L, i + 2L) computed directly from the decoded frames.
final class VideoSegmenterTests: XCTestCase {
    func testScheduleCoversEveryFrameOnce() {
        XCTAssertEqual(VideoSegmenter.schedule(total: 10, framesPerGraph: 3).streams, 3)
        XCTAssertEqual(VideoSegmenter.schedule(total: 10, framesPerGraph: 3).length, 4)
        XCTAssertEqual(VideoSegmenter.schedule(total: 2, framesPerGraph: 3).streams, 2)
        XCTAssertEqual(VideoSegmenter.schedule(total: 2, framesPerGraph: 3).length, 1)
        XCTAssertEqual(VideoSegmenter.schedule(total: 1, framesPerGraph: 5).streams, 1)
        for total in 1...40 {
            for n in 1...5 {
                let (s, l) = VideoSegmenter.schedule(total: total, framesPerGraph: n)
                var seen = [Int](repeating: 0, count: total)
                for k in 0..<s { for i in (k * l)..<min((k + 1) * l, total) { seen[i] += 1 } }
                XCTAssertEqual(seen, [Int](repeating: 1, count: total), "T \(total) N \(n)")
                XCTAssertTrue((0..<s).allSatisfy { $0 * l < total }, "every stream non-empty: T \(total) N \(n)")
            }
        }
    }

    func testMasksMatchDirectGraphs() throws {
        let folder = try temporaryFolder(self)
        let clip = folder.appendingPathComponent("walk.mp4")
        // 11 frames 96x64: a bright square moving right on a textured background.
        let writer = try VideoWriter(url: clip, width: 96, height: 64, fps: 10, quality: .lossless)
        var frames: [RGBImage] = []
        for t in 0..<11 {
            var image = RGBImage(width: 96, height: 64)
            for y in 0..<64 {
                for x in 0..<96 {
                    let inside = (20..<40).contains(y) && ((10 + 5 * t)..<(30 + 5 * t)).contains(x)
                    let v: UInt8 = inside ? 230 : UInt8(40 + (x * 7 + y * 13) % 50)
                    image.pixels[3 * (y * 96 + x)] = v; image.pixels[3 * (y * 96 + x) + 1] = v / 2; image.pixels[3 * (y * 96 + x) + 2] = 90
                }
            }
            try writer.append(image)
            frames.append(image)
        }
        try writer.finish()
        let config = try SegmentationConfig(yaml: """
            name: tiny
            kind: framegraph
            input: {width: 48, height: 32, frames: 3}
            architecture: {backbone_widths: [4, 4, 8, 8], key_channels: 4, iterations: 2, motion: true}
            training: {epochs: 1, steps_per_epoch: 1}
            data: {davis: none, train: [], val: []}
            """, source: "tiny.yaml")
        let model = FrameGraphSegmenter(config: config, seed: 3)
        model.setTraining(false)
        // Widen the untrained logits (x 20) so that some pixels are confident object or background
        // (the colour model learns only from those).
        model.classifier.weight.assign(model.classifier.weight.data.map { $0 * 20 })
        let out = folder.appendingPathComponent("masks")
        let written = try VideoSegmenter(model: model, options: .init(probabilities: true, smoothing: 0, appearanceWeight: 0, threshold: 0.5)).segment(clip, outFolder: out)
        XCTAssertEqual(written, 11)
        let names = try FileManager.default.contentsOfDirectory(atPath: out.appendingPathComponent("walk").path).sorted()
        XCTAssertEqual(names, (0..<11).map { String(format: "%05d.png", $0) })
        XCTAssertFalse(try FileManager.default.contentsOfDirectory(atPath: out.path).contains { $0.hasPrefix(".") }, "no temporary folders left")

        // Direct computation: decoded frames -> inputs (RGB + motion from the previous frame) at the default
        // scale -> graph (i, i+4, i+8) with the default key stride.
        XCTAssertEqual(VideoSegmenter.Options.defaultScales.count, 1)
        let reader = try VideoReader(url: clip)
        var decoded: [RGBImage] = []
        while let f = try reader.nextFrame() { decoded.append(f.image) }
        let (bw, bh) = VideoSegmenter.inputSize(width: 96, height: 64, config: config)
        let (iw, ih) = VideoSegmenter.scaledSize(width: bw, height: bh, scale: VideoSegmenter.Options.defaultScales[0])
        let rgb = decoded.map { SegmentationClip.chw($0, width: iw, height: ih) }
        let inputs = rgb.indices.map { i in rgb[i] + MotionCue.fromFrames(previous: i > 0 ? rgb[i - 1] : nil, current: rgb[i], width: iw, height: ih) }
        let (streams, length) = VideoSegmenter.schedule(total: 11, framesPerGraph: 3)
        XCTAssertEqual(streams, 3); XCTAssertEqual(length, 4)
        var direct = [[Float]](repeating: [], count: 11)                   // per frame, [64 * 96] probabilities
        for step in 0..<length {
            let members = (0..<streams).map { min($0 * length + step, min(($0 + 1) * length, 11) - 1) }
            let batch = Tensor(members.flatMap { inputs[$0] }, shape: [3, config.inputChannels, ih, iw])
            let probs = GradMode.disabled { model(batch, keyStride: VideoSegmenter.Options.defaultKeyStride).sigmoid() }.data
            for (k, frame) in members.enumerated() where frame == k * length + step {
                let p = Array(probs[(k * iw * ih)..<((k + 1) * iw * ih)])
                let up = OpticalFlow.resizePlane(p, width: iw, height: ih, toWidth: 96, toHeight: 64)
                direct[frame] = up
                let stored = try PNGCodec.readGray(out.appendingPathComponent("walk.prob").appendingPathComponent(String(format: "%05d.png", frame)))
                XCTAssertEqual(stored.width, 96); XCTAssertEqual(stored.height, 64)
                let maxDiff = zip(stored.pixels, up).map { abs(Float($0) - $1 * 255) }.max()!
                XCTAssertLessThanOrEqual(maxDiff, 0.51, "frame \(frame) (step \(step), stream \(k))")
                let mask = try PNGCodec.readGray(out.appendingPathComponent("walk").appendingPathComponent(String(format: "%05d.png", frame)))
                XCTAssertTrue(mask.pixels.allSatisfy { $0 == 0 || $0 == 255 })
            }
        }

        // With temporal smoothing (radius 2): each frame's probabilities are the mean over frames
        // t-2...t+2 of its own stream (streams are frames 0-3, 4-7, 8-10), the mask that mean >= 0.5.
        let smoothed = folder.appendingPathComponent("smoothed")
        XCTAssertEqual(try VideoSegmenter(model: model, options: .init(probabilities: true, smoothing: 2, appearanceWeight: 0, threshold: 0.5, medianRadius: 0)).segment(clip, outFolder: smoothed), 11)
        for frame in 0..<11 {
            let k = frame / length
            let window = max(frame - 2, k * length)...min(frame + 2, min((k + 1) * length, 11) - 1)
            var mean = [Float](repeating: 0, count: 96 * 64)
            for f in window {
                for i in mean.indices { mean[i] += direct[f][i] / Float(window.count) }
            }
            let name = String(format: "%05d.png", frame)
            let stored = try PNGCodec.readGray(smoothed.appendingPathComponent("walk.prob").appendingPathComponent(name))
            let maxDiff = zip(stored.pixels, mean).map { abs(Float($0) - $1 * 255) }.max()!
            XCTAssertLessThanOrEqual(maxDiff, 0.51, "smoothed frame \(frame)")
            let mask = try PNGCodec.readGray(smoothed.appendingPathComponent("walk").appendingPathComponent(name))
            var disagreements = 0
            for (pixel, p) in zip(mask.pixels, mean) where (pixel == 255) != (p >= 0.5) && abs(p - 0.5) > 1e-4 { disagreements += 1 }
            XCTAssertEqual(disagreements, 0, "smoothed mask \(frame)")
        }

        // With the colour model (default weight and threshold): frames come out of the smoothers in the
        // order step 2: 0, 4, 8; step 3: 1, 5; then the flushes 2, 3, 6, 7, 9, 10. The model learns
        // from each frame's smoothed map before refining it, so a replay in that order must give the
        // stored probabilities, and masks are those probabilities >= the threshold.
        let coloured = folder.appendingPathComponent("coloured")
        let options = VideoSegmenter.Options(probabilities: true, smoothing: 2)
        XCTAssertEqual(options.appearanceWeight, VideoSegmenter.Options.defaultAppearanceWeight)
        XCTAssertEqual(try VideoSegmenter(model: model, options: options).segment(clip, outFolder: coloured), 11)
        var colourModel = AppearanceModel(weight: options.appearanceWeight)
        var changed = 0
        for frame in [0, 4, 8, 1, 5, 2, 3, 6, 7, 9, 10] {
            let k = frame / length
            let window = max(frame - 2, k * length)...min(frame + 2, min((k + 1) * length, 11) - 1)
            var mean = [Float](repeating: 0, count: 96 * 64)
            for f in window {
                for i in mean.indices { mean[i] += direct[f][i] / Float(window.count) }
            }
            colourModel.accumulate(image: decoded[frame], probabilities: mean)
            let refined = AppearanceModel.refine(image: decoded[frame], probabilities: mean, table: colourModel.logOddsTable())
            let name = String(format: "%05d.png", frame)
            let stored = try PNGCodec.readGray(coloured.appendingPathComponent("walk.prob").appendingPathComponent(name))
            XCTAssertLessThanOrEqual(zip(stored.pixels, refined).map { abs(Float($0) - $1 * 255) }.max()!, 0.6, "coloured frame \(frame)")
            changed += zip(refined, mean).filter { abs($0 - $1) > 0.01 }.count
            // Masks: those probabilities >= the threshold, then the default median filter (radius
            // round(64 / 96) = 1 here); pixels whose 3x3 window holds a probability within 1e-4 of
            // the threshold may go either way.
            let mask = try PNGCodec.readGray(coloured.appendingPathComponent("walk").appendingPathComponent(name))
            let radius = MaskMedianFilter.defaultRadius(height: 64)
            XCTAssertEqual(radius, 1)
            let expected = MaskMedianFilter.apply(refined.map { $0 >= options.threshold ? 255 : 0 }, width: 96, height: 64, radius: radius)
            var disagreements = 0
            for y in 0..<64 {
                for x in 0..<96 where mask.pixels[y * 96 + x] != expected[y * 96 + x] {
                    let nearThreshold = (max(0, y - 1)...min(63, y + 1)).contains { yy in
                        (max(0, x - 1)...min(95, x + 1)).contains { xx in abs(refined[yy * 96 + xx] - options.threshold) <= 1e-4 }
                    }
                    if !nearThreshold { disagreements += 1 }
                }
            }
            XCTAssertEqual(disagreements, 0, "coloured mask \(frame)")
        }
        XCTAssertGreaterThan(changed, 0, "the colour model changed no probability: the replay checks nothing")
    }

    /// The smoother emits every frame once, in order, each the mean of its ±r window cut at the ends,
    /// `r` frames after it went in; radius 0 passes maps through at once.
    func testTemporalSmootherWindows() {
        var smoother = TemporalSmoother(radius: 1)
        var out: [(index: Int, map: [Float])] = []
        for t in 0..<5 {
            let ready = smoother.push(index: 10 + t, map: [Float(t * t), 1])
            XCTAssertEqual(ready.count, t == 0 ? 0 : 1, "push \(t)")
            out += ready
        }
        out += smoother.flush()
        XCTAssertEqual(out.map(\.index), [10, 11, 12, 13, 14])
        let expected: [Float] = [1.0 / 2, 5.0 / 3, 14.0 / 3, 29.0 / 3, 25.0 / 2]   // means of t^2 over each window
        for (o, e) in zip(out, expected) {
            XCTAssertEqual(o.map[0], e, accuracy: 1e-5)
            XCTAssertEqual(o.map[1], 1, accuracy: 1e-6)
        }
        var passthrough = TemporalSmoother(radius: 0)
        XCTAssertEqual(passthrough.push(index: 3, map: [0.25]).map(\.map), [[0.25]])
        XCTAssertTrue(passthrough.flush().isEmpty)
        var single = TemporalSmoother(radius: 3)
        XCTAssertTrue(single.push(index: 0, map: [0.7]).isEmpty)
        XCTAssertEqual(single.flush().map(\.map), [[0.7]])
    }

    /// A truncated file (header says 60 frames, fewer decode): one mask per decodable frame, no leftovers.
    func testTruncatedVideoGetsOneMaskPerDecodableFrame() throws {
        let folder = try temporaryFolder(self)
        let source = repoRoot.appendingPathComponent("clips/orbit.mp4")
        let clip = folder.appendingPathComponent("cut.mp4")
        try Data(try Data(contentsOf: source).prefix(20000)).write(to: clip)
        let decodable = try VideoReader.countFrames(clip)
        XCTAssertGreaterThan(decodable, 0)
        XCTAssertLessThan(decodable, try VideoReader.probe(clip).frameCount, "the cut must remove frames the header lists")
        let config = try SegmentationConfig(yaml: """
            name: tiny
            kind: framegraph
            input: {width: 48, height: 32, frames: 3}
            architecture: {backbone_widths: [4, 4, 8, 8], key_channels: 4, iterations: 1, motion: true}
            training: {epochs: 1, steps_per_epoch: 1}
            data: {davis: none, train: [], val: []}
            """, source: "tiny.yaml")
        let out = folder.appendingPathComponent("masks")
        let written = try VideoSegmenter(model: FrameGraphSegmenter(config: config, seed: 1)).segment(clip, outFolder: out)
        XCTAssertEqual(written, decodable)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out.appendingPathComponent("cut").path).count, decodable)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out.path), ["cut"])
    }
}
