import Datasets
import Graphs
import Layers
@testable import Models
import Tensors
import XCTest

/// RegionGraphClassifier (Wang & Gupta region graphs): shapes, batched graph structure, equivariance,
/// gradients, overfitting and config validation.
final class RegionGraphClassifierTests: XCTestCase {
    /// Procedural SyncMNIST clips (3 digits) and labels: real digit regions on black.
    static let data: (clips: Tensor, labels: [Int]) = {
        let generator = try! SyncMNIST.procedural(digitsPerClip: 3, split: .train, seed: 4)
        let batch = generator.batch(indices: Array(0..<8))
        return (Tensor(batch.frames, shape: [8, 10, 1, 64, 64]), batch.labels)
    }()

    /// The first `b` clips, first `t` frames.
    func clips(_ b: Int, frames t: Int = 10) -> Tensor {
        Self.data.clips.slice(axis: 0, start: 0, end: b).slice(axis: 1, start: 0, end: t)
    }

    func model(k: Int = 3, layers: Int = 2, extra: String = "", hidden: Int = 8, widths: String = "[4, 4, 8]", seed: UInt64 = 1) throws -> RegionGraphClassifier {
        let config = try tinyConfig(kind: "regions", extraArchitecture: ", backbone_norm: batch, regions_per_frame: \(k), gcn_layers: \(layers)\(extra)",
                                    hidden: hidden, widths: widths)
        return try XCTUnwrap(ModelFactory.make(config, seed: seed) as? RegionGraphClassifier)
    }

    func testForwardShapesNamesAndNodes() throws {
        let m = try model(k: 3, layers: 2)
        let x = clips(2, frames: 4)                                     // [2, 4, 1, 64, 64]
        let y = m.logits(x)
        XCTAssertEqual(y.shape, [2, 46])
        XCTAssertTrue(y.data.allSatisfy(\.isFinite))
        XCTAssertEqual(m.features(x).shape, [2, 8 + 8])                 // D + C
        XCTAssertEqual(m.featureWidth, 16)
        let names = Set(m.namedParameters().map(\.name))
        for n in ["backbone.conv1.weight", "backbone.bn1.weight", "node_embed.weight", "similarity.0.phi.weight",
                  "similarity.1.phi_prime.bias", "gcn_sim.1.weight", "gcn_fwd.0.weight", "gcn_bwd.1.weight",
                  "norm.0.weight", "classifier.weight"] {
            XCTAssertTrue(names.contains(n), "missing \(n) in \(names.sorted())")
        }
        XCTAssertFalse(names.contains("similarity.2.phi.weight"))
        // Nodes: 1...K per frame (3 digits may merge or split), clip-major, pooling rows t * B + b.
        let (graph, pooling) = m.regionGraph(x, mapSide: 8)
        XCTAssertEqual(pooling.count, graph.nodeCount)
        for c in 0..<2 {
            for t in 0..<4 {
                let count = (0..<graph.nodeCount).filter { graph.clipOf[$0] == c && graph.nodes[$0].time == t }.count
                XCTAssertTrue((1...3).contains(count), "clip \(c) frame \(t): \(count) nodes")
            }
        }
        for n in 0..<graph.nodeCount {
            XCTAssertEqual(pooling[n].frame, graph.nodes[n].time * 2 + graph.clipOf[n])
        }
        // SLIC regions work too.
        let slic = try model(k: 4, layers: 1, extra: ", region_source: slic")
        XCTAssertEqual(slic.extractor.source, .slic)
        XCTAssertEqual(slic.logits(clips(1, frames: 2)).shape, [1, 46])
    }

    /// Components are kept largest first, at most K; a black frame gets one whole-frame region.
    func testRegionExtraction() {
        var frame = [Float](repeating: 0, count: 16 * 16)
        func fill(_ x0: Int, _ y0: Int, _ w: Int, _ h: Int) {
            for y in y0..<(y0 + h) { for x in x0..<(x0 + w) { frame[y * 16 + x] = 0.9 } }
        }
        fill(0, 0, 2, 2); fill(5, 5, 4, 3); fill(12, 1, 3, 3); fill(14, 14, 1, 1)   // 4, 12, 9 and 1 pixel(s)
        let extractor = RegionExtractor(regionsPerFrame: 2, threshold: 0.2, minimumPixels: 2)
        let regions = extractor.regions(gray: frame[...], width: 16, height: 16)
        XCTAssertEqual(regions.map(\.pixels.count), [12, 9])
        XCTAssertEqual(regions[0].box, NodeBox(x0: 5.0 / 16, y0: 5.0 / 16, x1: 9.0 / 16, y1: 8.0 / 16))
        let black = extractor.regions(gray: [Float](repeating: 0, count: 256)[...], width: 16, height: 16)
        XCTAssertEqual(black.count, 1)
        XCTAssertEqual(black[0].box, NodeBox(x0: 0, y0: 0, x1: 1, y1: 1))
        XCTAssertEqual(black[0].pixels.count, 256)
    }

