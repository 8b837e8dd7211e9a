import ArgumentParser
import Foundation
import Media

/// `vidgraph synth clips`: small synthetic sample videos (moving, deforming shapes over a moving texture).
struct SynthClips: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clips",
        abstract: "Draw the small synthetic sample clips (H.264 mp4) used by tests and examples.",
        discussion: "Deterministic for a given --seed: the same command writes the same pictures.")

    @Option(name: .long, help: "Output folder (created if missing).")
    var out: String = "clips"

    @Option(name: .long, help: "Random seed.")
    var seed: UInt64 = 7

    @Option(name: .long, help: "Frames per clip.")
    var frames: Int = 60

    @Option(name: .long, help: "Frame width.")
    var width: Int = 320

    @Option(name: .long, help: "Frame height.")
    var height: Int = 240

    @Option(name: .long, help: "Frames per second.")
    var fps: Double = 24

    func validate() throws {
        if frames < 1 || frames > 10_000 { throw ValidationError("--frames must be in 1...10000") }
        if width < 16 || height < 16 || width > 4096 || height > 4096 { throw ValidationError("--width/--height must be in 16...4096") }
        if !(fps > 0 && fps <= 240) { throw ValidationError("--fps must be in (0, 240]") }
    }

    func run() throws {
        let dir = URL(fileURLWithPath: out)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for (i, scene) in ClipScene.all.enumerated() {
            let url = dir.appendingPathComponent(scene.name + ".mp4")
            var rng = SplitMix64(seed: seed &+ UInt64(i) &* 0x9E37_79B9)
            let painter = ClipPainter(scene: scene, width: width, height: height, rng: &rng)
            let writer = try VideoWriter(url: url, width: width, height: height, fps: fps, quality: .standard)
            var image = RGBImage(width: width, height: height)
            for t in 0..<frames {
                painter.draw(frame: t, of: frames, into: &image)
                try writer.append(image)
            }
            try writer.finish()
            let size = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? 0
            print("\(url.path)  \(width)x\(height)  \(frames) frames  \(size / 1024) KiB")
        }
    }
}

/// A deterministic 64-bit generator (SplitMix64).
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in [a, b).
    mutating func uniform(_ a: Double, _ b: Double) -> Double {
        a + (b - a) * Double(next() >> 11) / Double(1 << 53)
    }
}

/// What one sample clip shows.
struct ClipScene {
    var name: String
    /// Number of foreground shapes.
    var shapes: Int
    /// Background scroll speed in pixels per frame (x, y).
    var scroll: (Double, Double)
    /// Whether shapes change size and shape over time.
    var deform: Bool

    static let all = [
        ClipScene(name: "orbit", shapes: 2, scroll: (1.5, 0.5), deform: false),
        ClipScene(name: "deform", shapes: 1, scroll: (-0.8, 1.2), deform: true),
        ClipScene(name: "crowd", shapes: 4, scroll: (0.6, -0.4), deform: true),
    ]
}

/// Draws the frames of a `ClipScene`: a low-frequency coloured texture that scrolls, with
/// ellipses/squircles moving along Lissajous paths on top.
final class ClipPainter {
    struct Shape {
        var colour: (Double, Double, Double)
        var centre: (Double, Double)
        var amplitude: (Double, Double)
        var frequency: (Double, Double)
        var phase: (Double, Double)
        var radius: (Double, Double)
        var exponent: Double
        var spin: Double
    }

    let scene: ClipScene
    let width: Int
    let height: Int
    var shapes: [Shape] = []
    /// Texture waves: (kx, ky, phase, channel weights).
    var waves: [(Double, Double, Double, (Double, Double, Double))] = []

