import Datasets
import Foundation
import Media
import XCTest
@testable import Evaluation

/// Folder-level evaluation: layouts, missing frames, size errors, aggregation, outputs.
final class SegmentationEvaluationTests: XCTestCase {
    /// A rectangle mask.
    func rect(_ w: Int, _ h: Int, x0: Int, y0: Int, x1: Int, y1: Int) -> GrayImage {
        var m = GrayImage(width: w, height: h)
        for y in y0..<y1 { for x in x0..<x1 { m.pixels[y * w + x] = 255 } }
        return m
    }

    /// Writes GT and predictions for two sequences; returns (pred, gt) roots.
    func makeFolders(davisLayout: Bool) throws -> (URL, URL) {
        let root = try TestSupport.temporaryFolder(self)
        let gtRoot = davisLayout ? root.appendingPathComponent("davis") : root.appendingPathComponent("gt")
        let annotations = davisLayout ? gtRoot.appendingPathComponent("Annotations/480p") : gtRoot
        let pred = root.appendingPathComponent("pred")
        for (seq, n) in [("alpha", 6), ("beta", 5)] {
            try FileManager.default.createDirectory(at: annotations.appendingPathComponent(seq), withIntermediateDirectories: true)
            try FileManager.default.createDirectory(at: pred.appendingPathComponent(seq), withIntermediateDirectories: true)
            for i in 0..<n {
                let name = String(format: "%05d.png", i)
                try PNGCodec.write(rect(64, 48, x0: 10, y0: 10, x1: 40, y1: 30), to: annotations.appendingPathComponent(seq).appendingPathComponent(name))
                if seq == "beta" && i == 2 { continue }  // missing prediction
                try PNGCodec.write(rect(64, 48, x0: 10 + i, y0: 10, x1: 40 + i, y1: 30), to: pred.appendingPathComponent(seq).appendingPathComponent(name))
            }
        }
        return (pred, gtRoot)
    }

    func testEvaluatesBothLayoutsAndCountsMissingFrames() throws {
        for davis in [false, true] {
            let (pred, gt) = try makeFolders(davisLayout: davis)
            var warnings = [String]()
            let result = try SegmentationEvaluation.evaluate(predictions: pred, groundTruth: gt, warn: { warnings.append($0) })
            XCTAssertEqual(result.sequences.map(\.name), ["alpha", "beta"])
            XCTAssertEqual(result.frameCount, 11)
            XCTAssertEqual(result.missingPredictions, 1)
            XCTAssertEqual(warnings.count, 1)
            XCTAssertTrue(warnings[0].contains("00002.png"), warnings[0])
            let beta = result.sequences[1]
            XCTAssertTrue(beta.frames[2].predictionMissing)
            XCTAssertEqual(beta.frames[2].j, 0)
            XCTAssertEqual(beta.frames[2].f, 0)
            // Frame i is the box shifted by i px: J = (30 - i) * 20 / ((30 + i) * 20).
            let alpha = result.sequences[0]
            for (i, fr) in alpha.frames.enumerated() {
                XCTAssertEqual(fr.j, Double(30 - i) / Double(30 + i), accuracy: 1e-12)
            }
            XCTAssertEqual(alpha.j.mean, alpha.frames.map(\.j).reduce(0, +) / 6, accuracy: 1e-12)
            XCTAssertEqual(result.j.mean, (alpha.j.mean + beta.j.mean) / 2, accuracy: 1e-12)
            XCTAssertEqual(result.jf, (result.j.mean + result.f.mean) / 2, accuracy: 1e-12)
        }
    }

    func testSkipFirstAndLast() throws {
        let (pred, gt) = try makeFolders(davisLayout: false)
        let result = try SegmentationEvaluation.evaluate(
            predictions: pred, groundTruth: gt, sequences: ["alpha"], options: .init(skipFirstAndLast: true))
        XCTAssertEqual(result.sequences[0].frames.map(\.name), ["00001", "00002", "00003", "00004"])
    }

    func testSizeMismatchNamesTheFile() throws {
        let (pred, gt) = try makeFolders(davisLayout: false)
        let bad = pred.appendingPathComponent("alpha/00003.png")
        try PNGCodec.write(GrayImage(width: 32, height: 24), to: bad)
        XCTAssertThrowsError(try SegmentationEvaluation.evaluate(predictions: pred, groundTruth: gt)) { error in
            let message = (error as? LocalizedError)?.errorDescription ?? ""
            XCTAssertTrue(message.contains(bad.path), message)
            XCTAssertTrue(message.contains("32x24") && message.contains("64x48"), message)
        }
    }

    func testUnknownSequenceAndMissingFolder() throws {
        let (pred, gt) = try makeFolders(davisLayout: false)
        XCTAssertThrowsError(try SegmentationEvaluation.evaluate(predictions: pred, groundTruth: gt, sequences: ["gamma"])) { error in
            XCTAssertEqual(error as? EvaluationError, .unknownSequence("gamma", root: gt.path))
        }
        let nowhere = pred.appendingPathComponent("nowhere")
        XCTAssertThrowsError(try SegmentationEvaluation.evaluate(predictions: nowhere, groundTruth: gt)) { error in
            XCTAssertEqual(error as? EvaluationError, .missingFolder(nowhere.path))
        }
    }

