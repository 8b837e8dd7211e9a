import Datasets
import Foundation
import Tensors
import XCTest
@testable import Models

/// The library's batch classification (what `vidgraph classify` runs): input order kept across
/// failures and batches, scores equal to the model's own probabilities, summary counts.
final class BatchClassifierTests: XCTestCase {
    func testOrderScoresAndFailures() throws {
        let dir = try temporaryFolder(self)
        let sync = try SyncMNIST.procedural(digitsPerClip: 3, split: .test, seed: 4, perClass: 5)
        try sync.export(count: 4, to: dir)
        let broken = dir.appendingPathComponent("broken.mp4")
        try Data("not a video".utf8).write(to: broken)
        let clip = { (i: Int) in dir.appendingPathComponent(sync.clipPath(index: i)).path }
        let truth = { (i: Int) in SyncMNIST.classNames[sync.layout(index: i).label] }
        let inputs = [BatchClassifier.Input(path: clip(0), label: truth(0)),
                      BatchClassifier.Input(path: clip(1)),
                      BatchClassifier.Input(path: broken.path, label: "0-1"),
                      BatchClassifier.Input(path: clip(2), label: "not-a-class"),
                      BatchClassifier.Input(path: clip(3), label: truth(3))]

        let model = try ModelFactory.make(tinyConfig(), seed: 5)
        let sampler = ClipSampler(frames: 10, size: 64)
        var batch = BatchClassifier(model: model, labels: SyncMNIST.classNames, sampler: sampler, topK: 3)
        batch.batchSize = 2     // several flushes, with failures between them
        batch.threads = 2
        var records: [PredictionRecord] = []
        var progressed = 0
        let summary = try batch.run(inputs, emit: { records.append($0) }, progress: { done, _ in progressed = done })

        XCTAssertEqual(records.map(\.path), inputs.map(\.path), "records in input order")
        XCTAssertEqual(progressed, 5)
        XCTAssertNotNil(records[2].error)
        XCTAssertTrue(records[3].error?.contains("not-a-class") ?? false, records[3].error ?? "no error")
        XCTAssertEqual(summary, BatchClassifier.Summary(clips: 5, failures: 2, labelled: 2,
                                                        correct: [records[0], records[4]].filter { $0.correct == true }.count))
        for i in [0, 1, 4] {
            let r = records[i]
            XCTAssertNil(r.error)
            XCTAssertEqual(r.labels.count, 3)
            XCTAssertEqual(r.scores, r.scores.sorted(by: >))
            // The same clip through the model directly.
            let frames = try sampler.sample(URL(fileURLWithPath: r.path))                  // [1, T, 1, S, S]
            let p = model.probabilities(Tensor(frames, shape: [1, 10, 1, 64, 64])).data      // [classes]
            let best = p.indices.max { p[$0] < p[$1] }!
            XCTAssertEqual(r.labels[0], SyncMNIST.classNames[best])
            XCTAssertEqual(r.scores[0], p[best], accuracy: 1e-5)
        }
        XCTAssertEqual(records[0].label, truth(0))
        XCTAssertNil(records[1].label, "no label given, none reported")
    }