    init(scene: ClipScene, width: Int, height: Int, rng: inout SplitMix64) {
        self.scene = scene
        self.width = width
        self.height = height
        let w = Double(width), h = Double(height)
        for _ in 0..<6 {
            let angle = rng.uniform(0, 2 * .pi), k = rng.uniform(0.02, 0.08)
            waves.append((k * cos(angle), k * sin(angle), rng.uniform(0, 2 * .pi),
                          (rng.uniform(10, 30), rng.uniform(10, 30), rng.uniform(10, 30))))
        }
        let palette: [(Double, Double, Double)] = [(230, 60, 50), (40, 170, 240), (250, 210, 40), (70, 220, 110), (200, 80, 220)]
        let colourOffset = Int(rng.next() % UInt64(palette.count))
        for i in 0..<scene.shapes {
            let r = rng.uniform(0.1, 0.18) * min(w, h)
            shapes.append(Shape(
                colour: palette[(i + colourOffset) % palette.count],
                centre: (rng.uniform(0.35, 0.65) * w, rng.uniform(0.35, 0.65) * h),
                amplitude: (rng.uniform(0.15, 0.3) * w, rng.uniform(0.12, 0.25) * h),
                frequency: (rng.uniform(0.6, 1.4), rng.uniform(0.6, 1.4)),
                phase: (rng.uniform(0, 2 * .pi), rng.uniform(0, 2 * .pi)),
                radius: (r * rng.uniform(0.8, 1.3), r * rng.uniform(0.8, 1.3)),
                exponent: rng.uniform(2, 4), spin: rng.uniform(-0.05, 0.05)))
        }
    }

    /// Paints frame `t` (of `count`) into `image`.
    func draw(frame t: Int, of count: Int, into image: inout RGBImage) {
        let ft = Double(t)
        let ox = scene.scroll.0 * ft, oy = scene.scroll.1 * ft
        let phase = 2 * Double.pi * ft / Double(max(count, 1))
        // Shape poses for this frame.
        let poses = shapes.map { s -> (Double, Double, Double, Double, Double, Double) in
            let cx = s.centre.0 + s.amplitude.0 * sin(s.frequency.0 * phase + s.phase.0)
            let cy = s.centre.1 + s.amplitude.1 * sin(s.frequency.1 * phase + s.phase.1)
            let d = scene.deform ? 0.35 * sin(2 * phase + s.phase.0) : 0
            let rx = s.radius.0 * (1 + d), ry = s.radius.1 * (1 - d)
            let p = scene.deform ? s.exponent + 1.5 * sin(phase + s.phase.1) : s.exponent
            return (cx, cy, rx, ry, s.spin * ft, max(1.2, p))
        }
        image.pixels.withUnsafeMutableBufferPointer { px in
            for y in 0..<height {
                for x in 0..<width {
                    let bx = Double(x) + ox, by = Double(y) + oy
                    var r = 110.0, g = 115.0, b = 120.0
                    for wv in waves {
                        let v = sin(wv.0 * bx + wv.1 * by + wv.2)
                        r += wv.3.0 * v; g += wv.3.1 * v; b += wv.3.2 * v
                    }
                    // Checker texture so motion is visible to block matching.
                    if (Int((bx / 16).rounded(.down)) + Int((by / 16).rounded(.down))) & 1 == 0 { r -= 18; g -= 18; b -= 18 }
                    for (k, pose) in poses.enumerated() {
                        let dx = Double(x) - pose.0, dy = Double(y) - pose.1
                        let c = cos(pose.4), s = sin(pose.4)
                        let u = abs((c * dx + s * dy) / pose.2), v = abs((-s * dx + c * dy) / pose.3)
                        let dist = pow(u, pose.5) + pow(v, pose.5)
                        if dist <= 1 {
                            let shade = 0.75 + 0.25 * (1 - dist)
                            let col = shapes[k].colour
                            r = col.0 * shade; g = col.1 * shade; b = col.2 * shade
                        }
                    }
                    let i = (y * width + x) * 3
                    px[i] = UInt8(max(0, min(255, r)))
                    px[i + 1] = UInt8(max(0, min(255, g)))
                    px[i + 2] = UInt8(max(0, min(255, b)))
                }
            }
        }
    }
}
