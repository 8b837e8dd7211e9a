import Datasets
import Foundation
import Media

/// A training or validation clip held in memory at a fixed size: RGB `[3, H, W]` per frame (0...1),
/// motion cue `[3, H, W]` per frame (zeros when the model has no motion input), mask `[H, W]` in {0, 1}.
public struct SegmentationClip: Sendable {
    public var name: String
    public var width: Int
    public var height: Int
    public var frames: [[Float]]
    public var motion: [[Float]]
    public var masks: [[Float]]

    /// Builds a clip from RGB images and gray masks, resizing to `width` x `height` and computing motion
    /// cues (with `motionWarp`'s flow).
    public init(name: String, images: [RGBImage], masks: [GrayImage], width: Int, height: Int, motion: Bool,
                motionWarp: OpticalFlow.Warp = .pixelwise) {
        precondition(images.count == masks.count && !images.isEmpty, "SegmentationClip: \(images.count) images vs \(masks.count) masks")
        self.name = name
        self.width = width
        self.height = height
        frames = images.map { Self.chw($0, width: width, height: height) }
        self.masks = masks.map { m in
            OpticalFlow.resizePlane(m.pixels.map { $0 >= 128 ? 1 : 0 }, width: m.width, height: m.height, toWidth: width, toHeight: height)
                .map { $0 >= 0.5 ? 1 : 0 }
        }
        var cues: [[Float]] = []
        for i in frames.indices {
            cues.append(motion ? MotionCue.fromFrames(previous: i > 0 ? frames[i - 1] : nil, current: frames[i], width: width, height: height, warp: motionWarp)
                               : [])
        }
        self.motion = cues
    }

    /// `[3, H, W]` floats in [0, 1] of an RGB image resized bilinearly (half-pixel centres, clamped
    /// borders: `OpticalFlow.resizePlane` of each channel as floats). Samples the 8-bit pixels directly,
    /// so only the 4 source pixels of each output value are converted (same arithmetic, same result).
    public static func chw(_ image: RGBImage, width: Int, height: Int) -> [Float] {
        let w = image.width, h = image.height, plane = width * height
        var out = [Float](repeating: 0, count: 3 * plane)
        image.pixels.withUnsafeBufferPointer { px in
            out.withUnsafeMutableBufferPointer { dst in
                @inline(__always) func value(_ i: Int, _ c: Int) -> Float { Float(px[3 * i + c]) / 255 }
                if w == width && h == height {
                    for i in 0..<plane { for c in 0..<3 { dst[c * plane + i] = value(i, c) } }
                    return
                }
                let sx = Float(w) / Float(width), sy = Float(h) / Float(height)
                // Per output column: the two source columns and the weight (as OpticalFlow.bilinear).
                var x0s = [Int](repeating: 0, count: width), x1s = x0s, fxs = [Float](repeating: 0, count: width)
                for x in 0..<width {
                    let xc = Swift.min(Swift.max((Float(x) + 0.5) * sx - 0.5, 0), Float(w - 1))
                    x0s[x] = Int(xc); x1s[x] = Swift.min(x0s[x] + 1, w - 1); fxs[x] = xc - Float(x0s[x])
                }
                for y in 0..<height {
                    let yc = Swift.min(Swift.max((Float(y) + 0.5) * sy - 0.5, 0), Float(h - 1))
                    let y0 = Int(yc), y1 = Swift.min(y0 + 1, h - 1), fy = yc - Float(y0)
                    for x in 0..<width {
                        let x0 = x0s[x], x1 = x1s[x], fx = fxs[x]
                        for c in 0..<3 {
                            let top = value(y0 * w + x0, c) * (1 - fx) + value(y0 * w + x1, c) * fx
                            let bottom = value(y1 * w + x0, c) * (1 - fx) + value(y1 * w + x1, c) * fx
                            dst[c * plane + y * width + x] = top * (1 - fy) + bottom * fy
                        }
                    }
                }
            }
        }
        return out
    }

    /// The model input `[C_in, outH, outW]` and mask `[outH, outW]` of frame `index`, cropped to the
    /// window (x0, y0, cw, ch) in clip pixels, resized, optionally mirrored, colour-jittered (per-channel
    /// gains, bias) and turned grey; `rgb` / `motion` choose which planes the input holds. The motion
    /// planes are multiplied by `motionGain` (output pixels per clip pixel, to express the cue in input
    /// pixels) and clamped to ±`MotionCue.limit` again.
    func sample(_ index: Int, crop: (x: Float, y: Float, w: Float, h: Float), outWidth: Int, outHeight: Int,
                flip: Bool, gains: [Float], bias: Float, grayscale: Bool = false, rgb: Bool = true, motion: Bool,
                motionGain: Float = 1) -> (input: [Float], mask: [Float]) {
        let plane = width * height, outPlane = outWidth * outHeight
        func resample(_ p: ArraySlice<Float>) -> [Float] {
            let src = Array(p)
            var out = [Float](repeating: 0, count: outPlane)
            let sx = crop.w / Float(outWidth), sy = crop.h / Float(outHeight)
            for y in 0..<outHeight {
                let fy = crop.y + (Float(y) + 0.5) * sy - 0.5
                for x in 0..<outWidth {
                    let xx = flip ? outWidth - 1 - x : x
                    out[y * outWidth + x] = OpticalFlow.bilinear(src, width, height, crop.x + (Float(xx) + 0.5) * sx - 0.5, fy)
                }
            }
            return out
        }
        var input: [Float] = []
        input.reserveCapacity(((rgb ? 3 : 0) + (motion ? 3 : 0)) * outPlane)
        if rgb {
            var planes = (0..<3).map { c in resample(frames[index][(c * plane)..<((c + 1) * plane)]).map { min(1, max(0, $0 * gains[c] + bias)) } }
            if grayscale {   // ITU-R BT.601 luma in all three channels
                let luma = (0..<outPlane).map { 0.299 * planes[0][$0] + 0.587 * planes[1][$0] + 0.114 * planes[2][$0] }
                planes = [luma, luma, luma]
            }
            for channel in planes { input += channel }
        }
        if motion {
            for c in 0..<3 {
                let sign: Float = (c == 0 && flip) ? -1 : 1   // mirroring negates horizontal motion
                let cue = resample(self.motion[index][(c * plane)..<((c + 1) * plane)])
                input += motionGain == 1 ? cue.map { $0 * sign }
                                         : cue.map { max(-MotionCue.limit, min(MotionCue.limit, $0 * motionGain)) * sign }
            }
        }
        let mask = resample(masks[index][0..<plane]).map { $0 >= 0.5 ? Float(1) : 0 }
        return (input, mask)
    }
}
