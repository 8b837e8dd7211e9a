import Foundation
import Media

/// Draws a training curve as a PNG with our own rasteriser: training loss (blue, left scale 0...max)
/// and validation accuracy (red, right scale 0...1) against the step, on a light grid.
public enum TrainingPlot {
    /// Renders `loss` (step, value) and `accuracy` (step, value in 0...1) to a `width` x `height` image.
    public static func render(loss: [(step: Int, value: Double)], accuracy: [(step: Int, value: Double)],
                              width: Int = 640, height: Int = 400) -> RGBImage {
        var image = RGBImage(width: width, height: height)
        for i in 0..<(width * height * 3) { image.pixels[i] = 255 }
        let left = 40, right = width - 40, top = 20, bottom = height - 30
        let maxStep = max(1, (loss.map(\.step) + accuracy.map(\.step)).max() ?? 1)
        let finiteLoss = loss.map(\.value).filter { $0.isFinite }
        let maxLoss = max(1e-6, finiteLoss.max() ?? 1)
        // Grid: 5 horizontal lines, the frame.
        for k in 0...5 {
            let y = bottom - (bottom - top) * k / 5
            line(&image, left, y, right, y, (225, 225, 225))
        }
        line(&image, left, top, left, bottom, (90, 90, 90))
        line(&image, left, bottom, right, bottom, (90, 90, 90))
        line(&image, right, top, right, bottom, (90, 90, 90))
        func x(_ step: Int) -> Int { left + Int(Double(right - left) * Double(step) / Double(maxStep)) }
        func polyline(_ points: [(step: Int, value: Double)], scale: Double, colour: (UInt8, UInt8, UInt8)) {
            var previous: (Int, Int)?
            for p in points where p.value.isFinite {
                let y = bottom - Int(Double(bottom - top) * min(max(p.value / scale, 0), 1))
                if let q = previous { line(&image, q.0, q.1, x(p.step), y, colour) } else { dot(&image, x(p.step), y, colour) }
                previous = (x(p.step), y)
            }
        }
        polyline(loss, scale: maxLoss, colour: (30, 90, 200))
        polyline(accuracy, scale: 1, colour: (210, 40, 40))
        for p in accuracy { dot(&image, x(p.step), bottom - Int(Double(bottom - top) * min(max(p.value, 0), 1)), (210, 40, 40)) }
        return image
    }

    /// Writes the plot to `url` (temporary name, then renamed).
    public static func write(loss: [(step: Int, value: Double)], accuracy: [(step: Int, value: Double)], to url: URL) throws {
        let image = render(loss: loss, accuracy: accuracy)
        let temp = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp.png")
        try PNGCodec.write(image, to: temp)
        _ = try? FileManager.default.removeItem(at: url)
        try FileManager.default.moveItem(at: temp, to: url)
    }

    static func set(_ image: inout RGBImage, _ x: Int, _ y: Int, _ c: (UInt8, UInt8, UInt8)) {
        guard x >= 0, y >= 0, x < image.width, y < image.height else { return }
        let i = (y * image.width + x) * 3
        image.pixels[i] = c.0; image.pixels[i + 1] = c.1; image.pixels[i + 2] = c.2
    }

    static func dot(_ image: inout RGBImage, _ x: Int, _ y: Int, _ c: (UInt8, UInt8, UInt8)) {
        for dy in -1...1 { for dx in -1...1 { set(&image, x + dx, y + dy, c) } }
    }

    /// Bresenham line, 2 px thick.
    static func line(_ image: inout RGBImage, _ x0: Int, _ y0: Int, _ x1: Int, _ y1: Int, _ c: (UInt8, UInt8, UInt8)) {
        var x = x0, y = y0
        let dx = abs(x1 - x0), dy = -abs(y1 - y0), sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1
        var err = dx + dy
        while true {
            set(&image, x, y, c); set(&image, x, y + 1, c)
            if x == x1 && y == y1 { break }
            let e2 = 2 * err
            if e2 >= dy { err += dy; x += sx }
            if e2 <= dx { err += dx; y += sy }
        }
    }
}
