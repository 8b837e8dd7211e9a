import Foundation
import XCTest
@testable import Graphs
import Media

/// SLIC on a real DAVIS frame (skipped when ../shared/data is absent).
final class DAVISSLICTests: XCTestCase {
    func sharedData() throws -> URL {
        if let env = ProcessInfo.processInfo.environment["VIDGRAPH_SHARED_DATA"] {
            return URL(fileURLWithPath: env)
        }
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let url = repo.deletingLastPathComponent().appendingPathComponent("shared/data")
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw XCTSkip("../shared/data not present: \(url.path)")
        }
        return url
    }

    func testSLICOnBlackswanGivesAboutRequestedConnectedRegions() throws {
        let folder = try sharedData().appendingPathComponent("davis16-dev/JPEGImages/480p/blackswan")
        guard FileManager.default.fileExists(atPath: folder.appendingPathComponent("00000.jpg").path) else {
            throw XCTSkip("../shared/data not present: \(folder.path)/00000.jpg")
        }
        // First frame, downscaled to 427x240 to keep the debug-build test quick.
        let reader = try VideoReader(url: folder, options: VideoReaderOptions(size: .fit(maxSide: 427), maxFrames: 1))
        guard let image = try reader.nextFrame()?.image else { return XCTFail("no frame decoded from \(folder.path)") }
        for k in [100, 300] {
            let labels = SLIC(regionCount: k, compactness: 10).segment(rgb: image.pixels, width: image.width, height: image.height)
            XCTAssertGreaterThanOrEqual(labels.count, k * 7 / 10, "K=\(k) gave \(labels.count)")
            XCTAssertLessThanOrEqual(labels.count, k * 13 / 10, "K=\(k) gave \(labels.count)")
            XCTAssertEqual(labels.piecesPerLabel.filter { $0 != 1 }.count, 0, "every superpixel is one connected piece")
            XCTAssertTrue(labels.labels.allSatisfy { $0 >= 0 })
            print("SLIC blackswan \(image.width)x\(image.height) K=\(k): \(labels.count) connected regions")
        }
    }
}
