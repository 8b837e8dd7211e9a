import Foundation
import XCTest
@testable import Models

/// Which clips the segmentation trainer trains and validates on.
final class SegmentationDataTests: XCTestCase {
    func sharedData() throws -> URL {
        if let env = ProcessInfo.processInfo.environment["VIDGRAPH_SHARED_DATA"] { return URL(fileURLWithPath: env) }
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let url = repo.deletingLastPathComponent().appendingPathComponent("shared/data")
        guard FileManager.default.fileExists(atPath: url.appendingPathComponent("davis16-dev").path) else {
            throw XCTSkip("../shared/data not present: \(url.path)")
        }
        return url
    }

    func config(val: String, davis: String) throws -> SegmentationConfig {
        try SegmentationConfig(yaml: """
        name: tiny
        kind: framegraph
        input: {width: 32, height: 24, frames: 3}
        architecture: {backbone_widths: [4, 4, 8, 8], key_channels: 4, iterations: 1, motion: false}
        training: {epochs: 1, steps_per_epoch: 2, seed: 3}
        data: {davis: \(davis), train: [blackswan], val: \(val), synthetic_clips: 1, synthetic_frames: 4}
        """, source: "tiny")
    }

    /// `val: []` trains on the listed DAVIS sequences and validates on held-out synthetic clips.
    func testEmptyValidationListUsesHeldOutSyntheticClips() throws {
        let davis = try sharedData().appendingPathComponent("davis16-dev").path
        let all = try SegmentationData.load(try config(val: "[]", davis: davis), base: nil)
        XCTAssertEqual(all.synthetic, 1)
        XCTAssertEqual(all.train.map(\.name).suffix(1), ["blackswan"])
        XCTAssertEqual(all.val.count, 4)
        XCTAssertTrue(all.val.allSatisfy { $0.name.hasPrefix("val-") }, "\(all.val.map(\.name))")

        let listed = try SegmentationData.load(try config(val: "[cows]", davis: davis), base: nil)
        XCTAssertEqual(listed.val.map(\.name), ["cows"])
    }
}
