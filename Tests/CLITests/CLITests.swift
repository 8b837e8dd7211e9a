import Foundation
import XCTest

/// Runs the built `vidgraph` binary and checks exit codes and messages.
final class CLITests: XCTestCase {
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// The `vidgraph` executable next to the test bundle (or in .build/debug|release), else skip.
    func binary() throws -> URL {
        var candidates: [URL] = []
        for b in Bundle.allBundles {
            candidates.append(b.bundleURL.deletingLastPathComponent().appendingPathComponent("vidgraph"))
        }
        let exe = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        candidates.append(exe.deletingLastPathComponent().appendingPathComponent("vidgraph"))
        candidates.append(exe.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("vidgraph"))
        candidates.append(Self.repoRoot.appendingPathComponent(".build/debug/vidgraph"))
        candidates.append(Self.repoRoot.appendingPathComponent(".build/release/vidgraph"))
        for c in candidates where FileManager.default.isExecutableFile(atPath: c.path) { return c }
        throw XCTSkip("vidgraph binary not built (run `swift build` first); looked in \(candidates.map(\.path))")
    }

    struct Result { var status: Int32; var stdout: String; var stderr: String }

    func run(_ args: [String], in cwd: URL? = nil) throws -> Result {
        let p = Process()
        p.executableURL = try binary()
        p.arguments = args
        if let cwd { p.currentDirectoryURL = cwd }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        // Read both pipes fully before waiting (no deadlock on large output).
        final class Box: @unchecked Sendable { var data = Data() }  // written by one thread, read after wait()
        let errBox = Box()
        let group = DispatchGroup()
        group.enter()
        let errHandle = err.fileHandleForReading
        DispatchQueue.global().async { errBox.data = errHandle.readDataToEndOfFile(); group.leave() }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        let errData = errBox.data
        p.waitUntilExit()
        return Result(status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
    }

    func clip(_ name: String = "orbit") throws -> String {
        let url = Self.repoRoot.appendingPathComponent("clips/\(name).mp4")
        guard FileManager.default.fileExists(atPath: url.path) else { throw XCTSkip("clips/\(name).mp4 missing") }
        return url.path
    }

    func tempDir() throws -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("vidgraph-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: d) }
        return d
    }

    func jsonLines(_ s: String) throws -> [[String: Any]] {
        try s.split(separator: "\n").map { line in
            let obj = try JSONSerialization.jsonObject(with: Data(line.utf8))
            return try XCTUnwrap(obj as? [String: Any], "not an object: \(line)")
        }
    }

    /// A training config the trainer refuses (the synchrony loss on a region-graph model) fails with
    /// one error line naming the key, and leaves no run folder behind.
    func testTrainRefusedConfigLeavesNoFolder() throws {
        let dir = try tempDir()
        let config = dir.appendingPathComponent("bad.yaml")
        try """
        name: bad
        kind: regions
        classes: syncmnist
        architecture: {backbone_widths: [4, 4, 8], hidden: 8}
        training: {epochs: 1, clips_per_epoch: 8, batch_size: 2, sync_weight: 1}
        data: {mnist: none, val_clips: 2}
        """.write(to: config, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("run")
        let r = try run(["train", "--config", config.path, "--out", out.path])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("sync_weight"), r.stderr)
        XCTAssertEqual(r.stderr.split(separator: "\n").filter { $0.hasPrefix("error:") }.count, 1, r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.path))
    }

