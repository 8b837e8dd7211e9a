import Foundation
import Media
import XCTest
@testable import Evaluation

/// J and F against golden values from the official-semantics Python (tools/reference/davis_eval_golden.py).
final class DAVISMetricsTests: XCTestCase {
    func testGoldenPairs() throws {
        let golden = try TestSupport.golden()
        let pairs = golden["pairs"] as! [[String: Any]]
        XCTAssertGreaterThanOrEqual(pairs.count, 19)
        for pair in pairs {
            let name = pair["name"] as! String
            let pred = try PNGCodec.readGray(TestSupport.fixtures.appendingPathComponent("masks/\(name)_pred.png"))
            let gt = try PNGCodec.readGray(TestSupport.fixtures.appendingPathComponent("masks/\(name)_gt.png"))
            XCTAssertEqual(gt.width, pair["width"] as! Int, name)
            XCTAssertEqual(gt.height, pair["height"] as! Int, name)
            let w = gt.width, h = gt.height
            XCTAssertEqual(DAVISMetrics.countNonzero(DAVISMetrics.boundaryMap(pred.pixels, width: w, height: h)),
                           pair["n_boundary_pred"] as! Int, "\(name) boundary pixels (pred)")
            XCTAssertEqual(DAVISMetrics.countNonzero(DAVISMetrics.boundaryMap(gt.pixels, width: w, height: h)),
                           pair["n_boundary_gt"] as! Int, "\(name) boundary pixels (gt)")
            XCTAssertEqual(DiskTolerance.radius(width: w, height: h, boundThreshold: 0.008), pair["radius"] as! Int, name)
            XCTAssertEqual(DAVISMetrics.regionSimilarity(prediction: pred, groundTruth: gt), pair["J"] as! Double, accuracy: 1e-6, "\(name) J")
            let (p, r) = DAVISMetrics.boundaryPrecisionRecall(prediction: pred, groundTruth: gt)
            XCTAssertEqual(p, pair["precision"] as! Double, accuracy: 1e-6, "\(name) precision")
            XCTAssertEqual(r, pair["recall"] as! Double, accuracy: 1e-6, "\(name) recall")
            XCTAssertEqual(DAVISMetrics.boundaryMeasure(prediction: pred, groundTruth: gt), pair["F"] as! Double, accuracy: 1e-6, "\(name) F")
            XCTAssertEqual(DAVISMetrics.boundaryMeasure(prediction: pred, groundTruth: gt, boundThreshold: 0.05),
                           pair["F_th0.05"] as! Double, accuracy: 1e-6, "\(name) F at 0.05")
            XCTAssertEqual(DAVISMetrics.boundaryMeasure(prediction: pred, groundTruth: gt, boundThreshold: 3),
                           pair["F_th3"] as! Double, accuracy: 1e-6, "\(name) F at 3 px")
        }
        XCTAssertTrue(pairs.contains { ($0["name"] as! String).hasPrefix("davis_") }, "the real DAVIS pair is in the fixtures")
    }

    func testDiskMatchesSkimage() throws {
        let disks = try TestSupport.golden()["disks"] as! [String: [Int]]
        XCTAssertFalse(disks.isEmpty)
        for (r, grid) in disks {
            XCTAssertEqual(DiskTolerance(radius: Int(r)!).grid.map(Int.init), grid, "disk(\(r))")
        }
    }

    func testDAVISToleranceIsEightPixels() {
        XCTAssertEqual(DiskTolerance.radius(width: 854, height: 480, boundThreshold: 0.008), 8)
    }

    func testBoundaryMapLastRowAndColumnRules() {
        // Expected maps from the reference script's boundary_map (official _seg2bmap semantics).
        let centre: [UInt8] = [0, 0, 0,
                               0, 1, 0,
                               0, 0, 0]
        XCTAssertEqual(DAVISMetrics.boundaryMap(centre, width: 3, height: 3),
                       [1, 1, 0,
                        1, 1, 0,
                        0, 0, 0])
        // An object touching the right and bottom borders: the last column only compares downwards,
        // the last row only to the right, the corner is never a boundary.
        let corner: [UInt8] = [0, 0, 0, 0,
                               0, 0, 1, 1,
                               0, 0, 1, 1]
        XCTAssertEqual(DAVISMetrics.boundaryMap(corner, width: 4, height: 3),
                       [0, 1, 1, 1,
                        0, 1, 0, 0,
                        0, 1, 0, 0])
    }

    func testIdenticalMasksScoreOne() {
        var m = GrayImage(width: 40, height: 30)
        for y in 5..<20 { for x in 8..<30 { m.pixels[y * 40 + x] = 255 } }
        XCTAssertEqual(DAVISMetrics.regionSimilarity(prediction: m, groundTruth: m), 1)
        XCTAssertEqual(DAVISMetrics.boundaryMeasure(prediction: m, groundTruth: m), 1)
    }
}
