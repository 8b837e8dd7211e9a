import Foundation
import Graphs

/// One region of one frame: its box (normalised to [0, 1]) and its image pixels.
public struct FrameRegion: Sendable, Equatable {
    /// Normalised box `[x0, x1) x [y0, y1)` of the region's pixels.
    public var box: NodeBox
    /// Sorted flat `y * width + x` image pixel indices.
    public var pixels: [Int32]

    public init(box: NodeBox, pixels: [Int32]) {
        self.box = box; self.pixels = pixels
    }
}

/// Finds the region nodes of gray frames for `RegionGraphClassifier` (not differentiable: regions
/// come from pixel values, features are pooled under them later).
///
/// - `components`: 4-connected components of the pixels brighter than `threshold` (the digits of
///   SyncMNIST-like clips on a black background); components under `minimumPixels` are dropped.
/// - `slic`: SLIC superpixels of the gray frame with about `regionsPerFrame` segments (Achanta et al.).
///
/// Each frame keeps its `regionsPerFrame` largest regions (ties: raster order of the first pixel),
/// largest first. A frame with no region (e.g. a black frame) gets one whole-frame region, so every
/// frame of every clip has at least one node and the clip readout is never an empty mean.
public struct RegionExtractor: Sendable {
    /// Where regions come from.
    public enum Source: String, Sendable, CaseIterable {
        case components, slic
    }

    public var source: Source
    /// At most K regions per frame.
    public var regionsPerFrame: Int
    /// Foreground gray level (components).
    public var threshold: Float
    /// Smallest component kept (components).
    public var minimumPixels: Int

    public init(source: Source = .components, regionsPerFrame: Int = 4, threshold: Float = 0.2, minimumPixels: Int = 4) {
        precondition(regionsPerFrame > 0 && minimumPixels > 0, "RegionExtractor: invalid parameters")
        self.source = source
        self.regionsPerFrame = regionsPerFrame
        self.threshold = threshold
        self.minimumPixels = minimumPixels
    }

    /// The labelling of one gray frame `gray` `[height * width]` in [0, 1].
    public func labels(gray: ArraySlice<Float>, width: Int, height: Int) -> ComponentLabels {
        precondition(gray.count == width * height, "RegionExtractor: \(gray.count) pixels for \(width)x\(height)")
        switch source {
        case .components:
            let mask = gray.map { $0 > threshold ? UInt8(1) : 0 }
            return ComponentLabels(mask: mask, width: width, height: height, minimumPixels: minimumPixels)
        case .slic:
            var rgb = [UInt8](repeating: 0, count: width * height * 3)
            for (p, v) in gray.enumerated() {
                let byte = UInt8(Swift.max(0, Swift.min(255, (v * 255).rounded())))
                rgb[3 * p] = byte; rgb[3 * p + 1] = byte; rgb[3 * p + 2] = byte
            }
            return SLIC(regionCount: regionsPerFrame).segment(rgb: rgb, width: width, height: height)
        }
    }

    /// The K largest regions of one gray frame `[height * width]` in [0, 1] (largest first; one
    /// whole-frame region when there is none).
    public func regions(gray: ArraySlice<Float>, width: Int, height: Int) -> [FrameRegion] {
        let labelling = labels(gray: gray, width: width, height: height)
        let kept = labelling.pixelsByLabel.enumerated()
            .filter { !$0.element.isEmpty }
            .sorted { $0.element.count != $1.element.count ? $0.element.count > $1.element.count : $0.offset < $1.offset }
            .prefix(regionsPerFrame)
        if kept.isEmpty {
            return [FrameRegion(box: NodeBox(x0: 0, y0: 0, x1: 1, y1: 1), pixels: (0..<Int32(width * height)).map { $0 })]
        }
        return kept.map { Self.region(pixels: $0.element, width: width, height: height) }
    }

    /// The region of a pixel set with its normalised bounding box.
    public static func region(pixels: [Int32], width: Int, height: Int) -> FrameRegion {
        var x0 = Int.max, y0 = Int.max, x1 = 0, y1 = 0
        for p in pixels {
            let x = Int(p) % width, y = Int(p) / width
            x0 = Swift.min(x0, x); x1 = Swift.max(x1, x + 1); y0 = Swift.min(y0, y); y1 = Swift.max(y1, y + 1)
        }
        let box = NodeBox(x0: Float(x0) / Float(width), y0: Float(y0) / Float(height),
                          x1: Float(x1) / Float(width), y1: Float(y1) / Float(height))
        return FrameRegion(box: box, pixels: pixels)
    }

    /// The regions of every frame of clips `[B, T, 1, S, S]` given as raw data: `[B][T][regions]`.
    public func regions(clips data: [Float], clipCount b: Int, frameCount t: Int, side s: Int) -> [[[FrameRegion]]] {
        precondition(data.count == b * t * s * s, "RegionExtractor: \(data.count) values for \(b)x\(t)x\(s)x\(s) clips")
        var result = [[[FrameRegion]]](repeating: [[FrameRegion]](repeating: [], count: t), count: b)
        let frames = b * t
        // SLIC is the costly source: spread its frames over threads (components are cheap enough serially).
        if source == .slic && frames > 1 {
            let lock = NSLock()
            DispatchQueue.concurrentPerform(iterations: frames) { f in
                let start = f * s * s
                let r = regions(gray: data[start..<(start + s * s)], width: s, height: s)
                lock.lock(); result[f / t][f % t] = r; lock.unlock()
            }
        } else {
            for f in 0..<frames {
                let start = f * s * s
                result[f / t][f % t] = regions(gray: data[start..<(start + s * s)], width: s, height: s)
            }
        }
        return result
    }
}
