import Foundation
import Media
import XCTest
@testable import Evaluation

/// The HTML report: structure, embedded thumbnails, and a headless Chromium screenshot.
final class SegmentationReportTests: XCTestCase {
    /// Evaluates a small synthetic sequence set and returns the result with a frame-image loader.
    func makeResult() throws -> (SegmentationResult, (String, String) -> RGBImage?) {
        let root = try TestSupport.temporaryFolder(self)
        for seq in ["one", "two"] {
            for kind in ["gt", "pred"] {
                try FileManager.default.createDirectory(at: root.appendingPathComponent("\(kind)/\(seq)"), withIntermediateDirectories: true)
            }
            for i in 0..<5 {
                let name = String(format: "%05d.png", i)
                var gt = GrayImage(width: 160, height: 90)
                var pred = GrayImage(width: 160, height: 90)
                for y in 20..<70 { for x in (30 + 4 * i)..<(100 + 4 * i) { gt.pixels[y * 160 + x] = 255 } }
                for y in 25..<75 { for x in (36 + 4 * i)..<(110 + 4 * i) { pred.pixels[y * 160 + x] = 255 } }
                try PNGCodec.write(gt, to: root.appendingPathComponent("gt/\(seq)/\(name)"))
                try PNGCodec.write(pred, to: root.appendingPathComponent("pred/\(seq)/\(name)"))
            }
        }
        let result = try SegmentationEvaluation.evaluate(predictions: root.appendingPathComponent("pred"),
                                                         groundTruth: root.appendingPathComponent("gt"))
        let background: (String, String) -> RGBImage? = { _, _ in
            var img = RGBImage(width: 160, height: 90)
            for y in 0..<90 { for x in 0..<160 { img.pixels[3 * (y * 160 + x)] = UInt8(x); img.pixels[3 * (y * 160 + x) + 2] = UInt8(y * 2) } }
            return img
        }
        return (result, background)
    }

    func testHTMLIsSelfContained() throws {
        let (result, background) = try makeResult()
        let report = SegmentationReport(result: result, framesPerSequence: 3, thumbnailWidth: 120, frameImage: background)
        XCTAssertEqual(report.shownFrames(count: 5), [0, 2, 4])
        let html = try report.html()
        XCTAssertTrue(html.contains("<svg"))
        XCTAssertEqual(html.components(separatedBy: "data:image/png;base64,").count - 1, 6)
        XCTAssertFalse(html.contains("src=\"http"))
        XCTAssertFalse(html.contains("<link"))
        // The thumbnails decode back to the overlay colours.
        let thumb = OverlayThumbnail.make(background: background("one", "00000"), prediction: GrayImage(width: 160, height: 90, fill: 255),
                                          groundTruth: GrayImage(width: 160, height: 90), width: 80)
        XCTAssertEqual(thumb.width, 80)
        XCTAssertEqual(thumb.height, 45)
        XCTAssertGreaterThanOrEqual(thumb.pixels[0], 127)  // red tint over the whole frame
    }

    func testChromiumRendersReport() throws {
        guard let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
            .first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw XCTSkip("chromium is not installed (apt-get install -y chromium)")
        }
        let (result, background) = try makeResult()
        let dir = try TestSupport.temporaryFolder(self)
        let html = dir.appendingPathComponent("report.html")
        try SegmentationReport(result: result, frameImage: background).write(to: html)
        let shot = dir.appendingPathComponent("shot.png")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: chromium)
        process.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                             "--user-data-dir=\(dir.appendingPathComponent("profile").path)",
                             "--window-size=1200,1400", "--screenshot=\(shot.path)", html.absoluteString]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
        let attributes = try FileManager.default.attributesOfItem(atPath: shot.path)
        XCTAssertGreaterThan((attributes[.size] as? Int) ?? 0, 10_000)
        let image = try PNGCodec.readRGB(shot)
        XCTAssertEqual(image.width, 1200)
        let values = image.pixels.map(Double.init)
        let mean = values.reduce(0, +) / Double(values.count)
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)
        XCTAssertGreaterThan(variance, 100, "screenshot looks blank")
        if let keep = ProcessInfo.processInfo.environment["VIDGRAPH_KEEP_SCREENSHOT"] {
            try? FileManager.default.removeItem(atPath: keep)
            try FileManager.default.copyItem(at: shot, to: URL(fileURLWithPath: keep))
        }
    }
}
