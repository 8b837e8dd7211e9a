import Foundation
import Media

/// Procedural handwritten-like digits for when no MNIST files are given, so a fresh clone can
/// still make SyncMNIST data.
///
/// Each class 0...9 is a fixed set of polylines (straight strokes and elliptic arcs) in a unit box;
/// a sample jitters the vertices, slants, rotates, scales and thickens it, then strokes it with an
/// anti-aliased pen into a 28x28 image with the MNIST look (white ink on black, digit ~20 px high,
/// centred).
public enum ProceduralDigits {
    /// Unit-box polylines of each digit (x right, y down, both in 0...1).
    static let glyphs: [[[SIMD2<Double>]]] = {
        func arc(_ cx: Double, _ cy: Double, _ rx: Double, _ ry: Double,
                 _ a0: Double, _ a1: Double, _ n: Int = 12) -> [SIMD2<Double>] {
            (0...n).map { k in
                let a = (a0 + (a1 - a0) * Double(k) / Double(n)) * Double.pi / 180
                return SIMD2(cx + rx * cos(a), cy + ry * sin(a))
            }
        }
        func p(_ x: Double, _ y: Double) -> SIMD2<Double> { SIMD2(x, y) }
        return [
            [arc(0.5, 0.5, 0.5, 0.5, 0, 360, 20)],
            [[p(0.25, 0.22), p(0.6, 0.0), p(0.6, 1.0)]],
            [arc(0.5, 0.3, 0.5, 0.3, 180, 395, 12) + [p(0.0, 1.0), p(1.0, 1.0)]],
            [arc(0.5, 0.26, 0.45, 0.26, 200, 450, 10), arc(0.5, 0.73, 0.5, 0.27, 270, 520, 10)],
            [[p(0.72, 1.0), p(0.72, 0.0), p(0.0, 0.66), p(1.0, 0.66)]],
            [[p(0.95, 0.0), p(0.15, 0.0), p(0.1, 0.45)] + arc(0.45, 0.68, 0.5, 0.32, 225, 520, 12)],
            [[p(0.85, 0.0), p(0.4, 0.22), p(0.08, 0.6)], arc(0.5, 0.7, 0.42, 0.3, 0, 360, 16)],
            [[p(0.0, 0.0), p(1.0, 0.0), p(0.35, 1.0)]],
            [arc(0.5, 0.24, 0.38, 0.24, 0, 360, 14), arc(0.5, 0.72, 0.48, 0.28, 0, 360, 16)],
            [arc(0.5, 0.3, 0.45, 0.3, 0, 360, 16), [p(0.95, 0.3), p(0.75, 1.0)]],
        ]
    }()

    /// Renders one random sample of `digit` (0...9) as a 28x28 image.
    public static func render(digit: Int, rng: inout SeededRandom) -> GrayImage {
        precondition((0...9).contains(digit), "ProceduralDigits.render: digit \(digit) not in 0...9")
        let height = rng.uniform(16, 21)
        let width = height * (digit == 1 ? 0.5 : rng.uniform(0.55, 0.75))
        let slant = rng.uniform(-0.3, 0.3)
        let angle = rng.uniform(-0.15, 0.15)
        let thickness = rng.uniform(1.6, 3.4)
        let jitter = 0.045
        let (ca, sa) = (cos(angle), sin(angle))
        // Unit box -> pixel coordinates centred at (14, 14).
        var strokes: [[SIMD2<Double>]] = []
        for line in glyphs[digit] {
            strokes.append(line.map { q in
                let ux = q.x + rng.uniform(-jitter, jitter) - 0.5
                let uy = q.y + rng.uniform(-jitter, jitter) - 0.5
                let x = ux * width - uy * height * slant
                let y = uy * height
                return SIMD2(14 + ca * x - sa * y, 14 + sa * x + ca * y)
            })
        }
        var segments: [(SIMD2<Double>, SIMD2<Double>)] = []
        for line in strokes where line.count >= 2 {
            for k in 0..<(line.count - 1) { segments.append((line[k], line[k + 1])) }
        }
        let half = thickness / 2
        var pixels = [UInt8](repeating: 0, count: 784)
        for y in 0..<28 {
            for x in 0..<28 {
                let c = SIMD2(Double(x) + 0.5, Double(y) + 0.5)
                var best = Double.infinity
                for (a, b) in segments {
                    let ab = b - a
                    let len2 = (ab * ab).sum()
                    let t = len2 > 0 ? min(1, max(0, ((c - a) * ab).sum() / len2)) : 0
                    let d = c - (a + t * ab)
                    best = min(best, (d * d).sum())
                }
                let coverage = min(1, max(0, half + 0.5 - best.squareRoot()))
                pixels[y * 28 + x] = UInt8((coverage * 255).rounded())
            }
        }
        return GrayImage(width: 28, height: 28, pixels: pixels)
    }

    /// A set of `perClass` samples of every digit (classes interleaved 0,1,...,9,0,1,...),
    /// a pure function of `seed`, in the same form as a loaded MNIST set.
    public static func makeSet(perClass: Int, seed: UInt64) -> MNIST {
        var pixels = [UInt8]()
        pixels.reserveCapacity(perClass * 10 * 784)
        var labels = [UInt8]()
        for i in 0..<(perClass * 10) {
            var rng = SeededRandom(seeds: seed, 0x9D16, UInt64(i))
            let digit = i % 10
            pixels += render(digit: digit, rng: &rng).pixels
            labels.append(UInt8(digit))
        }
        return MNIST(pixels: pixels, labels: labels)
    }
}