    /// The batched IoU graphs: edges only between consecutive frames of the same clip, weights of each
    /// node's incoming edges sum to 1, an edge exactly where the boxes overlap. The similarity support is
    /// every ordered pair within a clip, none across clips.
    func testBatchedIoUAndSimilaritySupport() throws {
        let m = try model(k: 3)
        let (graph, _) = m.regionGraph(clips(3, frames: 5), mapSide: 8)
        let n = graph.nodeCount
        for (edges, step) in [(graph.forward, -1), (graph.backward, 1)] {
            var rowSum = [Float](repeating: 0, count: n)
            var linked = Set<[Int]>()
            for e in 0..<edges.weights.count {
                let s = Int(edges.adjacency.sources[e]), t = Int(edges.adjacency.targets[e])
                XCTAssertEqual(graph.clipOf[s], graph.clipOf[t])
                XCTAssertEqual(graph.nodes[s].time, graph.nodes[t].time + step)
                XCTAssertGreaterThan(edges.weights[e], 0)
                rowSum[t] += edges.weights[e]
                linked.insert([s, t])
            }
            for t in 0..<n {
                let candidates = (0..<n).filter {
                    graph.clipOf[$0] == graph.clipOf[t] && graph.nodes[$0].time == graph.nodes[t].time + step
                }
                let overlapping = candidates.filter { graph.nodes[$0].box.iou(graph.nodes[t].box) > 0 }
                XCTAssertEqual(Set(overlapping.map { [$0, t] }), linked.filter { $0[1] == t }, "node \(t)")
                if !overlapping.isEmpty { XCTAssertEqual(rowSum[t], 1, accuracy: 1e-5) } else { XCTAssertEqual(rowSum[t], 0) }
            }
            XCTAssertFalse(linked.isEmpty, "moving digits overlap between frames")
        }
        let pairs = graph.pairs.adjacency
        let perClip = (0..<3).map { c in graph.clipOf.filter { $0 == c }.count }
        XCTAssertEqual(pairs.edgeCount, perClip.map { $0 * $0 }.reduce(0, +))
        for e in 0..<pairs.edgeCount {
            XCTAssertEqual(graph.clipOf[Int(pairs.sources[e])], graph.clipOf[Int(pairs.targets[e])])
        }
    }

    /// The sparse block similarity weights equal the dense `SimilarityGraph` of each clip on its own.
    func testBlockSimilarityEqualsDensePerClip() throws {
        let m = try model(k: 3)
        let (graph, _) = m.regionGraph(clips(2, frames: 3), mapSide: 8)
        var rng = RandomGenerator(seed: 5)
        let x = Tensor.normal([graph.nodeCount, 8], generator: &rng)
        let w = m.similarity[0].edgeWeights(x, pairs: graph.pairs)
        for c in 0..<2 {
            let members = (0..<graph.nodeCount).filter { graph.clipOf[$0] == c }
            let dense = m.similarity[0](x.indexSelect(axis: 0, indices: members.map { Int32($0) }))   // [N_c, N_c]
            let local = Dictionary(uniqueKeysWithValues: members.enumerated().map { ($0.element, $0.offset) })
            for e in 0..<graph.pairs.adjacency.edgeCount where graph.clipOf[Int(graph.pairs.adjacency.targets[e])] == c {
                let i = local[Int(graph.pairs.adjacency.targets[e])]!, j = local[Int(graph.pairs.adjacency.sources[e])]!
                XCTAssertEqual(w.data[e], dense.data[i * members.count + j], accuracy: 1e-5)
            }
        }
    }

