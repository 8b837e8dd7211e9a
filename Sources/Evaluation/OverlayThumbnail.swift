import Foundation
import Media

/// Small RGB pictures of a frame with the predicted mask (red tint) and the ground-truth outline (green).
public enum OverlayThumbnail {
    /// Draws the overlay at `width` pixels wide (height keeps the aspect ratio).
    ///
    /// - Parameters:
    ///   - background: the video frame, or nil for a dark gray background; any size (it is resampled).
    ///   - prediction: the predicted mask (nonzero = object), tinted red at 50 %.
    ///   - groundTruth: the ground-truth mask, drawn as a 1-pixel green outline at thumbnail scale.
    /// - Precondition: the two masks have the same size.
    public static func make(background: RGBImage?, prediction: GrayImage, groundTruth: GrayImage, width: Int = 240) -> RGBImage {
        precondition(prediction.width == groundTruth.width && prediction.height == groundTruth.height,
                     "OverlayThumbnail: prediction \(prediction.width)x\(prediction.height) vs ground truth \(groundTruth.width)x\(groundTruth.height)")
        let w = max(1, min(width, groundTruth.width))
        let h = max(1, Int((Double(groundTruth.height) * Double(w) / Double(groundTruth.width)).rounded()))
        var out = background.map { resample($0, width: w, height: h) } ?? RGBImage(width: w, height: h, pixels: [UInt8](repeating: 48, count: w * h * 3))
        let pred = nearest(prediction, width: w, height: h)
        let gt = nearest(groundTruth, width: w, height: h)
        let outline = DAVISMetrics.boundaryMap(gt.pixels, width: w, height: h)
        for i in 0..<(w * h) {
            if pred.pixels[i] != 0 {
                out.pixels[3 * i] = UInt8((Int(out.pixels[3 * i]) + 255) / 2)
                out.pixels[3 * i + 1] = UInt8(Int(out.pixels[3 * i + 1]) / 2)
                out.pixels[3 * i + 2] = UInt8(Int(out.pixels[3 * i + 2]) / 2)
            }
            if outline[i] != 0 {
                out.pixels[3 * i] = 40
                out.pixels[3 * i + 1] = 255
                out.pixels[3 * i + 2] = 40
            }
        }
        return out
    }

    /// Nearest-neighbour resampling of a mask.
    static func nearest(_ image: GrayImage, width: Int, height: Int) -> GrayImage {
        var out = GrayImage(width: width, height: height)
        for y in 0..<height {
            let sy = min(image.height - 1, y * image.height / height)
            for x in 0..<width {
                let sx = min(image.width - 1, x * image.width / width)
                out.pixels[y * width + x] = image.pixels[sy * image.width + sx]
            }
        }
        return out
    }

    /// Box-filter resampling of an RGB image (each output pixel averages its source block).
    static func resample(_ image: RGBImage, width: Int, height: Int) -> RGBImage {
        var out = RGBImage(width: width, height: height)
        for y in 0..<height {
            let y0 = y * image.height / height, y1 = max(y0 + 1, (y + 1) * image.height / height)
            for x in 0..<width {
                let x0 = x * image.width / width, x1 = max(x0 + 1, (x + 1) * image.width / width)
                var sum = (0, 0, 0)
                for sy in y0..<min(y1, image.height) {
                    for sx in x0..<min(x1, image.width) {
                        let i = 3 * (sy * image.width + sx)
                        sum.0 += Int(image.pixels[i]); sum.1 += Int(image.pixels[i + 1]); sum.2 += Int(image.pixels[i + 2])
                    }
                }
                let n = max(1, (min(y1, image.height) - y0) * (min(x1, image.width) - x0))
                let o = 3 * (y * width + x)
                out.pixels[o] = UInt8(sum.0 / n); out.pixels[o + 1] = UInt8(sum.1 / n); out.pixels[o + 2] = UInt8(sum.2 / n)
            }
        }
        return out
    }

    /// Encodes an RGB image as PNG bytes (through PNGCodec and a temporary file).
    public static func pngData(_ image: RGBImage) throws -> Data {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("vidgraph-thumb-\(UUID().uuidString).png")
        defer { try? FileManager.default.removeItem(at: url) }
        try PNGCodec.write(image, to: url)
        return try Data(contentsOf: url)
    }
}
