import XCTest
@testable import Graphs
@testable import Tensors

final class PatchGraphTests: XCTestCase {
    typealias Cell = PatchGraphBuilder.Cell

    /// Local ids: 3x3 cells 0..8 (row-major), 2x2 cells 9..12, 1x1 cell 13.
    func testHandDrawnNeighbourRule() {
        let builder = PatchGraphBuilder()
        XCTAssertEqual(builder.nodesPerFrame, 14)
        let (spatial, cross) = builder.frameEdges()
        var adjacency = Set<[Int]>()
        for (s, t) in spatial + cross { adjacency.insert([s, t]) }
        func nbrs(_ i: Int) -> Set<Int> { Set(adjacency.filter { $0[1] == i }.map { $0[0] }) }
        // Expected by drawing the grids on [0,1]^2:
        // 3x3 (r,c) spans [c/3,(c+1)/3] x [r/3,(r+1)/3]; 2x2 (r,c) spans [c/2,(c+1)/2] x [r/2,(r+1)/2].
        let expected: [Int: Set<Int>] = [
            // 3x3 corner (0,0): edge-neighbours (0,1), (1,0); overlaps 2x2 (0,0) only; the 1x1.
            0: [1, 3, 9, 13],
            // 3x3 (0,1) spans x in [1/3, 2/3]: overlaps 2x2 (0,0) and (0,1).
            1: [0, 2, 4, 9, 10, 13],
            2: [1, 5, 10, 13],
            3: [0, 4, 6, 9, 11, 13],
            // Centre touches all four 2x2 cells and the 1x1.
            4: [1, 3, 5, 7, 9, 10, 11, 12, 13],
            5: [2, 4, 8, 10, 12, 13],
            6: [3, 7, 11, 13],
            7: [4, 6, 8, 11, 12, 13],
            8: [5, 7, 12, 13],
            // 2x2 (0,0) = [0,1/2]^2: 3x3 cells (0,0),(0,1),(1,0),(1,1); 2x2 (0,1),(1,0); the 1x1.
            9: [0, 1, 3, 4, 10, 11, 13],
            10: [1, 2, 4, 5, 9, 12, 13],
            11: [3, 4, 6, 7, 9, 12, 13],
            12: [4, 5, 7, 8, 10, 11, 13],
            13: Set(0..<13),
        ]
        for i in 0..<14 { XCTAssertEqual(nbrs(i), expected[i], "neighbours of local node \(i)") }
        // Corner-only contacts are excluded: 3x3 (0,0) vs (1,1); 2x2 (0,0) vs (1,1); 3x3 (0,2) vs 2x2 (1,0).
        XCTAssertFalse(PatchGraphBuilder.areNeighbours(Cell(scale: 0, row: 0, col: 0, gridSize: 3), Cell(scale: 0, row: 1, col: 1, gridSize: 3)))
        XCTAssertFalse(PatchGraphBuilder.areNeighbours(Cell(scale: 1, row: 0, col: 0, gridSize: 2), Cell(scale: 1, row: 1, col: 1, gridSize: 2)))
        // Same-scale pairs are spatial, mixed-scale pairs cross-scale.
        XCTAssertTrue(spatial.allSatisfy { ($0.0 < 9) == ($0.1 < 9) })
        XCTAssertTrue(cross.allSatisfy { ($0.0 < 9) != ($0.1 < 9) || $0.0 == 13 || $0.1 == 13 })
        XCTAssertEqual(spatial.count, 12 * 2 + 4 * 2)
    }

    func testBuildPoolsCellsAndLinksFrames() {
        // T=2, C=1, H=W=4 map with value = y * 4 + x (+100 in frame 1).
        var values: [Float] = []
        for t in 0..<2 { for p in 0..<16 { values.append(Float(p + 100 * t)) } }
        let map = Tensor(values, shape: [2, 1, 4, 4])
        let g = PatchGraphBuilder(gridSizes: [2, 1]).build(featureMap: map)
        XCTAssertEqual(g.nodeCount, 10)
        XCTAssertEqual(g.features.data[0], (0 + 1 + 4 + 5) / 4)
        XCTAssertEqual(g.features.data[4], 7.5)
        XCTAssertEqual(g.features.data[9], 107.5)
        XCTAssertEqual(g.edges[.temporalForward]?.count, 5)
        XCTAssertEqual(g.edges[.temporalForward]?.sources.first, 0)
        XCTAssertEqual(g.edges[.temporalForward]?.targets.first, 5)
        XCTAssertEqual(g.edges[.temporalBackward]?.sources.first, 5)
        XCTAssertEqual(g.nodes[6].box, NodeBox(x0: 0.5, y0: 0, x1: 1, y1: 0.5))
        // 3x3 on a 7x7 map uses adaptive-pool bounds 0..<3, 2..<5, 4..<7.
        XCTAssertEqual(RegionPooling.cellBounds(1, of: 3, extent: 7), 2..<5)
        XCTAssertEqual(RegionPooling.cellBounds(2, of: 3, extent: 7), 4..<7)
        var rng = RandomGenerator(seed: 1)
        let m = Tensor.normal([2, 2, 5, 5], generator: &rng)
        checkGradients([m]) { PatchGraphBuilder().build(featureMap: $0[0]).features }
    }
}