    /// Permuting the node order of the graph stage permutes its output rows and leaves the per-clip
    /// readout unchanged: f(PX, P G P^T) = P f(X, G).
    func testGraphStagePermutationEquivariance() throws {
        let m = try model(k: 3, layers: 3)
        let b = 2
        let x = clips(b, frames: 4)
        let maps = m.backbone(m.timeMajorFrames(x))
        let (graph, pooling) = m.regionGraph(x, mapSide: maps.shape[2])
        let x0 = m.nodeFeatures(maps: maps, graph: graph, pooling: pooling)
        let y = GradMode.disabled { m.graphStage(x0, graph: graph) }
        var rng = RandomGenerator(seed: 8)
        var perm = Array(0..<graph.nodeCount)
        for i in stride(from: perm.count - 1, to: 0, by: -1) { perm.swapAt(i, Int(rng.next() % UInt64(i + 1))) }
        XCTAssertNotEqual(perm, Array(0..<graph.nodeCount))
        let permuted = RegionClipGraph(nodes: perm.map { graph.nodes[$0] }, clipOf: perm.map { graph.clipOf[$0] }, clipCount: b)
        let indices = perm.map { Int32($0) }
        let yp = GradMode.disabled { m.graphStage(x0.indexSelect(axis: 0, indices: indices), graph: permuted) }
        let expected = y.indexSelect(axis: 0, indices: indices)
        XCTAssertEqual(yp.shape, expected.shape)
        for i in 0..<yp.count { XCTAssertEqual(yp.data[i], expected.data[i], accuracy: 1e-4) }
        let pooled = y.segmentMean(graph.clips), pooledPermuted = yp.segmentMean(permuted.clips)
        for i in 0..<pooled.count { XCTAssertEqual(pooled.data[i], pooledPermuted.data[i], accuracy: 1e-4) }
        // The stage mixes nodes (the check above is not vacuous): a node's output depends on the others.
        let alone = GradMode.disabled {
            m.graphStage(x0.slice(axis: 0, start: 0, end: 1),
                         graph: RegionClipGraph(nodes: [graph.nodes[0]], clipOf: [0], clipCount: 1))
        }
        XCTAssertGreaterThan(zip(alone.data, y.data.prefix(alone.count)).map { abs($0 - $1) }.max()!, 1e-3)
    }

    /// Area-weighted region pooling: values match a direct computation, gradients match finite differences.
    func testRegionPoolingValuesAndGradients() throws {
        // A region of image pixels on a 8x8 image mapped to a 2x2 map: 3 pixels in cell (0,0), 1 in cell (1,1).
        let region = RegionGraphClassifier.poolingRegion([0, 1, 8, 63], frameRow: 1, imageSide: 8, mapSide: 2)
        XCTAssertEqual(region.frame, 1)
        XCTAssertEqual(region.pixels, [0, 0, 0, 3])
        var rng = RandomGenerator(seed: 3)
        let map = Tensor.normal([2, 3, 2, 2], generator: &rng, requiresGrad: true)
        let other = RegionGraphClassifier.poolingRegion([2, 3, 4, 5, 60, 61], frameRow: 0, imageSide: 8, mapSide: 2)
        let pooled = RegionPooling.pool(map, regions: [region, other])   // [2, 3]
        for c in 0..<3 {
            let plane = (1 * 3 + c) * 4
            XCTAssertEqual(pooled.data[c], (3 * map.data[plane] + map.data[plane + 3]) / 4, accuracy: 1e-6)
        }
        // Through the model's node features (pool -> concat geometry -> embed), w.r.t. the map.
        let m = try model(k: 3, hidden: 4, widths: "[2, 2, 3]")
        let x = clips(2, frames: 2)
        let (graph, pooling) = m.regionGraph(x, mapSide: 8)
        let maps = Tensor.normal([4, 3, 8, 8], generator: &rng, requiresGrad: true)
        let weights = Tensor.uniform([graph.nodeCount, 4], low: -1, high: 1, generator: &rng)
        func loss() -> Tensor { (m.nodeFeatures(maps: maps, graph: graph, pooling: pooling) * weights).sum() }
        loss().backward()
        let grad = try XCTUnwrap(maps.grad)
        XCTAssertGreaterThan(grad.data.map(abs).max()!, 0)
        try assertGradientsMatchFiniteDifferences([("map", maps)], eps: 1e-2, absolute: 1e-3, relative: 1e-2,
                                                  entries: { Array(stride(from: 0, to: $0.count, by: 7)) }, loss: loss)
    }

