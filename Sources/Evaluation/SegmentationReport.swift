import Datasets
import Foundation
import Media

/// A self-contained HTML report of a DAVIS evaluation: summary, per-sequence J and F bar chart
/// (inline SVG), a table, and for each sequence a strip of frames with the prediction (red) and the
/// ground-truth outline (green) as base64 PNG thumbnails. No external resources.
public struct SegmentationReport {
    /// The evaluation to report.
    public var result: SegmentationResult
    /// Frames shown per sequence (evenly spaced, first and last included).
    public var framesPerSequence: Int
    /// Thumbnail width in pixels.
    public var thumbnailWidth: Int
    /// Returns the video frame behind a mask (sequence name, frame name), or nil for a plain background.
    public var frameImage: (String, String) -> RGBImage?

    /// Makes a report; `frameImage` supplies backgrounds (default: none).
    public init(result: SegmentationResult, framesPerSequence: Int = 4, thumbnailWidth: Int = 240,
                frameImage: @escaping (String, String) -> RGBImage? = { _, _ in nil }) {
        self.result = result
        self.framesPerSequence = framesPerSequence
        self.thumbnailWidth = thumbnailWidth
        self.frameImage = frameImage
    }

    /// A background loader reading `<folder>/<seq>/<frame>.png` frames with PNGCodec.
    public static func pngFrames(in folder: URL) -> (String, String) -> RGBImage? {
        { seq, frame in try? PNGCodec.readRGB(folder.appendingPathComponent(seq).appendingPathComponent(frame + ".png")) }
    }

    /// The indexes of the frames shown for a sequence of `count` frames.
    public func shownFrames(count: Int) -> [Int] {
        guard count > 0 else { return [] }
        let k = min(framesPerSequence, count)
        if k == 1 { return [0] }
        return (0..<k).map { Int((Double($0) * Double(count - 1) / Double(k - 1)).rounded()) }
    }

    /// Renders the HTML document.
    public func html() throws -> String {
        var s = """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>vidgraph DAVIS evaluation</title>
        <style>
        body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:24px;color:#222;background:#fafafa}
        h1{font-size:22px;margin:0 0 8px} h2{font-size:17px;margin:28px 0 8px}
        .cards{display:flex;gap:12px;margin:12px 0}
        .card{background:#fff;border:1px solid #ddd;border-radius:6px;padding:10px 16px;min-width:110px}
        .card b{display:block;font-size:26px} .card span{color:#666;font-size:12px}
        table{border-collapse:collapse;background:#fff;font-size:13px}
        td,th{border:1px solid #ddd;padding:3px 8px;text-align:right} th{background:#f0f0f0} td:first-child{text-align:left}
        .strip{display:flex;gap:6px;flex-wrap:wrap;margin-bottom:10px}
        figure{margin:0;background:#fff;border:1px solid #ddd;padding:4px;font-size:11px;color:#444}
        figure img{display:block} .legend{font-size:12px;color:#555}
        .warn{color:#a40}
        </style></head><body>
        <h1>DAVIS evaluation</h1>
        <div class="legend">Protocol: \(result.options.skipFirstAndLast ? "first and last frame excluded (semi-supervised)" : "all annotated frames"); boundary tolerance \(result.options.boundThreshold); measures in percent.</div>

        """
        s += "<div class=\"cards\">"
        s += card("J&amp;F", pct(result.jf)) + card("J mean", pct(result.j.mean)) + card("F mean", pct(result.f.mean))
        s += card("sequences", "\(result.sequences.count)") + card("frames", "\(result.frameCount)")
        s += "</div>\n"
        if result.missingPredictions > 0 {
            s += "<p class=\"warn\">\(result.missingPredictions) prediction frames were missing and scored as empty masks.</p>\n"
        }
        s += "<h2>Per-sequence J and F</h2>\n" + barChart() + "\n"
        s += "<h2>Table</h2>\n<table><tr><th>sequence</th><th>frames</th><th>J&amp;F</th><th>J mean</th><th>J recall</th><th>J decay</th><th>F mean</th><th>F recall</th><th>F decay</th><th>missing</th></tr>\n"
        for q in result.sequences {
            s += "<tr><td>\(escape(q.name))</td><td>\(q.frames.count)</td><td>\(pct((q.j.mean + q.f.mean) / 2))</td>"
            s += "<td>\(pct(q.j.mean))</td><td>\(pct(q.j.recall))</td><td>\(pct(q.j.decay))</td>"
            s += "<td>\(pct(q.f.mean))</td><td>\(pct(q.f.recall))</td><td>\(pct(q.f.decay))</td><td>\(q.missingPredictions)</td></tr>\n"
        }
        s += "<tr><th>overall</th><th>\(result.frameCount)</th><th>\(pct(result.jf))</th><th>\(pct(result.j.mean))</th><th>\(pct(result.j.recall))</th><th>\(pct(result.j.decay))</th><th>\(pct(result.f.mean))</th><th>\(pct(result.f.recall))</th><th>\(pct(result.f.decay))</th><th>\(result.missingPredictions)</th></tr></table>\n"
        s += "<h2>Frames</h2>\n<div class=\"legend\">Red: predicted mask. Green: ground-truth outline.</div>\n"
        for q in result.sequences {
            s += "<h3>\(escape(q.name))</h3>\n<div class=\"strip\">"
            for i in shownFrames(count: q.frames.count) {
                let fr = q.frames[i]
                let gt = try PNGCodec.readGray(q.groundTruthFolder.appendingPathComponent(fr.name + ".png"))
                let predURL = q.predictionFolder.appendingPathComponent(fr.name + ".png")
                var pred = GrayImage(width: gt.width, height: gt.height)
                if !fr.predictionMissing, let p = try? PNGCodec.readGray(predURL), p.width == gt.width, p.height == gt.height { pred = p }
                let thumb = OverlayThumbnail.make(background: frameImage(q.name, fr.name), prediction: pred, groundTruth: gt,
                                                  width: thumbnailWidth)
                let b64 = try OverlayThumbnail.pngData(thumb).base64EncodedString()
                s += "<figure><img width=\"\(thumb.width)\" height=\"\(thumb.height)\" alt=\"\(escape(q.name)) \(fr.name)\" src=\"data:image/png;base64,\(b64)\">"
                s += "<figcaption>\(fr.name) &nbsp; J \(pct(fr.j)) &nbsp; F \(pct(fr.f))\(fr.predictionMissing ? " (missing)" : "")</figcaption></figure>"
            }
            s += "</div>\n"
        }
        s += "</body></html>\n"
        return s
    }

