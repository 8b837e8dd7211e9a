import Foundation
import XCTest
@testable import Models

/// End to end: `vidgraph synth syncmnist` writes mp4 clips, a tiny model is saved, and
/// `vidgraph classify` labels them (JSONL format, --resume, --shard, a broken file -> "error" + exit 1).
final class ClassifyCLITests: XCTestCase {
    func binary() throws -> URL {
        var candidates: [URL] = []
        for b in Bundle.allBundles {
            // On Linux the bundle URL is the build folder itself; elsewhere the .xctest bundle inside it.
            candidates.append(b.bundleURL.appendingPathComponent("vidgraph"))
            candidates.append(b.bundleURL.deletingLastPathComponent().appendingPathComponent("vidgraph"))
        }
        candidates.append(repoRoot.appendingPathComponent(".build/debug/vidgraph"))
        candidates.append(repoRoot.appendingPathComponent(".build/release/vidgraph"))
        for c in candidates where FileManager.default.isExecutableFile(atPath: c.path) { return c }
        throw XCTSkip("vidgraph binary not built (run `swift build` first)")
    }

    @discardableResult
    func run(_ args: [String], expect status: Int32 = 0, file: StaticString = #filePath, line: UInt = #line) throws -> (stdout: String, stderr: String) {
        let p = Process()
        p.executableURL = try binary()
        p.arguments = args
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        final class Box: @unchecked Sendable { var data = Data() }
        let errBox = Box()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async { errBox.data = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        p.waitUntilExit()
        let stderr = String(decoding: errBox.data, as: UTF8.self)
        XCTAssertEqual(p.terminationStatus, status, "vidgraph \(args.joined(separator: " ")):\n\(stderr)", file: file, line: line)
        return (String(decoding: outData, as: UTF8.self), stderr)
    }

    func objects(_ url: URL) throws -> [[String: Any]] {
        let text = try String(contentsOf: url, encoding: .utf8)
        XCTAssertTrue(text.hasSuffix("\n"), "output must end with a complete line")
        return try text.split(separator: "\n").map {
            try XCTUnwrap(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any], String($0))
        }
    }

