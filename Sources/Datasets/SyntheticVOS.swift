import Foundation
import Media

/// Synthetic primary-object video segmentation clips (DAVIS-like), a pure function of `(seed, index)`.
///
/// Each clip shows one textured foreground object, a smooth blob whose radius is a random Fourier
/// series `r(θ, t) = R (1 + Σ_k a_k(t) cos(kθ + φ_k(t)))` (k = 2...5) that deforms, rotates and
/// squashes over time while following its own Lissajous path, over a textured background seen by a
/// panning and zooming camera. Background distractors (other blobs) enter and leave the frame and are
/// not in the mask; one occluder passes in front of the object and the mask excludes the covered part.
/// Lighting changes over time (global gain, colour cast, a moving gradient). Edges are anti-aliased;
/// the mask is the set of pixels where the visible object covers more than half the pixel.
///
/// Textures are procedural fractal value noise in random colours, or random crops of the given
/// images (e.g. DAVIS frames) when `textures` is not empty.
public struct SyntheticVOS: Sendable {
    /// Frame width in pixels.
    public let width: Int
    /// Frame height in pixels.
    public let height: Int
    /// Frames per clip.
    public let frameCount: Int
    /// Seed of the random stream.
    public let seed: UInt64
    /// Images cropped for textures; procedural textures when empty.
    public let textures: [RGBImage]
    /// `textures` as float textures (converted once).
    private let sources: [Texture]

    /// A generator of `width` x `height` clips of `frameCount` frames.
    public init(width: Int = 320, height: Int = 240, frameCount: Int = 30, seed: UInt64, textures: [RGBImage] = []) throws {
        guard width >= 32, height >= 32, width <= 4096, height <= 4096 else {
            throw DatasetError.invalidArgument("SyntheticVOS: size \(width)x\(height) must be within 32...4096 on each side")
        }
        guard frameCount >= 1, frameCount <= 10_000 else {
            throw DatasetError.invalidArgument("SyntheticVOS: frame count \(frameCount) must be within 1...10000")
        }
        self.width = width
        self.height = height
        self.frameCount = frameCount
        self.seed = seed
        self.textures = textures
        self.sources = textures.map { Texture(width: $0.width, height: $0.height, pixels: $0.pixels.map(Float.init)) }
    }

    /// Name of clip `index` in the DAVIS layout (`synth-00042`).
    public static func sequenceName(index: Int) -> String {
        "synth-" + String(format: "%05d", index)
    }

    /// A blob: base radius, Fourier amplitudes/phases with their time modulation, texture.
    struct Blob {
        var radius: Float
        var amplitudes: [Float]  // [4], harmonics 2...5
        var phases: [Float]
        var phaseSpeeds: [Float]
        var amplitudeSpeeds: [Float]
        var rotation: Float
        var rotationSpeed: Float
        var squash: Float
        var squashSpeed: Float
        var texture: Texture
        var textureScale: Float

        /// `[256]` radius per angle step at time `t` (frames).
        func radii(at t: Float) -> [Float] {
            (0..<256).map { i in
                let theta = Float(i) / 256 * 2 * .pi
                var r: Float = 1
                for k in 0..<amplitudes.count {
                    let a = amplitudes[k] * (1 + 0.5 * sin(amplitudeSpeeds[k] * t + phases[k] * 1.7))
                    r += a * cos(Float(k + 2) * theta + phases[k] + phaseSpeeds[k] * t)
                }
                return radius * r
            }
        }
    }

    /// Where a blob is drawn in one frame.
    struct Placement {
        var centre: SIMD2<Float>
        var radii: [Float]
        var rotation: Float
        var squash: Float
        var maxRadius: Float
    }

    /// A blob with the path it follows.
    struct Actor {
        var blob: Blob
        var path: (Float) -> SIMD2<Float>
    }

