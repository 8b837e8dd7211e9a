import Foundation
import Media

/// A per-video colour model of the primary object, learned at test time from the segmenter's own
/// confident pixels (no annotation), in the spirit of the appearance stage of FST (Papazoglou & Ferrari,
/// "Fast Object Segmentation in Unconstrained Video", ICCV 2013) and GrabCut's colour models:
///
///     H_f = histogram of the colours of pixels with p ≥ hi,  H_b = the same for p ≤ lo  (each normalised),
///     a(c) = (H_f(c) + e) / (H_f(c) + H_b(c) + 2e),        e = 1 / bins (Laplace prior),
///     p'   = σ(logit p + w · logit a(c)),
///
/// colours quantised to 32 levels per channel (32,768 bins; 16 levels scored lower in cross-validation).
/// A from-scratch model trained on few real sequences finds the object's place and motion in an unseen video but bleeds past its boundary
/// (README, segmentation); the video's own colours then pull each pixel towards object or
/// background. The histograms grow with every frame seen, so memory stays fixed (2 x 32,768 counts).
public struct AppearanceModel: Sendable {
    /// Bits kept per colour channel (32 levels).
    public static let bitsPerChannel = 5
    public static let bins = 1 << (3 * bitsPerChannel)

    /// Probability at or above which a pixel counts as object colour, at or below which as background.
    public var foregroundThreshold: Float
    public var backgroundThreshold: Float
    /// Weight w of the colour log-odds.
    public var weight: Float
    /// Every `stride`-th pixel of every `stride`-th row enters the histograms.
    public var stride: Int
    private var foreground = [Double](repeating: 0, count: AppearanceModel.bins)
    private var background = [Double](repeating: 0, count: AppearanceModel.bins)
    private var foregroundTotal = 0.0, backgroundTotal = 0.0

    /// `weight` has no default here: `VideoSegmenter.Options.defaultAppearanceWeight` is the tool's default.
    public init(weight: Float, foregroundThreshold: Float = 0.85, backgroundThreshold: Float = 0.3, stride: Int = 2) {
        self.weight = weight
        self.foregroundThreshold = foregroundThreshold
        self.backgroundThreshold = backgroundThreshold
        self.stride = max(1, stride)
    }

    /// Histogram bin of the pixel at byte offset `o` of an interleaved RGB buffer.
    @inline(__always)
    static func bin(_ px: UnsafeBufferPointer<UInt8>, _ o: Int) -> Int {
        let s = 8 - bitsPerChannel
        return (Int(px[o] >> s) << (2 * bitsPerChannel)) | (Int(px[o + 1] >> s) << bitsPerChannel) | Int(px[o + 2] >> s)
    }

    /// Adds a frame's confident pixels; `probabilities` is `[H * W]` at the image's size.
    public mutating func accumulate(image: RGBImage, probabilities p: [Float]) {
        precondition(p.count == image.width * image.height, "AppearanceModel: \(p.count) probabilities for a \(image.width)x\(image.height) frame")
        let w = image.width, hi = foregroundThreshold, lo = backgroundThreshold
        image.pixels.withUnsafeBufferPointer { px in
            p.withUnsafeBufferPointer { prob in
                for y in Swift.stride(from: 0, to: image.height, by: stride) {
                    for x in Swift.stride(from: 0, to: w, by: stride) {
                        let i = y * w + x
                        if prob[i] >= hi {
                            foreground[Self.bin(px, 3 * i)] += 1; foregroundTotal += 1
                        } else if prob[i] <= lo {
                            background[Self.bin(px, 3 * i)] += 1; backgroundTotal += 1
                        }
                    }
                }
            }
        }
    }

    /// Pixels counted so far as object and as background colour.
    public var counts: (foreground: Int, background: Int) { (Int(foregroundTotal), Int(backgroundTotal)) }

    /// w · logit a(c) for every bin: a snapshot that `refine` applies (safe to use on another thread
    /// while the model keeps learning). All zeros (no change) until both classes have pixels.
    public func logOddsTable() -> [Float] {
        guard foregroundTotal > 0 && backgroundTotal > 0 else { return [Float](repeating: 0, count: Self.bins) }
        let e = 1 / Double(Self.bins)
        return (0..<Self.bins).map { b in
            let f = foreground[b] / foregroundTotal + e, g = background[b] / backgroundTotal + e
            return weight * Float(log(f / g))
        }
    }

    /// p' = σ(logit p + table[c]) per pixel (p clamped to [1e-4, 1 − 1e-4] first), computed as
    /// p' = p·T / (p·T + 1 − p) with T = exp(table[c]).
    public static func refine(image: RGBImage, probabilities p: [Float], table: [Float]) -> [Float] {
        precondition(p.count == image.width * image.height && table.count == bins)
        let odds = table.map { exp($0) }
        var out = [Float](repeating: 0, count: p.count)
        image.pixels.withUnsafeBufferPointer { px in
            p.withUnsafeBufferPointer { prob in
                odds.withUnsafeBufferPointer { t in
                    out.withUnsafeMutableBufferPointer { o in
                        for i in 0..<prob.count {
                            let q = min(max(prob[i], 1e-4), 1 - 1e-4)
                            let scaled = q * t[bin(px, 3 * i)]
                            o[i] = scaled / (scaled + 1 - q)
                        }
                    }
                }
            }
        }
        return out
    }
}