    /// `reversed`: each window gets a second view with the frames in reverse order, and the record's
    /// scores are the mean of the model's probabilities for the two views.
    func testReversedViewAveragesForwardAndBackward() throws {
        let dir = try temporaryFolder(self)
        let sync = try SyncMNIST.procedural(digitsPerClip: 3, split: .test, seed: 6, perClass: 5)
        try sync.export(count: 2, to: dir)
        let model = try ModelFactory.make(tinyConfig(), seed: 7)
        let forward = ClipSampler(frames: 10, size: 64), both = ClipSampler(frames: 10, size: 64, reversed: true)
        XCTAssertEqual([forward.viewsPerVideo, both.viewsPerVideo, ClipSampler(frames: 10, size: 64, clips: 2, crops: 3, reversed: true).viewsPerVideo], [1, 2, 12])
        var batch = BatchClassifier(model: model, labels: SyncMNIST.classNames, sampler: both, topK: 46)
        batch.batchSize = 3
        var records: [PredictionRecord] = []
        let paths = (0..<2).map { dir.appendingPathComponent(sync.clipPath(index: $0)).path }
        _ = try batch.run(paths.map { BatchClassifier.Input(path: $0) }, emit: { records.append($0) })
        let plane = 64 * 64, t = 10
        for (path, record) in zip(paths, records) {
            let one = try forward.sample(URL(fileURLWithPath: path)), two = try both.sample(URL(fileURLWithPath: path))
            XCTAssertEqual(two.count, 2 * t * plane)
            XCTAssertEqual(Array(two[0..<(t * plane)]), one)
            for ti in 0..<t {   // view 1, frame ti == view 0, frame T-1-ti
                XCTAssertEqual(Array(two[((t + ti) * plane)..<((t + ti + 1) * plane)]), Array(one[((t - 1 - ti) * plane)..<((t - ti) * plane)]))
            }
            XCTAssertNotEqual(Array(two[(t * plane)...]), one, "the clip is not a palindrome")
            let p = model.probabilities(Tensor(two, shape: [2, t, 1, 64, 64])).data   // [2, classes]
            let c = SyncMNIST.classNames.count
            for (label, score) in zip(record.labels, record.scores) {
                let j = SyncMNIST.classNames.firstIndex(of: label)!
                XCTAssertEqual(score, (p[j] + p[c + j]) / 2, accuracy: 1e-5, label)
            }
        }
    }

    /// `shift` P: every view is followed by 4 copies translated by (±P, ±P) with replicated borders;
    /// with `reversed`, the reversed view gets its own 4 copies.
    func testShiftedViewsTranslateWithReplicatedBorders() throws {
        let dir = try temporaryFolder(self)
        let sync = try SyncMNIST.procedural(digitsPerClip: 3, split: .test, seed: 8, perClass: 5)
        try sync.export(count: 1, to: dir)
        let url = dir.appendingPathComponent(sync.clipPath(index: 0))
        let plain = try ClipSampler(frames: 10, size: 64).sample(url)
        let sampler = ClipSampler(frames: 10, size: 64, reversed: true, shift: 3)
        XCTAssertEqual(sampler.viewsPerVideo, 10)
        let views = try sampler.sample(url)
        let s = 64, t = 10, plane = s * s
        XCTAssertEqual(views.count, 10 * t * plane)
        let offsets = [(0, 0), (-3, -3), (3, -3), (-3, 3), (3, 3)]
        for (v, (dx, dy)) in offsets.enumerated() {
            for backwards in [false, true] {
                let view = (backwards ? 5 : 0) + v
                for ti in [0, 4, 9] {
                    let source = backwards ? t - 1 - ti : ti
                    for (x, y) in [(0, 0), (63, 63), (10, 50), (2, 61), (32, 32)] {
                        let sx = min(max(x - dx, 0), s - 1), sy = min(max(y - dy, 0), s - 1)
                        XCTAssertEqual(views[(view * t + ti) * plane + y * s + x], plain[source * plane + sy * s + sx],
                                       "view \(view) frame \(ti) pixel (\(x), \(y))")
                    }
                }
            }
        }
        XCTAssertThrowsError(try ModelConfig(yaml: "name: x\nkind: rstg\ntest: {shift: -1}\n", source: "x.yaml"))
        XCTAssertEqual(try ModelConfig(yaml: "name: x\nkind: rstg\ntest: {shift: 4}\n", source: "x.yaml").test.shift, 4)
    }

