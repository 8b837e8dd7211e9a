import Foundation
import XCTest
@testable import Graphs
@testable import Tensors

final class RegionAndStructureTests: XCTestCase {
    /// A synthetic image: four colour quadrants with a noisy texture.
    func quadrants(width: Int, height: Int) -> [UInt8] {
        var rng = RandomGenerator(seed: 3)
        var rgb = [UInt8](repeating: 0, count: width * height * 3)
        let colours: [[Int]] = [[200, 40, 40], [40, 180, 60], [50, 60, 200], [220, 220, 90]]
        for y in 0..<height {
            for x in 0..<width {
                let q = (y < height / 2 ? 0 : 2) + (x < width / 2 ? 0 : 1)
                for c in 0..<3 {
                    let v = colours[q][c] + Int(rng.next() % 21) - 10
                    rgb[(y * width + x) * 3 + c] = UInt8(max(0, min(255, v)))
                }
            }
        }
        return rgb
    }

    func testSLICGivesAboutTheRequestedConnectedRegions() {
        let w = 120, h = 90
        let rgb = quadrants(width: w, height: h)
        for k in [24, 60] {
            let labels = SLIC(regionCount: k, compactness: 10).segment(rgb: rgb, width: w, height: h)
            XCTAssertGreaterThan(labels.count, k / 2, "K=\(k)")
            XCTAssertLessThan(labels.count, k * 2, "K=\(k)")
            XCTAssertTrue(labels.labels.allSatisfy { $0 >= 0 && Int($0) < labels.count })
            XCTAssertEqual(labels.piecesPerLabel, [Int](repeating: 1, count: labels.count), "every superpixel is connected")
            // Superpixels respect the strong colour edges: almost no label straddles a quadrant border.
            var straddling = 0
            for pixels in labels.pixelsByLabel {
                let quads = Set(pixels.map { p -> Int in
                    let x = Int(p) % w, y = Int(p) / w
                    return (y < h / 2 ? 0 : 2) + (x < w / 2 ? 0 : 1)
                })
                if quads.count > 1 { straddling += 1 }
            }
            XCTAssertLessThanOrEqual(straddling, labels.count / 10, "K=\(k)")
        }
    }

    func testSLICCompactnessChangesShape() {
        // Higher compactness gives squarer superpixels: each fills more of its bounding box.
        let w = 80, h = 60
        let rgb = quadrants(width: w, height: h)
        func meanFill(_ l: ComponentLabels) -> Double {
            let fills = l.pixelsByLabel.map { pixels -> Double in
                let xs = pixels.map { Int($0) % w }, ys = pixels.map { Int($0) / w }
                let box = (xs.max()! - xs.min()! + 1) * (ys.max()! - ys.min()! + 1)
                return Double(pixels.count) / Double(box)
            }
            return fills.reduce(0, +) / Double(fills.count)
        }
        let loose = SLIC(regionCount: 30, compactness: 1).segment(rgb: rgb, width: w, height: h)
        let tight = SLIC(regionCount: 30, compactness: 40).segment(rgb: rgb, width: w, height: h)
        print("SLIC fill: loose \(meanFill(loose)) (\(loose.count) regions), tight \(meanFill(tight)) (\(tight.count) regions)")
        XCTAssertGreaterThan(meanFill(tight), meanFill(loose))
    }

    func testConnectedComponents() {
        // 0 1 1 0 1
        // 0 0 1 0 1
        // 1 0 0 0 0
        let mask: [UInt8] = [0, 1, 1, 0, 1, 0, 0, 1, 0, 1, 1, 0, 0, 0, 0]
        let c = ComponentLabels(mask: mask, width: 5, height: 3)
        XCTAssertEqual(c.count, 3)
        XCTAssertEqual(c.labels, [-1, 0, 0, -1, 1, -1, -1, 0, -1, 1, 2, -1, -1, -1, -1])
        let big = ComponentLabels(mask: mask, width: 5, height: 3, minimumPixels: 2)
        XCTAssertEqual(big.count, 2)
        XCTAssertEqual(big.labels[10], -1)
    }

    func testRegionGraphBoxesMasksAndIoUEdges() {
        // Two frames 8x8, one square object moving right by 2 px, background elsewhere.
        func frame(_ dx: Int) -> ComponentLabels {
            var mask = [UInt8](repeating: 0, count: 64)
            for y in 2..<6 { for x in (1 + dx)..<(5 + dx) { mask[y * 8 + x] = 1 } }
            return ComponentLabels(mask: mask, width: 8, height: 8)
        }
        var rng = RandomGenerator(seed: 8)
        let map = Tensor.normal([2, 3, 4, 4], generator: &rng)
        let g = RegionGraphBuilder().build(labels: [frame(0), frame(2)], featureMap: map)
        XCTAssertEqual(g.nodeCount, 2)
        XCTAssertEqual(g.nodes[0].box, NodeBox(x0: 1 / 8, y0: 2 / 8, x1: 5 / 8, y1: 6 / 8))
        XCTAssertEqual(g.nodes[1].mask?.pixels.count, 16)
        // IoU of [1,5)x[2,6) and [3,7)x[2,6) = 8 / 24; one edge each way, row-normalised to 1.
        XCTAssertEqual(g.nodes[0].box.iou(g.nodes[1].box), 1.0 / 3, accuracy: 1e-6)
        XCTAssertEqual(g.edges[.temporalForward], EdgeList(sources: [0], targets: [1], weights: [1]))
        XCTAssertEqual(g.edges[.temporalBackward], EdgeList(sources: [1], targets: [0], weights: [1]))
        // Feature = mean over the 4x4 map positions whose centre pixels (1, 3, 5, 7) fall in the square
        // x in [1, 5), y in [2, 6): (fy, fx) in {1, 2} x {0, 1}.
        let expected: Float = (map.data[4] + map.data[5] + map.data[8] + map.data[9]) / 4
        XCTAssertEqual(g.features.data[0], expected, accuracy: 1e-6)
    }

