import Foundation
import XCTest
@testable import Evaluation

final class ClassificationMetricsTests: XCTestCase {
    func testAccuraciesAndConfusion() {
        let gt = [LabeledClip(path: "data/a.mp4", label: "cat"), LabeledClip(path: "data/b.mp4", label: "cat"),
                  LabeledClip(path: "data/c.mp4", label: "dog"), LabeledClip(path: "data/d.mp4", label: "dog"),
                  LabeledClip(path: "data/e.mp4", label: "dog")]
        let preds = [
            ClassificationPrediction(path: "data/a.mp4", labels: ["cat", "dog"]),
            ClassificationPrediction(path: "/elsewhere/b.mp4", labels: ["dog", "cat"]),   // matched by file name
            ClassificationPrediction(path: "./data/c.mp4", labels: ["dog"]),               // normalised path
            ClassificationPrediction(path: "data/d.mp4", labels: ["bird", "fish", "cow", "pig", "ant", "dog"]),
            ClassificationPrediction(path: "data/x.mp4", labels: ["cat"]),                 // unmatched
        ]  // e.mp4 missing
        let m = ClassificationMetrics(predictions: preds, groundTruth: gt, k: 5)
        XCTAssertEqual(m.total, 5)
        XCTAssertEqual(m.missing, 1)
        XCTAssertEqual(m.unmatchedPredictions, 1)
        XCTAssertEqual(m.top1, 2.0 / 5.0, accuracy: 1e-12)
        XCTAssertEqual(m.topK, 3.0 / 5.0, accuracy: 1e-12)  // d has dog at rank 6: not in top 5
        XCTAssertEqual(m.classes, ["cat", "dog", "bird"])
        XCTAssertEqual(m.perClassAccuracy["cat"]!, 0.5, accuracy: 1e-12)
        XCTAssertEqual(m.perClassAccuracy["dog"]!, 1.0 / 3.0, accuracy: 1e-12)
        XCTAssertNil(m.perClassAccuracy["bird"])
        XCTAssertEqual(m.meanClassAccuracy, (0.5 + 1.0 / 3.0) / 2, accuracy: 1e-12)
        // Rows: cat, dog, bird (a predicted-only class has an empty row); last column: no prediction.
        XCTAssertEqual(m.confusion, [[1, 1, 0, 0],
                                     [0, 1, 1, 1],
                                     [0, 0, 0, 0]])
    }

    func testFailuresCountAsWrong() {
        let gt = [LabeledClip(path: "a", label: "x"), LabeledClip(path: "b", label: "y")]
        let preds = [ClassificationPrediction(path: "a", labels: ["x"]),
                     ClassificationPrediction(path: "b", labels: [], error: "cannot decode")]
        let m = ClassificationMetrics(predictions: preds, groundTruth: gt, k: 5)
        XCTAssertEqual(m.failures, 1)
        XCTAssertEqual(m.top1, 0.5, accuracy: 1e-12)
        XCTAssertEqual(m.confusion[1], [0, 0, 1])
    }

    func testReadingInputs() throws {
        let dir = try TestSupport.temporaryFolder(self)
        let jsonl = dir.appendingPathComponent("p.jsonl")
        try """
        {"path": "clips/a.mp4", "labels": ["3", "7"], "scores": [0.9, 0.05]}

        {"path": "clips/b.mp4", "error": "decode failed"}
        """.write(to: jsonl, atomically: true, encoding: .utf8)
        let preds = try ClassificationPrediction.readJSONLines(jsonl)
        XCTAssertEqual(preds.count, 2)
        XCTAssertEqual(preds[0].labels, ["3", "7"])
        XCTAssertEqual(preds[0].scores, [0.9, 0.05])
        XCTAssertEqual(preds[1].error, "decode failed")
        let csv = dir.appendingPathComponent("l.csv")
        try "path,label\nclips/a.mp4,3\nclips/b.mp4 7\n".write(to: csv, atomically: true, encoding: .utf8)
        XCTAssertEqual(try LabeledClip.readCSV(csv), [LabeledClip(path: "clips/a.mp4", label: "3"), LabeledClip(path: "clips/b.mp4", label: "7")])
        try "{\"path\": 1}\n".write(to: jsonl, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try ClassificationPrediction.readJSONLines(jsonl)) { error in
            XCTAssertEqual(error as? EvaluationError, .badLine(file: jsonl.path, line: 1, reason: "no \"path\" string"))
        }
    }

    func testSummaryAndJSON() throws {
        let m = ClassificationMetrics(predictions: [ClassificationPrediction(path: "a", labels: ["x"])],
                                      groundTruth: [LabeledClip(path: "a", label: "x")])
        XCTAssertTrue(m.summary().contains("top-1 100.00%"), m.summary())
        let object = try JSONSerialization.jsonObject(with: m.jsonData()) as! [String: Any]
        XCTAssertEqual(object["top1"] as! Double, 1)
        XCTAssertEqual(object["confusion"] as! [[Int]], [[1, 0]])
    }
}