    func testClassifySyncMNISTClips() throws {
        let dir = try temporaryFolder(self)
        try run(["synth", "syncmnist", "--count", "5", "--split", "test", "--out", dir.appendingPathComponent("data").path])
        let clipsDir = dir.appendingPathComponent("data/clips")
        // A broken "video".
        try Data("not a video".utf8).write(to: clipsDir.appendingPathComponent("broken.mp4"))
        let labels = try String(contentsOf: dir.appendingPathComponent("data/labels.csv"), encoding: .utf8)
        // The broken clip sits in the middle of the list: the output must keep the list's order.
        var lines = labels.split(separator: "\n").map(String.init)
        lines.insert("clips/broken.mp4,0-1", at: 3)
        try (lines.joined(separator: "\n") + "\n").write(to: dir.appendingPathComponent("data/list.csv"), atomically: true, encoding: .utf8)
        let listOrder = lines.dropFirst().map { String($0.split(separator: ",")[0].split(separator: "/").last!) }

        // A tiny random model saved as a model file.
        let config = try tinyConfig()
        let modelURL = dir.appendingPathComponent("tiny.safetensors")
        try ModelWeights.save(ModelFactory.make(config, seed: 3), to: modelURL, trainedWith: "test")

        let out = dir.appendingPathComponent("preds.jsonl")
        let list = dir.appendingPathComponent("data/list.csv").path
        let first = try run(["classify", "--list", list, "--model", modelURL.path, "--out", out.path, "--top-k", "3", "--jobs", "2"], expect: 1)
        XCTAssertTrue(first.stderr.contains("6 clips, 1 failed"), first.stderr)
        XCTAssertTrue(first.stderr.contains("accuracy"), first.stderr)
        var rows = try objects(out)
        XCTAssertEqual(rows.count, 6)
        XCTAssertEqual(rows.map { ($0["path"] as? String).map { URL(fileURLWithPath: $0).lastPathComponent } ?? "" }, listOrder)
        let broken = try XCTUnwrap(rows.first { ($0["path"] as? String)?.hasSuffix("broken.mp4") ?? false })
        XCTAssertNotNil(broken["error"] as? String)
        for row in rows where row["error"] == nil {
            let top = try XCTUnwrap(row["labels"] as? [String])
            let scores = try XCTUnwrap(row["scores"] as? [Double])
            XCTAssertEqual(top.count, 3)
            XCTAssertEqual(scores.count, 3)
            XCTAssertEqual(scores, scores.sorted(by: >), "scores best first")
            XCTAssertNotNil(row["label"] as? String)
            XCTAssertEqual(row["correct"] as? Bool, top.first == row["label"] as? String)
        }

        // Interrupted output (a partial last line, one clip missing) -> --resume completes it.
        var text = try String(contentsOf: out, encoding: .utf8).split(separator: "\n").dropLast().joined(separator: "\n")
        text += "\n{\"path\": \"half"
        try text.write(to: out, atomically: true, encoding: .utf8)
        let resumed = try run(["classify", "--list", list, "--model", modelURL.path, "--out", out.path, "--resume"], expect: rows.last?["error"] == nil ? 0 : 1)
        XCTAssertTrue(resumed.stderr.contains("1 clips"), resumed.stderr)
        rows = try objects(out)
        XCTAssertEqual(rows.count, 6)
        XCTAssertEqual(Set(rows.compactMap { $0["path"] as? String }).count, 6)

        // Shards partition the inputs; stdout output without --out.
        let mp4s = (0..<5).map { clipsDir.appendingPathComponent(String(format: "test_%06d.mp4", $0)).path }
        var seen: [String] = []
        for i in 0..<2 {
            let shard = try run(["classify"] + mp4s + ["--model", modelURL.path, "--shard", "\(i)/2"])
            let lines = shard.stdout.split(separator: "\n")
            XCTAssertEqual(lines.count, i == 0 ? 3 : 2)
            for l in lines {
                let o = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(l.utf8)) as? [String: Any])
                seen.append(try XCTUnwrap(o["path"] as? String))
            }
        }
        XCTAssertEqual(seen.sorted(), mp4s.sorted())

        // CSV output and usage errors.
        let csv = dir.appendingPathComponent("p.csv")
        try run(["classify", mp4s[0], "--model", modelURL.path, "--out", csv.path, "--clips", "2"])
        let csvLines = try String(contentsOf: csv, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(csvLines.first, "path,labels,scores,label,correct,error")
        XCTAssertEqual(csvLines.count, 2)
        try run(["classify", mp4s[0], "--model", modelURL.path, "--shard", "2/2"], expect: 2)
        let negativeShift = try run(["classify", mp4s[0], "--model", modelURL.path, "--shift", "-1"], expect: 2)
        XCTAssertTrue(negativeShift.stderr.contains("--shift"), negativeShift.stderr)
        // Test-time views with the embedded rstg-sync3, whose config turns the reversed view on:
        // the default equals --reverse, and --no-reverse and --shift change the scores.
        func scores(_ extra: [String]) throws -> [Double] {
            let line = try run(["classify", mp4s[0], "--model", "rstg-sync3", "--top-k", "46"] + extra).stdout
            let o = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            return try XCTUnwrap(o["scores"] as? [Double])
        }
        let byDefault = try scores([])
        XCTAssertEqual(try scores(["--reverse"]), byDefault)
        XCTAssertNotEqual(try scores(["--no-reverse"]), byDefault)
        XCTAssertNotEqual(try scores(["--shift", "4"]), byDefault)
        let missing = try run(["classify", mp4s[0], "--model", dir.appendingPathComponent("nope.safetensors").path], expect: 1)
        XCTAssertTrue(missing.stderr.contains("nope.safetensors"), missing.stderr)
    }

    /// `--model` twice: each clip's scores are the mean of the two models' own (embedded `rstg-sync3`
    /// and `rstg-sync3-narrow`: the same labels and input, other architectures); a model that cannot
    /// join (a segmenter) is one error line and exit 1, with nothing written.
    func testEnsembleOfTwoEmbeddedModels() throws {
        let dir = try temporaryFolder(self)
        try run(["synth", "syncmnist", "--count", "2", "--split", "test", "--out", dir.appendingPathComponent("data").path])
        let clips = ["test_000000.mp4", "test_000001.mp4"].map { dir.appendingPathComponent("data/clips/\($0)").path }
        func scores(_ models: [String], _ name: String) throws -> [[String: Double]] {
            let out = dir.appendingPathComponent(name + ".jsonl")
            // One view each (the ensemble's sampling defaults are the first model's: rstg-sync3 adds the reversed view).
            try run(["classify"] + clips + models.flatMap { ["--model", $0] } + ["--no-reverse", "--top-k", "46", "--out", out.path])
            return try objects(out).map { o in
                let labels = try XCTUnwrap(o["labels"] as? [String]), values = try XCTUnwrap(o["scores"] as? [Double])
                return Dictionary(uniqueKeysWithValues: zip(labels, values))
            }
        }
        let a = try scores(["rstg-sync3"], "a"), b = try scores(["rstg-sync3-narrow"], "b")
        let both = try scores(["rstg-sync3", "rstg-sync3-narrow"], "ab")
        XCTAssertEqual(both.count, 2)
        var apart = 0.0
        for (k, record) in both.enumerated() {
            XCTAssertEqual(record.count, 46)
            for (label, score) in record {
                XCTAssertEqual(score, (a[k][label]! + b[k][label]!) / 2, accuracy: 2e-6, label)
                apart = max(apart, abs(a[k][label]! - b[k][label]!))
            }
        }
        XCTAssertGreaterThan(apart, 0.01, "the two models must disagree somewhere")
        let out = dir.appendingPathComponent("bad.jsonl")
        let bad = try run(["classify", clips[0], "--model", "rstg-sync3", "--model", "framegraph", "--out", out.path], expect: 1)
        XCTAssertTrue(bad.stderr.contains("framegraph"), bad.stderr)
        XCTAssertEqual(bad.stderr.split(separator: "\n").filter { !$0.isEmpty }.count, 1, bad.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.path))
    }
}