    func testIoUEdgesRowNormalisedAndZeroWhenDisjoint() {
        let boxes = [NodeBox(x0: 0, y0: 0, x1: 0.5, y1: 0.5), NodeBox(x0: 0.6, y0: 0.6, x1: 1, y1: 1),
                     NodeBox(x0: 0, y0: 0, x1: 0.5, y1: 1), NodeBox(x0: 0.25, y0: 0, x1: 0.5, y1: 0.5), NodeBox(x0: 0.7, y0: 0.7, x1: 0.9, y1: 0.9)]
        let nodes = boxes.enumerated().map { GraphNode(time: $0.offset < 2 ? 0 : 1, kind: .region, box: $0.element) }
        let (forward, backward) = RegionGraphBuilder.iouEdges(nodes)
        // Node 2 (t=1) overlaps node 0 only; node 3 overlaps node 0 only; node 4 overlaps node 1 only.
        XCTAssertEqual(Set(zip(forward.sources, forward.targets).map { [$0.0, $0.1] }), [[0, 2], [0, 3], [1, 4]])
        XCTAssertTrue(forward.weights!.allSatisfy { abs($0 - 1) < 1e-6 })
        // Backward: node 0 receives from 2 and 3 with weights proportional to IoU 0.5 and 0.5.
        var into0: [Int32: Float] = [:]
        for i in 0..<backward.count where backward.targets[i] == 0 { into0[backward.sources[i]] = backward.weights![i] }
        XCTAssertEqual(into0[2]!, 0.5, accuracy: 1e-6)
        XCTAssertEqual(into0[3]!, 0.5, accuracy: 1e-6)
    }

    func testFrameGraphIsComplete() {
        let x = Tensor((0..<12).map(Float.init), shape: [3, 4])
        let g = FrameGraphBuilder().build(frameFeatures: x)
        XCTAssertEqual(g.edges[.frameToFrame]?.count, 6)
        XCTAssertFalse(zip(g.edges[.frameToFrame]!.sources, g.edges[.frameToFrame]!.targets).contains { $0.0 == $0.1 })
        XCTAssertEqual(FrameGraphBuilder(selfLoops: true).edges(frameCount: 3).count, 9)
        let m = FrameGraphBuilder().build(featureMap: Tensor.ones([2, 3, 2, 2]))
        XCTAssertEqual(m.features.data, [Float](repeating: 1, count: 6))
    }

    func testBatchingAndSplitting() {
        var rng = RandomGenerator(seed: 9)
        let a = PatchGraphBuilder(gridSizes: [2, 1]).build(featureMap: Tensor.normal([2, 3, 4, 4], generator: &rng))
        let b = FrameGraphBuilder().build(frameFeatures: Tensor.normal([3, 3], generator: &rng))
        let batch = GraphBatch([a, b])
        XCTAssertEqual(batch.nodeOffsets, [0, 10, 13])
        XCTAssertEqual(batch.frameOffsets, [0, 2, 5])
        XCTAssertEqual(batch.graph.edgeCount, a.edgeCount + b.edgeCount)
        XCTAssertEqual(batch.graph.edges[.frameToFrame]?.sources.min(), 10)
        // Block-diagonal: no edge crosses graphs.
        let all = batch.graph.edgeList()
        for i in 0..<all.count { XCTAssertEqual(all.sources[i] < 10, all.targets[i] < 10) }
        let parts = batch.split(batch.graph.features)
        XCTAssertEqual(parts[0].data, a.features.data)
        XCTAssertEqual(parts[1].data, b.features.data)
        let frames = batch.splitByFrame(batch.graph.features)
        XCTAssertEqual(frames[0].count, 2)
        XCTAssertEqual(frames[1].count, 3)
        XCTAssertEqual(frames[0][1].data, Array(a.features.data[15..<30]))
        XCTAssertEqual(frames[1][2].data, Array(b.features.data[6..<9]))
        // A layer on the batch equals the layer on each graph.
        let gcn = GCNConv(3, 2, generator: &rng)
        let joint = batch.split(gcn(batch.graph.features, edges: batch.graph.edgeList()))
        assertClose(joint[0].data, gcn(a.features, edges: a.edgeList()).data, atol: 1e-5, "batched gcn, graph 0")
        assertClose(joint[1].data, gcn(b.features, edges: b.edgeList()).data, atol: 1e-5, "batched gcn, graph 1")
    }

    func testJSONExport() throws {
        let g = PatchGraphBuilder().build(featureMap: Tensor.zeros([2, 1, 6, 6]))
        let data = try g.jsonData()
        let doc = try JSONDecoder().decode(GraphDocument.self, from: data)
        XCTAssertEqual(doc, g.document)
        XCTAssertEqual(doc.nodeCount, 28)
        XCTAssertEqual(doc.nodes[13].box, NodeBox(x0: 0, y0: 0, x1: 1, y1: 1))
        XCTAssertEqual(doc.edges["temporalForward"]?.source.count, 14)
        let object = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        XCTAssertNotNil((object["edges"] as! [String: Any])["crossScale"])
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("graph-\(getpid()).json")
        try g.writeJSON(to: url)
        XCTAssertEqual(try Data(contentsOf: url), data)
        try? FileManager.default.removeItem(at: url)
    }
}
