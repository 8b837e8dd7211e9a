import Foundation
import XCTest
@testable import Datasets
import Media

final class ExportTests: XCTestCase {
    func testSyncMNISTExportReadsBackAndResumes() throws {
        let dir = try temporaryDirectory(self)
        let g = try SyncMNIST.procedural(digitsPerClip: 3, split: .test, seed: 5, perClass: 5)
        XCTAssertEqual(try g.export(count: 3, to: dir), 3)
        let manifest = try ClassificationManifest.load(csv: dir.appendingPathComponent("labels.csv"),
                                                       classNames: try ClassificationManifest.loadClassNames(dir.appendingPathComponent("classes.txt")))
        XCTAssertEqual(manifest.classNames, SyncMNIST.classNames)
        XCTAssertEqual(manifest.entries.count, 3)
        for (i, entry) in manifest.entries.enumerated() {
            XCTAssertEqual(entry.url.lastPathComponent, "test_00000\(i).mp4")
            let (frames, label) = g.clip(index: i)
            XCTAssertEqual(entry.label, label)
            let reader = try VideoReader(url: entry.url)
            var decoded: [RGBImage] = []
            while let f = try reader.nextFrame() { decoded.append(f.image) }
            XCTAssertEqual(decoded.count, 10)
            for (t, image) in decoded.enumerated() {
                XCTAssertEqual(image.width, 64); XCTAssertEqual(image.height, 64)
                // Near-lossless: gray is preserved within a few levels on average.
                var err = 0.0
                for p in 0..<4096 { err += abs(Double(image.pixels[p * 3 + 1]) - Double(frames[t].pixels[p])) }
                XCTAssertLessThan(err / 4096, 3.0, "clip \(i) frame \(t) differs too much after encoding")
            }
        }
        // Resume: nothing rewritten, more clips appended; other settings refused.
        let before = try FileManager.default.attributesOfItem(atPath: manifest.entries[0].url.path)[.modificationDate] as? Date
        XCTAssertEqual(try g.export(count: 4, to: dir), 1)
        let after = try FileManager.default.attributesOfItem(atPath: manifest.entries[0].url.path)[.modificationDate] as? Date
        XCTAssertEqual(before, after)
        XCTAssertEqual(try ClassificationManifest.load(csv: dir.appendingPathComponent("test.csv"), classNames: SyncMNIST.classNames).entries.count, 4)
        let other = try SyncMNIST.procedural(digitsPerClip: 5, split: .test, seed: 5, perClass: 5)
        XCTAssertThrowsError(try other.export(count: 1, to: dir))
        // A train export into the same folder keeps the test rows in labels.csv.
        let train = try SyncMNIST.procedural(digitsPerClip: 3, split: .train, seed: 5, perClass: 5)
        XCTAssertEqual(try train.export(count: 2, to: dir), 2)
        XCTAssertEqual(try ClassificationManifest.load(csv: dir.appendingPathComponent("labels.csv"), classNames: SyncMNIST.classNames).entries.count, 6)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("clips").path).filter { $0.hasPrefix(".") }
        XCTAssertEqual(leftovers, [])
    }

    func testShardsShareOneFolder() throws {
        let dir = try temporaryDirectory(self)
        let g = try SyncMNIST.procedural(digitsPerClip: 3, split: .train, seed: 8, perClass: 5)
        XCTAssertEqual(try g.export(indices: 2..<4, to: dir), 2)
        XCTAssertEqual(try g.export(indices: 0..<2, to: dir), 2)
        let m = try ClassificationManifest.load(csv: dir.appendingPathComponent("train.csv"), classNames: SyncMNIST.classNames)
        XCTAssertEqual(m.entries.map(\.url.lastPathComponent), (0..<4).map { "train_00000\($0).mp4" })
        XCTAssertEqual(m.entries.map(\.label), (0..<4).map { g.layout(index: $0).label })
        XCTAssertThrowsError(try g.export(indices: -1..<2, to: dir))
    }

    /// `<split>-layouts.jsonl` lists every exported clip's digits, and its tracks are where the ink is.
    func testSyncMNISTLayoutsLocateTheDigits() throws {
        let dir = try temporaryDirectory(self)
        let g = try SyncMNIST.procedural(digitsPerClip: 3, split: .train, seed: 11, perClass: 5)
        XCTAssertEqual(try g.export(indices: 1..<4, to: dir), 3)
        let text = try String(contentsOf: dir.appendingPathComponent("train-layouts.jsonl"), encoding: .utf8)
        let lines = text.split(separator: "\n")
        XCTAssertEqual(lines.count, 3)
        for (k, line) in lines.enumerated() {
            let index = k + 1
            let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let layout = g.layout(index: index)
            XCTAssertEqual(object["path"] as? String, g.clipPath(index: index))
            XCTAssertEqual(object["label"] as? String, SyncMNIST.classNames[layout.label])
            let classes = try XCTUnwrap(object["classes"] as? [Int])
            XCTAssertEqual(classes.count, 3)
            if object["synchronous"] as? Bool == true {
                XCTAssertEqual(SyncMNIST.label(pair: classes[0], classes[1]), layout.label)
            }
            let positions = try XCTUnwrap(object["positions"] as? [[[Double]]])
            XCTAssertEqual(positions.count, SyncMNIST.frameCount)
            let (frames, _) = g.clip(index: index)
            for (t, frame) in positions.enumerated() {
                XCTAssertEqual(frame.count, 3)
                // Every inked output pixel lies inside some digit's 17.92-pixel box (+1 for the area resize).
                for y in 0..<SyncMNIST.side {
                    for x in 0..<SyncMNIST.side where frames[t].pixels[y * SyncMNIST.side + x] > 0 {
                        let inside = frame.contains { p in
                            Double(x) >= p[0] - 1 && Double(x) <= p[0] + 17.92 + 1 && Double(y) >= p[1] - 1 && Double(y) <= p[1] + 17.92 + 1
                        }
                        XCTAssertTrue(inside, "clip \(index) frame \(t): ink at (\(x), \(y)) outside every listed digit")
                        if !inside { return }
                    }
                }
                // and each digit box holds ink.
                for p in frame {
                    let x0 = Int(p[0].rounded()), y0 = Int(p[1].rounded())
                    var ink = 0
                    for y in y0..<min(y0 + 18, SyncMNIST.side) { for x in x0..<min(x0 + 18, SyncMNIST.side) { ink += Int(frames[t].pixels[y * SyncMNIST.side + x]) } }
                    XCTAssertGreaterThan(ink, 0, "clip \(index) frame \(t): no ink in the digit box at \(p)")
                }
            }
        }
    }

    func testSyntheticVOSExportMatchesInMemoryClip() throws {
        let dir = try temporaryDirectory(self)
        let g = try SyntheticVOS(width: 64, height: 48, frameCount: 4, seed: 2)
        XCTAssertEqual(try g.export(count: 2, to: dir), 2)
        XCTAssertEqual(try g.export(count: 2, to: dir), 0)
        let name = SyntheticVOS.sequenceName(index: 1)
        XCTAssertEqual(name, "synth-00001")
        let (frames, masks) = g.clip(index: 1)
        for t in 0..<4 {
            let file = String(format: "%05d.png", t)
            XCTAssertEqual(try PNGCodec.readGray(dir.appendingPathComponent("Annotations/480p/\(name)/\(file)")), masks[t])
            XCTAssertEqual(try PNGCodec.readRGB(dir.appendingPathComponent("JPEGImages/480p/\(name)/\(file)")), frames[t])
        }
        let reader = try VideoReader(url: dir.appendingPathComponent("videos/\(name).mp4"))
        var count = 0
        while let f = try reader.nextFrame() { XCTAssertEqual(f.image.width, 64); count += 1 }
        XCTAssertEqual(count, 4)
        XCTAssertEqual(try String(contentsOf: dir.appendingPathComponent("sequences.txt"), encoding: .utf8), "synth-00000\nsynth-00001\n")
    }

    func testTexturesLoadFromDAVIS() throws {
        guard let data = sharedDataDirectory(), FileManager.default.fileExists(atPath: data.appendingPathComponent("davis16-dev").path) else {
            throw XCTSkip("../shared/data not present: DAVIS texture test skipped")
        }
        let textures = try SyntheticVOS.loadTextures(from: data.appendingPathComponent("davis16-dev"), perSequence: 1, maxSide: 120)
        XCTAssertGreaterThanOrEqual(textures.count, 5)
        XCTAssertTrue(textures.allSatisfy { max($0.width, $0.height) == 120 })
        let g = try SyntheticVOS(width: 64, height: 48, frameCount: 2, seed: 1, textures: textures)
        XCTAssertTrue(g.clip(index: 0).masks[1].pixels.contains(255))
        XCTAssertThrowsError(try SyntheticVOS.loadTextures(from: data.appendingPathComponent("no-such-folder")))
    }
}