    /// An ensemble (`--model` repeated): each record's scores are the mean of the members'
    /// probabilities for the same windows (here with the reversed view too, so the mean runs over
    /// models and views), and the top label is the mean's argmax.
    func testEnsembleAveragesTheMembersProbabilities() throws {
        let dir = try temporaryFolder(self)
        let sync = try SyncMNIST.procedural(digitsPerClip: 3, split: .test, seed: 9, perClass: 5)
        try sync.export(count: 3, to: dir)
        let a = try ModelFactory.make(tinyConfig(), seed: 11), b = try ModelFactory.make(tinyConfig(hidden: 6), seed: 12)
        // The classifiers start at zero (uniform probabilities); random ones make the members differ.
        var rng = RandomGenerator(seed: 13)
        for m in [a, b] { m.classifier.weight.assign((0..<m.classifier.weight.count).map { _ in 4 * rng.nextUniform() - 2 }) }
        let sampler = ClipSampler(frames: 10, size: 64, reversed: true)
        var batch = BatchClassifier(models: [a, b], labels: SyncMNIST.classNames, sampler: sampler, topK: 46)
        batch.batchSize = 4     // two clips' windows per batch: a second flush
        var records: [PredictionRecord] = []
        let paths = (0..<3).map { dir.appendingPathComponent(sync.clipPath(index: $0)).path }
        _ = try batch.run(paths.map { BatchClassifier.Input(path: $0) }, emit: { records.append($0) })
        XCTAssertEqual(records.count, 3)
        let c = SyncMNIST.classNames.count
        var differ = false
        for (path, record) in zip(paths, records) {
            let x = Tensor(try sampler.sample(URL(fileURLWithPath: path)), shape: [2, 10, 1, 64, 64])
            let pa = a.probabilities(x).data, pb = b.probabilities(x).data      // [2, classes] each
            let mean = (0..<c).map { j in (pa[j] + pa[c + j] + pb[j] + pb[c + j]) / 4 }
            let best = mean.indices.max { mean[$0] < mean[$1] }!
            XCTAssertEqual(record.labels[0], SyncMNIST.classNames[best])
            for (label, score) in zip(record.labels, record.scores) {
                let j = SyncMNIST.classNames.firstIndex(of: label)!
                XCTAssertEqual(score, mean[j], accuracy: 1e-5, label)
            }
            differ = differ || zip(pa, pb).contains { abs($0 - $1) > 1e-4 }     // 10x the tolerance above
        }
        XCTAssertTrue(differ, "the two members must disagree for the test to mean anything")
    }

    /// Members must share labels and input; the error names the member that differs.
    func testEnsembleRejectsMembersWithOtherLabelsOrInput() throws {
        let url = { (name: String) in URL(fileURLWithPath: "/models/\(name).safetensors") }
        let member = { (config: ModelConfig, name: String) throws -> LoadedModel in
            LoadedModel(model: try ModelFactory.make(config, seed: 1), url: url(name), metadata: [:])
        }
        // Configs are checked against their data (SyncMNIST: 10 frames of 64x64, 46 classes), so
        // the other input is set after parsing and the other labels are SyncMNIST's in another order.
        var small = try tinyConfig(), eight = try tinyConfig()
        small.size = 32
        eight.frames = 8
        let reordered = SyncMNIST.classNames.reversed().joined(separator: ", ")
        let others = try ModelConfig(yaml: "name: r\nkind: rstg\nclasses: [\(reordered)]\narchitecture: {backbone_widths: [4, 4, 8], hidden: 8}\n", source: "r.yaml")
        let base = try member(tinyConfig(), "base"), same = try member(tinyConfig(hidden: 6), "same-input")
        XCTAssertNoThrow(try BatchClassifier.checkEnsemble([base, same]))
        XCTAssertNoThrow(try BatchClassifier.checkEnsemble([base]))
        for (config, name, word) in [(small, "small", "32x32"), (eight, "eight", "8 frames"), (others, "reordered", "labels")] {
            let other = try member(config, name)
            XCTAssertThrowsError(try BatchClassifier(ensemble: [base, same, other], sampler: ClipSampler(frames: 10, size: 64))) { error in
                let text = (error as? LocalizedError)?.errorDescription ?? "\(error)"
                XCTAssertTrue(text.contains(other.url.lastPathComponent) && text.contains(word), text)
            }
        }
        XCTAssertThrowsError(try BatchClassifier.checkEnsemble([]))
    }
}