    /// Clip `index`: `frameCount` RGB frames and their {0, 255} masks of the foreground object.
    public func clip(index: Int) -> (frames: [RGBImage], masks: [GrayImage]) {
        var rng = SeededRandom(seeds: seed, 0x564F53, UInt64(bitPattern: Int64(index)))
        let W = Float(width), H = Float(height), T = Float(max(frameCount - 1, 1))
        let side = min(W, H)

        func texture(_ w: Int, _ h: Int) -> Texture {
            if textures.isEmpty { return Texture.procedural(width: w, height: h, rng: &rng) }
            return Texture.crop(of: sources[rng.int(0, sources.count)], width: w, height: h, rng: &rng)
        }
        func blob(radius: Float, wobble: Float) -> Blob {
            let amps = (0..<4).map { k in Float(rng.uniform(0, Double(wobble) / Double(k + 2))) }
            let size = max(16, Int(radius * 2.6))
            return Blob(radius: radius, amplitudes: amps,
                        phases: (0..<4).map { _ in Float(rng.uniform(0, 2 * .pi)) },
                        phaseSpeeds: (0..<4).map { _ in Float(rng.uniform(-0.12, 0.12)) },
                        amplitudeSpeeds: (0..<4).map { _ in Float(rng.uniform(0.05, 0.25)) },
                        rotation: Float(rng.uniform(0, 2 * .pi)), rotationSpeed: Float(rng.uniform(-0.06, 0.06)),
                        squash: Float(rng.uniform(0, 0.15)), squashSpeed: Float(rng.uniform(0.1, 0.3)),
                        texture: texture(size, size), textureScale: 1)
        }

        // Background and camera: the view covers 1/zoom of the frame size around a panning centre.
        let bgW = Int(W * 1.5), bgH = Int(H * 1.5)
        let background = texture(bgW, bgH)
        let pan0 = SIMD2<Float>(Float(rng.uniform(0.6, 0.9)) * W, Float(rng.uniform(0.6, 0.9)) * H)
        let pan1 = SIMD2<Float>(Float(rng.uniform(0.6, 0.9)) * W, Float(rng.uniform(0.6, 0.9)) * H)
        let zoom0 = Float(rng.uniform(0.85, 1.05)), zoom1 = Float(rng.uniform(0.85, 1.05))

        // Foreground object.
        let objRadius = Float(rng.uniform(0.14, 0.22)) * side
        let object = blob(radius: objRadius, wobble: 0.4)
        let objStart = SIMD2<Float>(Float(rng.uniform(0.35, 0.65)) * W, Float(rng.uniform(0.35, 0.65)) * H)
        let objAmp = SIMD2<Float>(Float(rng.uniform(0.05, 0.15)) * W, Float(rng.uniform(0.05, 0.15)) * H)
        let objFreq = SIMD2<Float>(Float(rng.uniform(0.5, 2.0)), Float(rng.uniform(0.5, 2.0))) * (2 * .pi / T)
        let objPhase = SIMD2<Float>(Float(rng.uniform(0, 2 * .pi)), Float(rng.uniform(0, 2 * .pi)))
        let objectPath: (Float) -> SIMD2<Float> = { t in
            objStart + objAmp * SIMD2(sin(objFreq.x * t + objPhase.x) - sin(objPhase.x), sin(objFreq.y * t + objPhase.y) - sin(objPhase.y))
        }

        // Distractors behind the object: enter through one edge, leave through another.
        var distractors: [Actor] = []
        for _ in 0..<rng.int(1, 4) {
            let r = Float(rng.uniform(0.07, 0.15)) * side
            let b = blob(radius: r, wobble: 0.3)
            func edgePoint(_ edge: Int) -> SIMD2<Float> {
                let m = r * 1.6
                switch edge {
                case 0: return SIMD2(-m, Float(rng.uniform(0, Double(H))))
                case 1: return SIMD2(W + m, Float(rng.uniform(0, Double(H))))
                case 2: return SIMD2(Float(rng.uniform(0, Double(W))), -m)
                default: return SIMD2(Float(rng.uniform(0, Double(W))), H + m)
                }
            }
            let e0 = rng.int(0, 4)
            var e1 = rng.int(0, 3); if e1 >= e0 { e1 += 1 }
            let p0 = edgePoint(e0), p1 = edgePoint(e1)
            let t0 = Float(rng.uniform(-0.3, 0.5)) * T
            let t1 = t0 + Float(rng.uniform(0.5, 1.0)) * T
            distractors.append(Actor(blob: b, path: { t in p0 + (p1 - p0) * ((t - t0) / (t1 - t0)) }))
        }

        // Occluder in front: crosses the object's path around the middle of the clip, off-centre.
        let occRadius = objRadius * Float(rng.uniform(0.3, 0.45))
        let occluderBlob = blob(radius: occRadius, wobble: 0.15)
        let tMid = Float(rng.uniform(0.3, 0.7)) * T
        let angle = Float(rng.uniform(0, 2 * .pi))
        let dir = SIMD2<Float>(cos(angle), sin(angle))
        let normal = SIMD2<Float>(-dir.y, dir.x)
        let speed = (W + H) / T * Float(rng.uniform(0.6, 1.2))
        let side0 = Float(rng.uniform(-0.6, 0.6)) * objRadius
        let mid = objectPath(tMid)
        let occluder = Actor(blob: occluderBlob, path: { t in mid + dir * speed * (t - tMid) + normal * side0 })

        // Lighting.
        let gainAmp = Float(rng.uniform(0.1, 0.3)), gainFreq = Float(rng.uniform(0.5, 1.5)) * 2 * .pi / T
        let gainPhase = Float(rng.uniform(0, 2 * .pi))
        let cast0 = SIMD3<Float>(Float(rng.uniform(0.9, 1.1)), Float(rng.uniform(0.9, 1.1)), Float(rng.uniform(0.9, 1.1)))
        let cast1 = SIMD3<Float>(Float(rng.uniform(0.9, 1.1)), Float(rng.uniform(0.9, 1.1)), Float(rng.uniform(0.9, 1.1)))
        let gradAngle0 = Float(rng.uniform(0, 2 * .pi)), gradTurn = Float(rng.uniform(-1, 1))
        let gradStrength = Float(rng.uniform(0.1, 0.3))

        func place(_ b: Blob, _ c: SIMD2<Float>, _ t: Float) -> Placement {
            let radii = b.radii(at: t)
            return Placement(centre: c, radii: radii, rotation: b.rotation + b.rotationSpeed * t,
                             squash: b.squash * sin(b.squashSpeed * t), maxRadius: (radii.max() ?? 0) * (1 + abs(b.squash)) + 1)
        }

        var frames: [RGBImage] = []
        var masks: [GrayImage] = []
        frames.reserveCapacity(frameCount)
        masks.reserveCapacity(frameCount)
        var colour = [Float](repeating: 0, count: width * height * 3)  // [H, W, 3]
        var objectAlpha = [Float](repeating: 0, count: width * height)  // [H, W]
        for f in 0..<frameCount {
            let t = Float(f)
            let u = t / T
            // Background through the camera.
            let centre = pan0 + (pan1 - pan0) * (u * u * (3 - 2 * u))
            let zoom = zoom0 + (zoom1 - zoom0) * u
            for y in 0..<height {
                for x in 0..<width {
                    let c = background.sample(centre.x + (Float(x) + 0.5 - W / 2) / zoom, centre.y + (Float(y) + 0.5 - H / 2) / zoom)
                    let k = (y * width + x) * 3
                    colour[k] = c.x; colour[k + 1] = c.y; colour[k + 2] = c.z
                }
            }
            for d in distractors { draw(place(d.blob, d.path(t), t), d.blob, into: &colour, alpha: nil, mode: .paint) }
            for k in 0..<objectAlpha.count { objectAlpha[k] = 0 }
            draw(place(object, objectPath(t), t), object, into: &colour, alpha: &objectAlpha, mode: .paint)
            draw(place(occluder.blob, occluder.path(t), t), occluder.blob, into: &colour, alpha: &objectAlpha, mode: .occlude)
            // Lighting and quantisation.
            let gain = 1 + gainAmp * sin(gainFreq * t + gainPhase)
            let cast = cast0 + (cast1 - cast0) * u
            let ga = gradAngle0 + gradTurn * u
            let g = SIMD2<Float>(cos(ga), sin(ga)) * gradStrength
            var rgb = RGBImage(width: width, height: height)
            var mask = GrayImage(width: width, height: height)
            for y in 0..<height {
                for x in 0..<width {
                    let p = y * width + x
                    let light = gain * (1 + g.x * ((Float(x) + 0.5) / W - 0.5) + g.y * ((Float(y) + 0.5) / H - 0.5))
                    for ch in 0..<3 {
                        rgb.pixels[p * 3 + ch] = UInt8(min(255, max(0, colour[p * 3 + ch] * light * cast[ch])).rounded())
                    }
                    mask.pixels[p] = objectAlpha[p] > 0.5 ? 255 : 0
                }
            }
            frames.append(rgb)
            masks.append(mask)
        }
        return (frames, masks)
    }