    func testJSONIsPercentAndCSVHasEveryFrame() throws {
        let (pred, gt) = try makeFolders(davisLayout: false)
        let result = try SegmentationEvaluation.evaluate(predictions: pred, groundTruth: gt)
        let object = try JSONSerialization.jsonObject(with: result.jsonData()) as! [String: Any]
        XCTAssertEqual(object["J"] as! Double, result.j.mean * 100, accuracy: 1e-9)
        XCTAssertEqual(object["JF"] as! Double, result.jf * 100, accuracy: 1e-9)
        XCTAssertEqual(object["missing_predictions"] as! Int, 1)
        let seqs = object["sequences"] as! [String: Any]
        let alpha = seqs["alpha"] as! [String: Any]
        XCTAssertEqual(alpha["frames"] as! Int, 6)
        XCTAssertEqual((alpha["F"] as! [String: Any])["mean"] as! Double, result.sequences[0].f.mean * 100, accuracy: 1e-9)
        let csvLines = result.csv().split(separator: "\n")
        XCTAssertEqual(csvLines.count, 12)
        XCTAssertEqual(csvLines[0], "sequence,frame,J,F,missing")
        XCTAssertTrue(result.table().contains("overall"))
    }

    /// The whole pipeline on real DAVIS masks against the official-semantics Python on the same
    /// frames (values computed by tools/reference/davis_eval_golden.py for the shifted pair).
    func testRealDAVISFolderMatchesPairGolden() throws {
        let golden = try TestSupport.golden()["pairs"] as! [[String: Any]]
        guard let pair = golden.first(where: { $0["name"] as? String == "davis_blackswan_shift12x7" }) else {
            throw XCTSkip("fixtures were generated without ../shared/data")
        }
        let root = try TestSupport.temporaryFolder(self)
        for (kind, sub) in [("pred", "pred/blackswan"), ("gt", "gt/blackswan")] {
            let folder = root.appendingPathComponent(sub)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: TestSupport.fixtures.appendingPathComponent("masks/davis_blackswan_shift12x7_\(kind).png"),
                                             to: folder.appendingPathComponent("00000.png"))
        }
        let result = try SegmentationEvaluation.evaluate(predictions: root.appendingPathComponent("pred"),
                                                         groundTruth: root.appendingPathComponent("gt"))
        XCTAssertEqual(result.j.mean, pair["J"] as! Double, accuracy: 1e-6)
        XCTAssertEqual(result.f.mean, pair["F"] as! Double, accuracy: 1e-6)
    }
}

/// Output files replace existing ones atomically.
final class AtomicFileTests: XCTestCase {
    func testOverwritesExistingFile() throws {
        let dir = try TestSupport.temporaryFolder(self)
        let url = dir.appendingPathComponent("out.json")
        try AtomicFile.write("first", to: url)
        try AtomicFile.write("second", to: url)
        XCTAssertEqual(try String(contentsOf: url, encoding: .utf8), "second")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["out.json"])
        XCTAssertThrowsError(try AtomicFile.write("x", to: dir.appendingPathComponent("no/such/folder.json")))
    }
}

/// The thread count changes nothing but speed.
final class SegmentationThreadsTests: XCTestCase {
    func testOneAndThreeThreadsAgree() throws {
        let root = try TestSupport.temporaryFolder(self)
        for seq in ["a", "b", "c"] {
            for kind in ["gt", "pred"] {
                try FileManager.default.createDirectory(at: root.appendingPathComponent("\(kind)/\(seq)"), withIntermediateDirectories: true)
            }
            var rng = SystemRandomNumberGenerator()
            for i in 0..<7 {
                let name = String(format: "%05d.png", i)
                let gt = GrayImage(width: 50, height: 40, pixels: (0..<2000).map { _ in UInt8.random(in: 0...9, using: &rng) > 6 ? 255 : 0 })
                let pred = GrayImage(width: 50, height: 40, pixels: (0..<2000).map { _ in UInt8.random(in: 0...9, using: &rng) > 5 ? 255 : 0 })
                try PNGCodec.write(gt, to: root.appendingPathComponent("gt/\(seq)/\(name)"))
                try PNGCodec.write(pred, to: root.appendingPathComponent("pred/\(seq)/\(name)"))
            }
        }
        let one = try SegmentationEvaluation.evaluate(predictions: root.appendingPathComponent("pred"), groundTruth: root.appendingPathComponent("gt"),
                                                      options: .init(threads: 1))
        let three = try SegmentationEvaluation.evaluate(predictions: root.appendingPathComponent("pred"), groundTruth: root.appendingPathComponent("gt"),
                                                        options: .init(threads: 3))
        XCTAssertEqual(one.sequences.flatMap(\.frames), three.sequences.flatMap(\.frames))
        XCTAssertEqual(one.frameCount, 21)
        // Each frame equals the single-frame API on the same files.
        let f = try SegmentationEvaluation.scoreFrame(prediction: root.appendingPathComponent("pred/b/00003.png"),
                                                      groundTruth: root.appendingPathComponent("gt/b/00003.png"), name: "00003")
        XCTAssertEqual(one.sequences[1].frames[3], f)
    }
}
