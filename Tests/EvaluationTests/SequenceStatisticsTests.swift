import XCTest
@testable import Evaluation

/// Mean / recall / decay against the official `db_statistics` (golden from the reference script).
final class SequenceStatisticsTests: XCTestCase {
    func testGoldenSequences() throws {
        let sequences = try TestSupport.golden()["sequences"] as! [[String: Any]]
        XCTAssertGreaterThanOrEqual(sequences.count, 10)
        for s in sequences {
            let values = s["values"] as! [Double]
            let stats = SequenceStatistics(perFrame: values)
            XCTAssertEqual(stats.mean, s["mean"] as! Double, accuracy: 1e-12, "n=\(values.count) mean")
            XCTAssertEqual(stats.recall, s["recall"] as! Double, accuracy: 1e-12, "n=\(values.count) recall")
            if let decay = s["decay"] as? Double {
                XCTAssertEqual(stats.decay, decay, accuracy: 1e-12, "n=\(values.count) decay")
            } else {
                XCTAssertTrue(stats.decay.isNaN, "n=\(values.count): the official code gives NaN decay here")
            }
        }
    }

    func testDecayUsesOverlappingQuarters() {
        // n = 5: ids = [0, 1, 2, 3, 4]; first quarter = v[0...1], last = v[3...4].
        let s = SequenceStatistics(perFrame: [1, 0.5, 0, 0.25, 0.75])
        XCTAssertEqual(s.decay, 0.75 - 0.5, accuracy: 1e-12)
        XCTAssertEqual(s.recall, 2.0 / 5.0, accuracy: 1e-12)
        XCTAssertEqual(s.mean, 0.5, accuracy: 1e-12)
    }
}
