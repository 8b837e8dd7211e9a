import Foundation
import Media

/// A float RGB texture sampled bilinearly with mirrored borders; values in 0...255.
struct Texture: Sendable {
    let width: Int
    let height: Int
    /// `[height * width * 3]`, interleaved.
    var pixels: [Float]

    init(width: Int, height: Int, pixels: [Float]) {
        precondition(pixels.count == width * height * 3, "Texture: \(pixels.count) values for \(width)x\(height)x3")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// Mirrors an integer coordinate into 0..<n.
    @inline(__always) private static func mirror(_ i: Int, _ n: Int) -> Int {
        let period = 2 * n
        var m = i % period
        if m < 0 { m += period }
        return m < n ? m : period - 1 - m
    }

    /// Bilinear sample at continuous pixel coordinates (pixel centres at +0.5).
    @inline(__always) func sample(_ x: Float, _ y: Float) -> SIMD3<Float> {
        let fx = x - 0.5, fy = y - 0.5
        let x0f = fx.rounded(.down), y0f = fy.rounded(.down)
        let ax = fx - x0f, ay = fy - y0f
        let x0 = Int(x0f), y0 = Int(y0f)
        let xa = Texture.mirror(x0, width), xb = Texture.mirror(x0 + 1, width)
        let ya = Texture.mirror(y0, height), yb = Texture.mirror(y0 + 1, height)
        return pixels.withUnsafeBufferPointer { p in
            func px(_ x: Int, _ y: Int) -> SIMD3<Float> {
                let k = (y * width + x) * 3
                return SIMD3(p[k], p[k + 1], p[k + 2])
            }
            let top = px(xa, ya) * (1 - ax) + px(xb, ya) * ax
            let bottom = px(xa, yb) * (1 - ax) + px(xb, yb) * ax
            return top * (1 - ay) + bottom * ay
        }
    }

    /// Fractal value noise in two or three random colours, a pure function of `rng`'s state.
    static func procedural(width: Int, height: Int, rng: inout SeededRandom) -> Texture {
        let octaves = 5
        let baseCell = max(4, rng.uniform(0.12, 0.35) * Double(min(width, height)))
        let lacunarity = 2.0
        let gain = rng.uniform(0.4, 0.65)
        let latticeSeed = rng.next()
        func lattice(_ ix: Int, _ iy: Int, _ o: Int) -> Float {
            var h = latticeSeed ^ (UInt64(bitPattern: Int64(ix)) &* 0x9E37_79B9_7F4A_7C15)
            h ^= UInt64(bitPattern: Int64(iy)) &* 0xC2B2_AE3D_27D4_EB4F
            h ^= UInt64(o) &* 0x1656_67B1_9E37_79F9
            return Float(SeededRandom.splitMix64(&h) >> 40) / Float(1 << 24)
        }
        func smooth(_ t: Float) -> Float { t * t * (3 - 2 * t) }
        var noise = [Float](repeating: 0, count: width * height)  // [height * width]
        var detail = [Float](repeating: 0, count: width * height)
        var amplitude: Float = 1, total: Float = 0
        var cell = baseCell
        for o in 0..<octaves {
            for y in 0..<height {
                let fy = Float(Double(y) / cell), iy = Int(fy.rounded(.down)), ty = smooth(fy - Float(iy))
                for x in 0..<width {
                    let fx = Float(Double(x) / cell), ix = Int(fx.rounded(.down)), tx = smooth(fx - Float(ix))
                    let a = lattice(ix, iy, o), b = lattice(ix + 1, iy, o)
                    let c = lattice(ix, iy + 1, o), d = lattice(ix + 1, iy + 1, o)
                    let v = (a * (1 - tx) + b * tx) * (1 - ty) + (c * (1 - tx) + d * tx) * ty
                    if o < 2 { noise[y * width + x] += v * amplitude } else { detail[y * width + x] += v * amplitude }
                }
            }
            total += o < 2 ? amplitude : 0
            amplitude *= Float(gain)
            cell /= lacunarity
        }
        func colour() -> SIMD3<Float> {
            SIMD3(Float(rng.uniform(20, 235)), Float(rng.uniform(20, 235)), Float(rng.uniform(20, 235)))
        }
        let c1 = colour(), c2 = colour(), c3 = colour()
        let threeColours = rng.chance(0.5)
        let contrast = Float(rng.uniform(2, 5))
        var pixels = [Float](repeating: 0, count: width * height * 3)
        for k in 0..<(width * height) {
            let n = noise[k] / total  // ~[0, 1]
            let t = 1 / (1 + exp(-contrast * (n - 0.5) * 4))
            var c = c1 * (1 - t) + c2 * t
            if threeColours { let s = max(0, min(1, (n - 0.62) * 6)); c = c * (1 - s) + c3 * s }
            c *= 0.75 + 1.0 * (detail[k] - 0.25)
            pixels[k * 3] = min(255, max(0, c.x))
            pixels[k * 3 + 1] = min(255, max(0, c.y))
            pixels[k * 3 + 2] = min(255, max(0, c.z))
        }
        return Texture(width: width, height: height, pixels: pixels)
    }

    /// A random crop of `image` (mirrored when too small), optionally flipped, with its colour
    /// channels permuted or not, resampled to `width` x `height`.
    static func crop(of source: Texture, width: Int, height: Int, rng: inout SeededRandom) -> Texture {
        let image = source
        let scale = Float(rng.uniform(0.5, 1.0)) * min(1, Float(image.width) / Float(width), Float(image.height) / Float(height)) * 1.0
        let cw = Float(width) * max(scale, 0.25), ch = Float(height) * max(scale, 0.25)
        let ox = Float(rng.uniform(0, max(0, Double(Float(image.width) - cw))))
        let oy = Float(rng.uniform(0, max(0, Double(Float(image.height) - ch))))
        let flip = rng.chance(0.5)
        let perm = [[0, 1, 2], [0, 1, 2], [2, 1, 0], [1, 2, 0], [1, 0, 2]][rng.int(0, 5)]
        var pixels = [Float](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                let u = (flip ? Float(width - 1 - x) : Float(x)) + 0.5
                let c = source.sample(ox + u * cw / Float(width), oy + (Float(y) + 0.5) * ch / Float(height))
                let k = (y * width + x) * 3
                pixels[k] = c[perm[0]]; pixels[k + 1] = c[perm[1]]; pixels[k + 2] = c[perm[2]]
            }
        }
        return Texture(width: width, height: height, pixels: pixels)
    }
}