    /// `--epochs` that would end the run before the config's last warm restart is refused up front.
    func testTrainEpochsBeforeRestartRefused() throws {
        let dir = try tempDir()
        let config = dir.appendingPathComponent("restarts.yaml")
        try """
        name: restarts
        kind: rstg
        classes: syncmnist
        architecture: {backbone_widths: [4, 4, 8], hidden: 8}
        training: {epochs: 4, clips_per_epoch: 8, batch_size: 2, restart_epochs: [2]}
        data: {mnist: none, val_clips: 2}
        """.write(to: config, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("run")
        let r = try run(["train", "--config", config.path, "--out", out.path, "--epochs", "2"])
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("restart epoch 2"), r.stderr)
        XCTAssertEqual(r.stderr.split(separator: "\n").filter { $0.hasPrefix("error:") }.count, 1, r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.path))
    }

    /// `--init-from` starts a run from a trained model (said on stderr); a model that does not fit the
    /// config is refused with one error line and no run folder.
    func testTrainInitFrom() throws {
        let dir = try tempDir()
        func config(hidden: Int) throws -> URL {
            let url = dir.appendingPathComponent("h\(hidden).yaml")
            try """
            name: tiny\(hidden)
            kind: rstg
            classes: syncmnist
            architecture: {backbone_widths: [4, 4, 8], hidden: \(hidden), rounds: 1}
            training: {epochs: 1, clips_per_epoch: 4, batch_size: 2}
            data: {mnist: none, val_clips: 2}
            """.write(to: url, atomically: true, encoding: .utf8)
            return url
        }
        let first = dir.appendingPathComponent("first")
        var r = try run(["train", "--config", try config(hidden: 8).path, "--out", first.path, "--threads", "1"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let second = dir.appendingPathComponent("second")
        r = try run(["train", "--config", try config(hidden: 8).path, "--out", second.path, "--threads", "1", "--init-from", first.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("starting from \(first.path)/model.safetensors"), r.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: second.appendingPathComponent("model.safetensors").path))

        let refused = dir.appendingPathComponent("refused")
        r = try run(["train", "--config", try config(hidden: 12).path, "--out", refused.path, "--init-from", first.path])
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("init_from"), r.stderr)
        XCTAssertEqual(r.stderr.split(separator: "\n").filter { $0.hasPrefix("error:") }.count, 1, r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: refused.path))
        r = try run(["train", "--config", try config(hidden: 8).path, "--out", refused.path, "--init-from", dir.appendingPathComponent("absent").path])
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: refused.path))
        // Classifier-only options are refused for a segmentation config rather than ignored.
        let segmentation = Self.repoRoot.appendingPathComponent("configs/segment-smoke.yaml").path
        r = try run(["train", "--config", segmentation, "--out", refused.path, "--init-from", first.path])
        XCTAssertNotEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("--init-from apply to clip-classifier configs"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: refused.path))
    }

    /// `vidgraph models` lists every embedded model in aligned columns, however long its name
    /// (rstg-sync3-narrow is 17 characters): each row's KIND starts where the header's does.
    func testModelsTableColumnsAlign() throws {
        let r = try run(["models"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        let header = try XCTUnwrap(lines.first)
        let kindColumn = try XCTUnwrap(header.range(of: "KIND")).lowerBound.utf16Offset(in: header)
        for name in ["framegraph", "framegraph-seed2", "framegraph-seed3", "rstg-sync3", "rstg-sync3-narrow", "rstg-sync5"] {
            let row = try XCTUnwrap(lines.first { $0.hasPrefix(name + " ") }, "no row for \(name) in\n\(r.stdout)")
            let kind = row.dropFirst(kindColumn).prefix(while: { $0 != " " })
            XCTAssertTrue(["framegraph", "rstg"].contains(String(kind)), "\(name): '\(kind)' under KIND in '\(row)'")
        }
    }

    func testInfoTable() throws {
        let path = try clip()
        let r = try run(["info", path])
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, 2)
        XCTAssertTrue(lines[0].hasPrefix("path"))
        XCTAssertTrue(lines[1].contains("orbit.mp4"))
        XCTAssertTrue(lines[1].contains("320"))
        XCTAssertTrue(lines[1].contains("240"))
        XCTAssertTrue(lines[1].contains("h264"))
        XCTAssertEqual(r.stderr, "")
    }

    func testInfoJSONAndCount() throws {
        let a = try clip("orbit"), b = try clip("crowd")
        let r = try run(["info", "--json", "--count", a, b])
        XCTAssertEqual(r.status, 0, r.stderr)
        let objs = try jsonLines(r.stdout)
        XCTAssertEqual(objs.count, 2)
        for (o, p) in zip(objs, [a, b]) {
            XCTAssertEqual(o["path"] as? String, p)
            XCTAssertEqual(o["width"] as? Int, 320)
            XCTAssertEqual(o["height"] as? Int, 240)
            XCTAssertEqual(o["fps"] as? Double, 24)
            XCTAssertEqual(o["frames"] as? Int, 60)
            XCTAssertEqual(o["duration"] as? Double ?? 0, 2.5, accuracy: 1e-6)
            XCTAssertEqual(o["codec"] as? String, "h264")
            XCTAssertNil(o["error"])
        }
    }

    func testSomeInputsFail() throws {
        let good = try clip()
        let dir = try tempDir()
        let text = dir.appendingPathComponent("notes.mp4")
        try Data("not a video\n".utf8).write(to: text)
        let missing = dir.appendingPathComponent("missing.mp4").path
        let r = try run(["info", "--json", good, missing, text.path, dir.path])
        XCTAssertEqual(r.status, 1)
        let objs = try jsonLines(r.stdout)
        XCTAssertEqual(objs.count, 4)
        XCTAssertEqual(objs[0]["frames"] as? Int, 60)
        XCTAssertEqual(objs[1]["path"] as? String, missing)
        XCTAssertTrue((objs[1]["error"] as? String ?? "").contains("no such file"))
        XCTAssertTrue((objs[2]["error"] as? String ?? "").contains("notes.mp4"))
        XCTAssertTrue((objs[3]["error"] as? String ?? "").contains("no numbered images"))
        let errLines = r.stderr.split(separator: "\n")
        XCTAssertEqual(errLines.count, 3, r.stderr)
        XCTAssertTrue(errLines[0].hasPrefix("error: ") && errLines[0].contains("missing.mp4"))
        XCTAssertTrue(errLines[1].contains("notes.mp4"))
        // Table mode: the good input still prints, errors go to stderr.
        let t = try run(["info", good, missing])
        XCTAssertEqual(t.status, 1)
        XCTAssertTrue(t.stdout.contains("orbit.mp4"))
        XCTAssertTrue(t.stderr.contains("missing.mp4: no such file or directory"))
        // Relative paths are reported as typed.
        let rel = try run(["info", "notes.mp4"], in: dir)
        XCTAssertEqual(rel.status, 1)
        XCTAssertTrue(rel.stderr.hasPrefix("error: notes.mp4: not a readable video or image"), rel.stderr)
        // segment: when every input fails, the output folder the run created is not left behind; a
        // folder that was there before stays.
        let masks = dir.appendingPathComponent("masks")
        let s = try run(["segment", text.path, missing, "--out", masks.path])
        XCTAssertEqual(s.status, 1)
        XCTAssertEqual(s.stderr.split(separator: "\n").filter { $0.contains("skipped") }.count, 2, s.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: masks.path))
        try FileManager.default.createDirectory(at: masks, withIntermediateDirectories: true)
        XCTAssertEqual(try run(["segment", text.path, "--out", masks.path]).status, 1)
        XCTAssertTrue(FileManager.default.fileExists(atPath: masks.path))
    }

    func testUsageErrors() throws {
        XCTAssertEqual(try run(["info"]).status, 2)
        XCTAssertEqual(try run(["info", "--no-such-flag", "x.mp4"]).status, 2)
        XCTAssertEqual(try run(["info", "--threads", "0", "x.mp4"]).status, 2)
        XCTAssertEqual(try run(["synth", "clips", "--frames", "0"]).status, 2)
        for bad in [["--key-stride", "0"], ["--key-stride", "9"], ["--scales", "1,x"]] {
            let r = try run(["segment", "x.mp4", "--out", "m"] + bad)
            XCTAssertEqual(r.status, 2, "\(bad)")
            XCTAssertTrue(r.stderr.contains(bad[0]), r.stderr)
        }
    }

    func testAudioOnlyInput() throws {
        let dir = try tempDir()
        let audio = dir.appendingPathComponent("tone.m4a")
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/ffmpeg") else { throw XCTSkip("ffmpeg CLI not installed") }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/ffmpeg")
        p.arguments = ["-hide_banner", "-loglevel", "error", "-nostdin", "-f", "lavfi", "-i", "sine=duration=0.5", audio.path]
        try p.run()
        p.waitUntilExit()
        let r = try run(["info", audio.path])
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stderr, "error: \(audio.path): no video stream (audio-only or data file)\n")
    }

    func testSynthClipsIsDeterministic() throws {
        let dir = try tempDir()
        let a = dir.appendingPathComponent("a"), b = dir.appendingPathComponent("b")
        for d in [a, b] {
            let r = try run(["synth", "clips", "--out", d.path, "--frames", "6", "--width", "64", "--height", "48", "--seed", "3"])
            XCTAssertEqual(r.status, 0, r.stderr)
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: a.path).sorted()
        XCTAssertEqual(names, ["crowd.mp4", "deform.mp4", "orbit.mp4"])
        for n in names {
            XCTAssertEqual(try Data(contentsOf: a.appendingPathComponent(n)), try Data(contentsOf: b.appendingPathComponent(n)), n)
        }
        let info = try run(["info", "--json", "--count", a.appendingPathComponent("orbit.mp4").path])
        let o = try XCTUnwrap(jsonLines(info.stdout).first)
        XCTAssertEqual(o["frames"] as? Int, 6)
        XCTAssertEqual(o["width"] as? Int, 64)
    }

    func testDAVISFolderAndVideo() throws {
        let env = ProcessInfo.processInfo.environment["VIDGRAPH_SHARED_DATA"]
        let shared = env.map { URL(fileURLWithPath: $0) }
            ?? Self.repoRoot.deletingLastPathComponent().appendingPathComponent("shared/data")
        let davis = shared.appendingPathComponent("davis16-dev")
        guard FileManager.default.fileExists(atPath: davis.path) else { throw XCTSkip("../shared/data not present: \(davis.path)") }
        let r = try run(["info", "--json", davis.appendingPathComponent("videos/libby.mp4").path,
                         davis.appendingPathComponent("JPEGImages/480p/libby").path])
        XCTAssertEqual(r.status, 0, r.stderr)
        let objs = try jsonLines(r.stdout)
        XCTAssertEqual(objs.map { $0["frames"] as? Int }, [49, 49])
        XCTAssertEqual(objs.map { $0["width"] as? Int }, [854, 854])
        XCTAssertEqual(objs[1]["image_sequence"] as? Bool, true)
    }

    /// `snapshots: true` writes one model file per epoch; `vidgraph weights average` joins them into a
    /// model `vidgraph segment` runs, and refuses a model of another kind with one error line and no output.
    func testSegmentationSnapshotsAndWeightsAverage() throws {
        let dir = try tempDir()
        let config = dir.appendingPathComponent("tiny.yaml")
        try """
        name: tiny
        kind: framegraph
        input: {width: 32, height: 24, frames: 2}
        architecture: {backbone_widths: [4, 4, 8, 8], key_channels: 4, iterations: 1, motion: true}
        training: {epochs: 2, steps_per_epoch: 2, learning_rate: 0.01, seed: 3, snapshots: true, threads: 1}
        data: {davis: none, synthetic_clips: 1, synthetic_frames: 4}
        """.write(to: config, atomically: true, encoding: .utf8)
        let runFolder = dir.appendingPathComponent("run")
        let train = try run(["train", "--config", config.path, "--out", runFolder.path])
        XCTAssertEqual(train.status, 0, train.stderr)
        let epochs = ["epoch-001", "epoch-002"].map { runFolder.appendingPathComponent("epochs/\($0).safetensors").path }
        for e in epochs { XCTAssertTrue(FileManager.default.fileExists(atPath: e), e) }
        let average = dir.appendingPathComponent("avg.safetensors")
        let avg = try run(["weights", "average"] + epochs + ["--out", average.path])
        XCTAssertEqual(avg.status, 0, avg.stderr)
        let masks = dir.appendingPathComponent("masks")
        let segment = try run(["segment", try clip(), "--model", average.path, "--out", masks.path, "--threads", "1"])
        XCTAssertEqual(segment.status, 0, segment.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: masks.appendingPathComponent("orbit/00000.png").path))

        let rstg = Self.repoRoot.appendingPathComponent("Sources/Models/Resources/rstg-sync3.safetensors")
        guard FileManager.default.fileExists(atPath: rstg.path) else { throw XCTSkip("embedded rstg-sync3 missing") }
        let bad = dir.appendingPathComponent("bad.safetensors")
        let refused = try run(["weights", "average", epochs[0], rstg.path, "--out", bad.path])
        XCTAssertEqual(refused.status, 1)
        let lines = refused.stderr.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, refused.stderr)
        XCTAssertTrue(refused.stderr.hasPrefix("error: model \(rstg.path)"), refused.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: bad.path))
    }
}
