import Foundation
import Media
import Tensors

/// Turns a video file or a folder of numbered frames into model inputs: decodes gray frames at the
/// model's size, then cuts `clips` temporal windows of `frames` consecutive sampled frames (starts
/// evenly spaced over the video; short videos repeat their last frame) and `crops` square crops
/// along the longer side (1 crop: the whole frame resized to a square, as in training); with
/// `reversed`, each window is also given played backwards (test-time augmentation for labels that do
/// not depend on the direction of time, e.g. SyncMNIST's synchronous pair); with `shift` P > 0, each
/// view is also given translated by (±P, ±P) pixels (4 diagonal copies, borders replicated).
public struct ClipSampler: Sendable {
    /// Frames per window T.
    public var frames: Int
    /// Square side S of the model input.
    public var size: Int
    /// Keep every `stride`-th decoded frame (ignored when `fps` is set).
    public var stride: Int = 1
    /// Sample frames at this rate instead of a stride.
    public var fps: Double? = nil
    /// Temporal windows per video.
    public var clips: Int = 1
    /// Spatial crops per window.
    public var crops: Int = 1
    /// Whether each window is also given in reverse frame order (a second view; scores averaged).
    public var reversed: Bool = false
    /// Pixels of the 4 diagonal translations added to every view (0: none).
    public var shift: Int = 0
    /// Decoder threads per video.
    public var decoderThreads: Int = 1

    public init(frames: Int, size: Int, stride: Int = 1, fps: Double? = nil, clips: Int = 1, crops: Int = 1, reversed: Bool = false, shift: Int = 0) {
        self.reversed = reversed
        self.shift = shift
        self.frames = frames
        self.size = size
        self.stride = stride
        self.fps = fps
        self.clips = clips
        self.crops = crops
    }

    /// Inputs per video: `clips * crops`, x2 when `reversed`, x5 with a `shift`.
    public var viewsPerVideo: Int { clips * crops * (reversed ? 2 : 1) * offsets.count }

    /// Translations (dx, dy) of each view: the original, then with a `shift` the 4 diagonal ones.
    var offsets: [(dx: Int, dy: Int)] {
        shift == 0 ? [(0, 0)] : [(0, 0), (-shift, -shift), (shift, -shift), (-shift, shift), (shift, shift)]
    }

    /// Decodes `url` into `[V, T, 1, S, S]` floats in [0, 1] (V = `viewsPerVideo`), flattened
    /// view-major: window by window, crop by crop, the forward view then (when `reversed`) the same
    /// frames in reverse order, each followed by its translated copies (content moved by (dx, dy):
    /// output pixel (x, y) is input pixel (x - dx, y - dy), clamped to the crop).
    /// Throws `MediaError` for unreadable inputs and `ModelLoadError`-style errors for empty videos.
    public func sample(_ url: URL) throws -> [Float] {
        let probe = try VideoReader(url: url, options: VideoReaderOptions(size: .original, threads: 1, maxFrames: 1))
        let sw = probe.outputWidth, sh = probe.outputHeight
        // Decoded size: square for one crop, else the shorter side becomes S.
        let (w, h): (Int, Int)
        if crops == 1 || sw == sh {
            (w, h) = (size, size)
        } else if sw > sh {
            (w, h) = (max(size, Int((Double(sw) * Double(size) / Double(sh)).rounded())), size)
        } else {
            (w, h) = (size, max(size, Int((Double(sh) * Double(size) / Double(sw)).rounded())))
        }
        let options = VideoReaderOptions(size: .exact(width: w, height: h), threads: decoderThreads,
                                         every: fps == nil ? stride : 1, targetFPS: fps)
        let reader = try VideoReader(url: url, options: options)
        var gray: [[Float]] = []   // [F][h * w]
        var rgb = [Float]()        // [3, h, w]
        let plane = w * h
        while try reader.nextFrame(intoCHW: &rgb) != nil {
            var g = [Float](repeating: 0, count: plane)
            for i in 0..<plane { g[i] = 0.299 * rgb[i] + 0.587 * rgb[plane + i] + 0.114 * rgb[2 * plane + i] }
            gray.append(g)
        }
        guard !gray.isEmpty else { throw ClipSampleError(path: url.path, reason: "has no decodable frames") }
        let t = frames, s = size
        let f = gray.count
        var out = [Float](repeating: 0, count: viewsPerVideo * t * s * s)   // [V, T, 1, S, S]
        var view = 0
        for c in 0..<clips {
            let start = clips == 1 || f <= t ? max(0, (f - t) / 2) : (f - t) * c / (clips - 1)
            for k in 0..<crops {
                let x0 = w > s ? (crops == 1 ? 0 : (w - s) * k / (crops - 1)) : 0
                let y0 = h > s ? (crops == 1 ? 0 : (h - s) * k / (crops - 1)) : 0
                for backwards in (reversed ? [false, true] : [false]) {
                    for (dx, dy) in offsets {
                        for ti in 0..<t {
                            let src = gray[min(start + (backwards ? t - 1 - ti : ti), f - 1)]
                            let base = (view * t + ti) * s * s
                            for y in 0..<s {
                                let sy = y0 + min(max(y - dy, 0), s - 1)
                                if dx == 0 {
                                    for x in 0..<s { out[base + y * s + x] = src[sy * w + x0 + x] }
                                } else {
                                    for x in 0..<s { out[base + y * s + x] = src[sy * w + x0 + min(max(x - dx, 0), s - 1)] }
                                }
                            }
                        }
                        view += 1
                    }
                }
            }
        }
        return out
    }
}

/// A video that decoded but cannot be classified.
public struct ClipSampleError: Error, LocalizedError {
    public let path: String
    public let reason: String
    public var errorDescription: String? { "\(path) \(reason)" }
}
