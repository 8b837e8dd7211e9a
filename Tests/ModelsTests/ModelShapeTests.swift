import Datasets
import XCTest
@testable import Models
import Tensors

final class ModelShapeTests: XCTestCase {
    func testForwardShapesOfAllKinds() throws {
        let clips = randomClips(2, 3, 64)   // [2, 3, 1, 64, 64]
        for (kind, extra) in [("rstg", ""), ("rstg", ", space: false"), ("rstg", ", time: false"), ("rstg", ", positional: true"),
                              ("mean-lstm", ""), ("conv-lstm", "")] {
            let model = ModelFactory.make(try tinyConfig(kind: kind, extraArchitecture: extra))
            let y = model.logits(clips)
            XCTAssertEqual(y.shape, [2, 46], "\(kind)\(extra)")
            XCTAssertTrue(y.data.allSatisfy(\.isFinite), "\(kind)\(extra)")
            let p = model.probabilities(clips)
            for b in 0..<2 {
                XCTAssertEqual(p.data[(b * 46)..<((b + 1) * 46)].reduce(0, +), 1, accuracy: 1e-4)
            }
        }
    }

    func testRSTGStructure() throws {
        let config = try tinyConfig(rounds: 3)
        let model = try XCTUnwrap(ModelFactory.make(config) as? RSTGClassifier)
        XCTAssertEqual(model.builder.nodesPerFrame, 14)
        XCTAssertEqual(model.timeSteps.count, 3)
        XCTAssertEqual(model.spaceSteps.count, 3)
        XCTAssertNotNil(model.finalStep)
        let names = Set(model.namedParameters().map(\.name))
        for n in ["backbone.conv1.weight", "backbone.conv3.bias", "embed.weight", "time.0.cell.weight_ih", "space.2.send.0.weight",
                  "space.0.adjacency_bias", "final.cell.weight_hh", "classifier.weight"] {
            XCTAssertTrue(names.contains(n), "missing \(n) in \(names.sorted())")
        }
        // Ablations drop their steps.
        let spaceOnly = try XCTUnwrap(ModelFactory.make(try tinyConfig(extraArchitecture: ", time: false")) as? RSTGClassifier)
        XCTAssertTrue(spaceOnly.timeSteps.isEmpty)
        XCTAssertNil(spaceOnly.finalStep)
        let timeOnly = try XCTUnwrap(ModelFactory.make(try tinyConfig(extraArchitecture: ", space: false")) as? RSTGClassifier)
        XCTAssertTrue(timeOnly.spaceSteps.isEmpty)
    }

    /// Clips are independent: the features of a clip do not depend on the other clips of the batch.
    func testBatchIndependence() throws {
        let model = ModelFactory.make(try tinyConfig(rounds: 2))
        let clips = randomClips(3, 4, 64)
        let all = GradMode.disabled { model.features(clips) }   // [3, D] (the RSTG logits start at zero)
        let second = GradMode.disabled { model.features(clips.slice(axis: 0, start: 1, end: 2)) }
        let d = model.featureWidth
        XCTAssertGreaterThan(zip(all.data[0..<d], all.data[d..<(2 * d)]).map { abs($0 - $1) }.max()!, 1e-4)
        for j in 0..<d { XCTAssertEqual(all.data[d + j], second.data[j], accuracy: 1e-5) }
    }

    /// Space-only RSTG has no temporal mixing before the mean over time: reversing the frames leaves the clip features unchanged,
    /// while the full model (LSTMs over time) changes.
    func testTimeOrderMattersOnlyWithTimeSteps() throws {
        // A real clip (random noise frames look alike after pooling, which hides the ordering).
        let data = try SyncMNIST.procedural(digitsPerClip: 3, split: .train, seed: 4, perClass: 3)
        let clips = Tensor(data.batch(indices: [0]).frames, shape: [1, 10, 1, 64, 64]).slice(axis: 1, start: 0, end: 4)
        let reversed = Tensor.concat((0..<4).reversed().map { clips.slice(axis: 1, start: $0, end: $0 + 1) }, axis: 1)
        let spaceOnly = ModelFactory.make(try tinyConfig(extraArchitecture: ", time: false"))
        let a = GradMode.disabled { spaceOnly.features(clips) }, b = GradMode.disabled { spaceOnly.features(reversed) }
        for j in 0..<a.count { XCTAssertEqual(a.data[j], b.data[j], accuracy: 1e-4) }
        let full = ModelFactory.make(try tinyConfig())
        let c = GradMode.disabled { full.features(clips) }, d = GradMode.disabled { full.features(reversed) }
        XCTAssertGreaterThan(zip(c.data, d.data).map { abs($0 - $1) }.max()!, 1e-4)
    }
}