    /// Writes the report atomically.
    public func write(to url: URL) throws {
        try AtomicFile.write(try html(), to: url)
    }

    /// The per-sequence grouped bar chart (J and F means) as inline SVG.
    func barChart() -> String {
        let n = result.sequences.count
        let group = 44, left = 40, top = 28, plotH = 200, bottom = 90
        let width = max(320, left + max(1, n) * group + 20)
        let height = top + plotH + bottom
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\" style=\"background:#fff;border:1px solid #ddd\">"
        for tick in stride(from: 0, through: 100, by: 25) {
            let y = top + plotH - tick * plotH / 100
            s += "<line x1=\"\(left)\" y1=\"\(y)\" x2=\"\(width - 10)\" y2=\"\(y)\" stroke=\"#eee\"/>"
            s += "<text x=\"\(left - 6)\" y=\"\(y + 4)\" font-size=\"10\" text-anchor=\"end\" fill=\"#666\">\(tick)</text>"
        }
        for (i, q) in result.sequences.enumerated() {
            let x = left + i * group + 6
            for (k, v) in [q.j.mean, q.f.mean].enumerated() {
                let value = v.isFinite ? max(0, min(1, v)) : 0
                let h = Int((value * Double(plotH)).rounded())
                let color = k == 0 ? "#3b7dd8" : "#e08a2c"
                s += "<rect x=\"\(x + k * 16)\" y=\"\(top + plotH - h)\" width=\"15\" height=\"\(h)\" fill=\"\(color)\"><title>\(escape(q.name)) \(k == 0 ? "J" : "F") \(pct(v))</title></rect>"
            }
            let lx = x + 16, ly = top + plotH + 8
            s += "<text x=\"\(lx)\" y=\"\(ly)\" font-size=\"10\" text-anchor=\"end\" transform=\"rotate(-50 \(lx) \(ly))\" fill=\"#333\">\(escape(q.name))</text>"
        }
        s += "<rect x=\"\(width - 90)\" y=\"4\" width=\"10\" height=\"10\" fill=\"#3b7dd8\"/><text x=\"\(width - 76)\" y=\"13\" font-size=\"11\">J</text>"
        s += "<rect x=\"\(width - 56)\" y=\"4\" width=\"10\" height=\"10\" fill=\"#e08a2c\"/><text x=\"\(width - 42)\" y=\"13\" font-size=\"11\">F</text>"
        return s + "</svg>"
    }

    func card(_ label: String, _ value: String) -> String {
        "<div class=\"card\"><b>\(value)</b><span>\(label)</span></div>"
    }

    func pct(_ v: Double) -> String { v.isFinite ? String(format: "%.1f", v * 100) : "n/a" }

    func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