    /// Every parameter gets a gradient, and a few across all stages match finite differences.
    func testGradientsReachEveryParameter() throws {
        let m = try model(k: 3, layers: 2, hidden: 6, widths: "[3, 4, 4]", seed: 11)
        var rng = RandomGenerator(seed: 12)
        m.classifier.weight.assign(Tensor.uniform(m.classifier.weight.shape, low: -0.3, high: 0.3, generator: &rng).data)
        let x = clips(2, frames: 3)
        let targets = [3, 45]
        func loss() -> Tensor { Loss.crossEntropy(m.logits(x), targets: targets) }
        m.zeroGrad()
        loss().backward()
        for (name, p) in m.namedParameters() {
            let g = try XCTUnwrap(p.grad, "no gradient for \(name)")
            XCTAssertGreaterThan(g.data.map(abs).max()!, 0, "zero gradient for \(name)")
        }
        let named = Dictionary(uniqueKeysWithValues: m.namedParameters().map { ($0.name, $0.tensor) })
        let names = ["classifier.weight", "norm.1.weight", "gcn_sim.1.weight", "gcn_fwd.0.weight", "gcn_bwd.1.weight",
                     "similarity.0.phi.weight", "similarity.1.phi_prime.weight", "node_embed.weight", "backbone.conv1.weight"]
        let tensors = try names.map { name in (name: name, tensor: try XCTUnwrap(named[name], name)) }
        try assertGradientsMatchFiniteDifferences(tensors, eps: 3e-3, absolute: 2e-3, relative: 3e-2, loss: loss)
    }

    /// A small region-graph model memorises 8 procedural SyncMNIST clips.
    func testOverfitsSmallBatch() throws {
        let m = try model(k: 4, layers: 2, hidden: 16, widths: "[4, 8, 8]", seed: 2)
        let (clips, labels) = Self.data
        let optimizer = Adam(m, Adam.Config(learningRate: 0.01))
        var first: Float = 0, last: Float = 0
        for step in 0..<1200 {   // stops early once the loss is below 0.02
            let loss = Loss.crossEntropy(m.logits(clips), targets: labels)
            if step == 0 { first = loss.item }
            last = loss.item
            optimizer.zeroGrad()
            loss.backward()
            optimizer.step()
            if last < 0.02 { break }
        }
        let predictions = GradMode.disabled { m.logits(clips) }.argmaxLastAxis()
        XCTAssertEqual(predictions, labels, "loss \(first) -> \(last)")
        XCTAssertLessThan(last, 0.05, "loss \(first) -> \(last)")
    }

    func testShippedConfigsAndValidation() throws {
        let folder = repoRoot.appendingPathComponent("configs")
        let three = try ModelConfig(contentsOf: folder.appendingPathComponent("classify-regions-syncmnist3.yaml"))
        XCTAssertEqual(three.name, "regions-sync3")
        XCTAssertEqual(three.kind, "regions")
        XCTAssertEqual(three.architecture.regionsPerFrame, 4)
        XCTAssertEqual(three.architecture.backboneNorm, "batch")
        XCTAssertEqual(three.training.presenceWeight, 1)
        let five = try ModelConfig(contentsOf: folder.appendingPathComponent("classify-regions-syncmnist5.yaml"))
        XCTAssertEqual(five.name, "regions-sync5")
        XCTAssertEqual(five.data.digits, 5)
        XCTAssertTrue(ModelFactory.make(five) is RegionGraphClassifier)

        func error(_ architecture: String) -> ModelConfigError? {
            do {
                _ = try ModelConfig(yaml: "name: x\nkind: regions\narchitecture: {\(architecture)}\n", source: "bad.yaml")
            } catch let e as ModelConfigError {
                return e
            } catch {
                XCTFail("unexpected \(error)")
            }
            XCTFail("expected an error for \(architecture)")
            return nil
        }
        XCTAssertEqual(error("region_source: watershed")?.key, "architecture.region_source")
        XCTAssertTrue(error("region_source: watershed")?.reason.contains("components") ?? false)
        XCTAssertEqual(error("regions_per_frame: 0")?.key, "architecture.regions_per_frame")
        XCTAssertEqual(error("gcn_layers: 99")?.key, "architecture.gcn_layers")
        XCTAssertEqual(error("region_threshold: 1.5")?.key, "architecture.region_threshold")
        XCTAssertEqual(error("regions_per_frme: 4")?.key, "architecture.regions_per_frme")
        XCTAssertTrue(error("gcn_layers: two")?.errorDescription?.contains("bad.yaml") ?? false)
        let defaults = try ModelConfig(yaml: "name: x\nkind: regions\n", source: "x.yaml")
        XCTAssertEqual(defaults.architecture.regionSource, "components")
        XCTAssertEqual(defaults.architecture.gcnLayers, 3)
    }
}
