import Datasets
import Foundation
import XCTest

/// The DAVIS layout reader on ../shared/data/davis16-dev and on small made-up layouts.
final class DAVISDatasetTests: XCTestCase {
    func testSharedDavis16Dev() throws {
        let root = try TestSupport.sharedData().appendingPathComponent("davis16-dev")
        let davis = try DAVISDataset(root: root)
        XCTAssertEqual(davis.sequences.count, 10)
        XCTAssertEqual(davis.sequences.first, "blackswan")
        let frames = try davis.frames(of: "blackswan")
        XCTAssertEqual(frames.count, 50)
        XCTAssertEqual(frames[0].name, "00000")
        XCTAssertEqual(frames[49].annotation?.lastPathComponent, "00049.png")
        XCTAssertEqual(frames[49].image?.lastPathComponent, "00049.jpg")
        XCTAssertEqual(davis.video(of: "blackswan")?.lastPathComponent, "blackswan.mp4")
        XCTAssertNil(davis.video(of: "no-such"))
        XCTAssertThrowsError(try davis.frames(of: "no-such"))
    }

    /// Makes a tiny DAVIS tree with empty placeholder files.
    func makeTree(images: [String], annotations: [String]) throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("vidgraph-davis-\(UUID().uuidString)")
        let fm = FileManager.default
        addTeardownBlock { try? fm.removeItem(at: root) }
        let imgs = root.appendingPathComponent("JPEGImages/480p/seq")
        let anns = root.appendingPathComponent("Annotations/480p/seq")
        try fm.createDirectory(at: imgs, withIntermediateDirectories: true)
        try fm.createDirectory(at: anns, withIntermediateDirectories: true)
        for n in images { _ = fm.createFile(atPath: imgs.appendingPathComponent(n + ".jpg").path, contents: Data()) }
        for n in annotations { _ = fm.createFile(atPath: anns.appendingPathComponent(n + ".png").path, contents: Data()) }
        return root
    }

    func testCountAndNameMismatchesAreErrors() throws {
        let short = try makeTree(images: ["00000", "00001", "00002"], annotations: ["00000", "00001"])
        XCTAssertThrowsError(try DAVISDataset(root: short).frames(of: "seq")) { error in
            XCTAssertTrue((error as? LocalizedError)?.errorDescription?.contains("3 frames but 2 annotations") == true, "\(error)")
        }
        // First-frame-only annotations are fine when annotations are not required.
        let frames = try DAVISDataset(root: short).frames(of: "seq", requireAnnotations: false)
        XCTAssertEqual(frames.map { $0.annotation != nil }, [true, true, false])
        let renamed = try makeTree(images: ["00000", "00001"], annotations: ["00000", "00005"])
        XCTAssertThrowsError(try DAVISDataset(root: renamed).frames(of: "seq")) { error in
            XCTAssertTrue((error as? LocalizedError)?.errorDescription?.contains("00005.png") == true, "\(error)")
        }
    }

    func testImageSetLists() throws {
        let root = try makeTree(images: ["00000"], annotations: ["00000"])
        let sets = root.appendingPathComponent("ImageSets")
        try FileManager.default.createDirectory(at: sets.appendingPathComponent("480p"), withIntermediateDirectories: true)
        try "/JPEGImages/480p/bear/00000.jpg /Annotations/480p/bear/00000.png\n/JPEGImages/480p/bear/00001.jpg x\n/JPEGImages/480p/seq/00000.jpg y\n"
            .write(to: sets.appendingPathComponent("480p/val.txt"), atomically: true, encoding: .utf8)
        XCTAssertEqual(try DAVISDataset(root: root, imageSet: "480p/val.txt").sequences, ["bear", "seq"])
        try "seq\nbear\n".write(to: sets.appendingPathComponent("val.txt"), atomically: true, encoding: .utf8)
        XCTAssertEqual(try DAVISDataset(root: root, imageSet: "val.txt").sequences, ["seq", "bear"])
        XCTAssertThrowsError(try DAVISDataset(root: root, imageSet: "2017/none.txt"))
        XCTAssertThrowsError(try DAVISDataset(root: root.appendingPathComponent("missing")))
    }
}