    enum DrawMode { case paint, occlude }

    /// Composites a blob over `colour` with anti-aliased edges; `.paint` also raises `alpha` to the
    /// blob's coverage, `.occlude` lowers `alpha` by the blob's coverage (the blob hides the object).
    private func draw(_ p: Placement, _ b: Blob, into colour: inout [Float], alpha: UnsafeMutablePointer<[Float]>?, mode: DrawMode) {
        let x0 = max(0, Int((p.centre.x - p.maxRadius).rounded(.down))), x1 = min(width - 1, Int((p.centre.x + p.maxRadius).rounded(.up)))
        let y0 = max(0, Int((p.centre.y - p.maxRadius).rounded(.down))), y1 = min(height - 1, Int((p.centre.y + p.maxRadius).rounded(.up)))
        guard x0 <= x1, y0 <= y1 else { return }
        let (cr, sr) = (cos(p.rotation), sin(p.rotation))
        let sx = 1 + p.squash, sy = 1 / (1 + p.squash)
        let half = Float(b.texture.width) / 2
        for y in y0...y1 {
            for x in x0...x1 {
                let d = SIMD2<Float>(Float(x) + 0.5, Float(y) + 0.5) - p.centre
                // Into the blob frame: unrotate, unsquash.
                let lx = (cr * d.x + sr * d.y) / sx, ly = (-sr * d.x + cr * d.y) / sy
                let rho = (lx * lx + ly * ly).squareRoot()
                var a = atan2(ly, lx)
                if a < 0 { a += 2 * .pi }
                let fi = a / (2 * .pi) * 256
                let i0 = Int(fi) & 255, i1 = (i0 + 1) & 255, w = fi - Float(Int(fi))
                let r = p.radii[i0] * (1 - w) + p.radii[i1] * w
                let coverage = min(1, max(0, (r - rho) * min(sx, sy) + 0.5))
                guard coverage > 0 else { continue }
                let k = y * width + x
                if mode == .occlude, let alpha { alpha.pointee[k] *= (1 - coverage) }
                if mode == .paint, let alpha { alpha.pointee[k] = max(alpha.pointee[k], coverage) }
                var c = b.texture.sample(half + lx, half + ly)
                c *= 0.7 + 0.3 * (max(0, 1 - (rho / max(r, 1)) * (rho / max(r, 1)))).squareRoot()
                for ch in 0..<3 { colour[k * 3 + ch] = colour[k * 3 + ch] * (1 - coverage) + c[ch] * coverage }
            }
        }
    }
}
