import Foundation
import XCTest
@testable import Datasets

final class ClassificationManifestTests: XCTestCase {
    private func touch(_ dir: URL, _ names: [String]) throws {
        for n in names {
            let url = dir.appendingPathComponent(n)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data().write(to: url)
        }
    }

    func testCSVWithHeaderQuotesAndRelativePaths() throws {
        let dir = try temporaryDirectory(self)
        try touch(dir, ["clips/a.mp4", "clips/b c.mp4", "clips/d,e.mp4", "abs.mp4"])
        let csv = dir.appendingPathComponent("list.csv")
        try """
        path,label
        clips/a.mp4,0-1
        "clips/b c.mp4", none

        # a comment
        "clips/d,e.mp4","0-1"
        \(dir.appendingPathComponent("abs.mp4").path),1-2\r

        """.write(to: csv, atomically: true, encoding: .utf8)
        let m = try ClassificationManifest.load(csv: csv, classNames: SyncMNIST.classNames)
        XCTAssertEqual(m.entries.count, 4)
        XCTAssertEqual(m.entries.map(\.label), [0, 45, 0, 9])
        XCTAssertEqual(m.entries[1].url.path, dir.appendingPathComponent("clips/b c.mp4").standardizedFileURL.path)
        XCTAssertEqual(m.entries[2].url.lastPathComponent, "d,e.mp4")
        XCTAssertEqual(m.classNames.count, 46)
    }

    func testCSVWithoutHeaderInfersClasses() throws {
        let dir = try temporaryDirectory(self)
        try touch(dir, ["x.mp4", "y.mp4", "z.mp4"])
        let csv = dir.appendingPathComponent("l.csv")
        try "x.mp4,cat\ny.mp4,ant\nz.mp4,cat\n".write(to: csv, atomically: true, encoding: .utf8)
        let m = try ClassificationManifest.load(csv: csv)
        XCTAssertEqual(m.classNames, ["ant", "cat"])
        XCTAssertEqual(m.entries.map(\.label), [1, 0, 1])
        try "x.mp4,2\ny.mp4,0\n".write(to: csv, atomically: true, encoding: .utf8)
        let n = try ClassificationManifest.load(csv: csv)
        XCTAssertEqual(n.classNames, ["0", "1", "2"])
        XCTAssertEqual(n.entries.map(\.label), [2, 0])
        // Integer labels index a given names list.
        let k = try ClassificationManifest.load(csv: csv, classNames: ["a", "b", "c"])
        XCTAssertEqual(k.entries.map(\.label), [2, 0])
    }

    func testUnknownLabelMissingFileAndBadRowsAreReported() throws {
        let dir = try temporaryDirectory(self)
        try touch(dir, ["x.mp4"])
        let csv = dir.appendingPathComponent("l.csv")
        try "path,label\nx.mp4,0-1\nx.mp4,9-9\n".write(to: csv, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try ClassificationManifest.load(csv: csv, classNames: SyncMNIST.classNames)) { error in
            XCTAssertEqual(error as? DatasetError, .unknownLabel(csv, line: 3, label: "9-9"))
            XCTAssertEqual((error as? LocalizedError)?.errorDescription, "\(csv.path):3: unknown label '9-9'")
        }
        try "x.mp4,0-1\ngone.mp4,0-1\n".write(to: csv, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try ClassificationManifest.load(csv: csv, classNames: SyncMNIST.classNames)) { error in
            guard case .missingEntries(_, let paths, let total)? = error as? DatasetError else { return XCTFail("\(error)") }
            XCTAssertEqual(total, 1)
            XCTAssertTrue(paths[0].hasSuffix("gone.mp4"))
        }
        XCTAssertNoThrow(try ClassificationManifest.load(csv: csv, classNames: SyncMNIST.classNames, checkFiles: false))
        try "x.mp4\n".write(to: csv, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try ClassificationManifest.load(csv: csv)) { error in
            XCTAssertTrue((error as? LocalizedError)?.errorDescription?.contains("line 1: expected 2 fields") == true)
        }
        try "\"x.mp4,0\n".write(to: csv, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try ClassificationManifest.load(csv: csv)) { error in
            XCTAssertTrue((error as? LocalizedError)?.errorDescription?.contains("unterminated quote") == true)
        }
        XCTAssertThrowsError(try ClassificationManifest.load(csv: dir.appendingPathComponent("none.csv"))) { error in
            XCTAssertEqual(error as? DatasetError, .missingFile(dir.appendingPathComponent("none.csv")))
        }
    }

    func testFolderPerClassAndRoundTrip() throws {
        let dir = try temporaryDirectory(self)
        try touch(dir, ["data/walk/1.mp4", "data/walk/2.MP4", "data/run/3.avi", "data/run/notes.txt", "data/jump/frames/00000.png"])
        let m = try ClassificationManifest.load(folder: dir.appendingPathComponent("data"))
        XCTAssertEqual(m.classNames, ["jump", "run", "walk"])
        XCTAssertEqual(m.entries.map(\.label), [0, 1, 2, 2])
        XCTAssertEqual(m.entries[0].url.lastPathComponent, "frames")
        let csv = dir.appendingPathComponent("data/list.csv")
        try m.writeCSV(to: csv)
        let back = try ClassificationManifest.load(csv: csv, classNames: m.classNames)
        XCTAssertEqual(back, m)
        let names = dir.appendingPathComponent("classes.txt")
        try ClassificationManifest.writeClassNames(m.classNames, to: names)
        XCTAssertEqual(try ClassificationManifest.loadClassNames(names), m.classNames)
        try "a\n\nb\na\n".write(to: names, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try ClassificationManifest.loadClassNames(names))
    }
}
