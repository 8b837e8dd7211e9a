import Datasets
import Foundation
import Media
import XCTest
@testable import Models

/// How well the segmenter's motion cue points at the annotated object on real video: the ROC AUC of
/// the residual-motion magnitude (`MotionCue` channel 2) as a per-pixel foreground score against the
/// DAVIS ground truth, per dev sequence at the default graph input (384x216 = 1.5 x 256x144), every
/// 3rd frame and 3rd pixel. Prints the figures the README quotes; skips without ../shared/data.
final class MotionCueQualityTests: XCTestCase {
    static let sequences = ["blackswan", "breakdance", "car-roundabout", "cows", "dog",
                            "drift-straight", "horsejump-high", "libby", "paragliding-launch", "scooter-black"]

    func testWindowedFlowGivesTheSharperMotionCue() throws {
        let root = sharedDataFolder().appendingPathComponent("davis16-dev")
        guard FileManager.default.fileExists(atPath: root.path) else { throw XCTSkip("../shared/data not present: \(root.path)") }
        let davis = try DAVISDataset(root: root)
        var means: [OpticalFlow.Warp: Double] = [:]
        for warp in OpticalFlow.Warp.allCases {
            var line = "motion cue AUC (\(warp.rawValue)):"
            var total = 0.0
            for seq in Self.sequences {
                let clip = try SegmentationData.clip(davis, seq, width: 384, height: 216, motion: true, motionWarp: warp)
                let plane = 384 * 216
                var scored: [(score: Float, foreground: Bool)] = []
                for i in stride(from: 1, to: clip.frames.count, by: 3) {
                    for p in stride(from: 0, to: plane, by: 3) { scored.append((clip.motion[i][2 * plane + p], clip.masks[i][p] > 0.5)) }
                }
                let auc = Self.rocAUC(scored)
                total += auc
                line += String(format: " %@ %.3f", seq, auc)
            }
            means[warp] = total / Double(Self.sequences.count)
            print(line + String(format: "; mean %.3f", means[warp]!))
        }
        XCTAssertGreaterThan(means[.windowed]!, means[.pixelwise]! + 0.03)
    }

    /// Area under the ROC curve by ranks (Mann-Whitney U), ties sharing their mean rank.
    static func rocAUC(_ scored: [(score: Float, foreground: Bool)]) -> Double {
        let sorted = scored.sorted { $0.score < $1.score }
        var rankSum = 0.0, positives = 0.0, k = 0
        while k < sorted.count {
            var j = k
            while j + 1 < sorted.count && sorted[j + 1].score == sorted[k].score { j += 1 }
            let rank = Double(k + j) / 2 + 1
            for m in k...j where sorted[m].foreground { rankSum += rank; positives += 1 }
            k = j + 1
        }
        let negatives = Double(sorted.count) - positives
        return (rankSum - positives * (positives + 1) / 2) / (positives * negatives)
    }

    /// The rank formula against hand-counted (foreground, background) pairs: 3 of 4 ordered right and
    /// 1 tied gives (3 + 0.5) / 4; 2 of 4 right gives 0.5.
    func testRocAUCCountsOrderedPairs() {
        XCTAssertEqual(Self.rocAUC([(0.1, false), (0.4, true), (0.4, false), (0.9, true)]), 0.875, accuracy: 1e-12)
        XCTAssertEqual(Self.rocAUC([(0.2, true), (0.3, false), (0.5, false), (0.9, true)]), 0.5, accuracy: 1e-12)
    }
}
