import XCTest
@testable import Tensors

final class IndexSegmentOpsTests: XCTestCase {
    func testIndexSelectForwardAndGradient() {
        let x = Tensor((0..<12).map(Float.init), shape: [4, 3])
        let y = x.indexSelect(axis: 0, indices: [3, 0, 3])
        XCTAssertEqual(y.shape, [3, 3])
        XCTAssertEqual(y.data, [9, 10, 11, 0, 1, 2, 9, 10, 11])
        let z = x.indexSelect(axis: 1, indices: [2, 2])
        XCTAssertEqual(z.data, [2, 2, 5, 5, 8, 8, 11, 11])
        var rng = RandomGenerator(seed: 1)
        let a = Tensor.normal([5, 2, 3], generator: &rng)
        checkGradients([a]) { $0[0].indexSelect(axis: 0, indices: [4, 1, 1, 0]) }
        checkGradients([a]) { $0[0].indexSelect(axis: 2, indices: [0, 2, 2]) }
    }

    func testScatterAddIsAdjointOfIndexSelect() {
        let x = Tensor([1, 2, 3, 4, 5, 6], shape: [3, 2])
        let y = x.scatterAdd(axis: 0, indices: [1, 1, 0], count: 3)
        XCTAssertEqual(y.data, [5, 6, 4, 6, 0, 0])
        // <S x, u> == <x, S^T u> with S^T = indexSelect.
        var rng = RandomGenerator(seed: 2)
        let u = Tensor.normal([3, 2], generator: &rng)
        let lhs = zip(y.data, u.data).map(*).reduce(0, +)
        let rhs = zip(x.data, u.indexSelect(axis: 0, indices: [1, 1, 0]).data).map(*).reduce(0, +)
        XCTAssertEqual(lhs, rhs, accuracy: 1e-5)
        let a = Tensor.normal([4, 3], generator: &rng)
        checkGradients([a]) { $0[0].scatterAdd(axis: 0, indices: [2, 0, 2, 1], count: 5) }
    }

    func testGatherMatchesTorchSemantics() {
        // torch.gather(x, 1, idx) for x [2, 3], idx [2, 2].
        let x = Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3])
        let y = x.gather(axis: 1, indices: [2, 0, 1, 1], indexShape: [2, 2])
        XCTAssertEqual(y.data, [3, 1, 5, 5])
        let y0 = x.gather(axis: 0, indices: [1, 0, 0], indexShape: [1, 3])
        XCTAssertEqual(y0.data, [4, 2, 3])
        var rng = RandomGenerator(seed: 3)
        let a = Tensor.normal([3, 4], generator: &rng)
        checkGradients([a]) { $0[0].gather(axis: 1, indices: [0, 0, 3, 1, 2, 2, 3, 0, 1], indexShape: [3, 3]) }
    }

    func testSegmentIndexGroupsStably() {
        let index = SegmentIndex(segmentIds: [2, 0, 2, 1, 0], segmentCount: 4)
        XCTAssertEqual(index.rowPtr, [0, 2, 3, 5, 5])
        XCTAssertEqual(index.order, [1, 4, 3, 0, 2])
        XCTAssertEqual(index.size(3), 0)
    }

    func testSegmentReductionsForward() {
        let index = SegmentIndex(segmentIds: [2, 0, 2, 1, 0], segmentCount: 4)
        let x = Tensor([1, -1, 2, 5, 3, 0, 4, 4, -2, 7], shape: [5, 2])
        XCTAssertEqual(x.segmentSum(index).data, [0, 12, 4, 4, 4, -1, 0, 0])
        XCTAssertEqual(x.segmentMean(index).data, [0, 6, 4, 4, 2, -0.5, 0, 0])
        XCTAssertEqual(x.segmentMax(index).data, [2, 7, 4, 4, 3, 0, 0, 0])
        let s = x.segmentSoftmax(index)
        // Segment 0 = elements 1, 4, column 0: softmax(2, -2).
        XCTAssertEqual(s.data[2], Float(1 / (1 + exp(-4.0))), accuracy: 1e-6)
        XCTAssertEqual(s.data[8] + s.data[2], 1, accuracy: 1e-6)
        XCTAssertEqual(s.data[6], 1, accuracy: 1e-6)  // lone element of segment 1
    }

    func testSegmentGradients() {
        var rng = RandomGenerator(seed: 4)
        let ids: [Int32] = [3, 0, 3, 1, 0, 0, 5, 3]
        let index = SegmentIndex(segmentIds: ids, segmentCount: 6)
        let x = Tensor.normal([8, 3], generator: &rng)
        checkGradients([x]) { $0[0].segmentSum(index) }
        checkGradients([x]) { $0[0].segmentMean(index) }
        checkGradients([x]) { $0[0].segmentMax(index) }
        checkGradients([x]) { $0[0].segmentSoftmax(index) }
    }

    func testSegmentOpsParallelPathMatchesSerial() {
        // Large enough to take the concurrentPerform path; compare with a plain loop.
        var rng = RandomGenerator(seed: 5)
        let (s, t) = randomEdges(nodes: 3000, edges: 20000, generator: &rng)
        let index = SegmentIndex(segmentIds: t, segmentCount: 3000)
        let x = Tensor.normal([20000, 4], generator: &rng)
        var expected = [Float](repeating: 0, count: 3000 * 4)
        for e in 0..<20000 { for c in 0..<4 { expected[Int(t[e]) * 4 + c] += x.data[e * 4 + c] } }
        assertClose(x.segmentSum(index).data, expected, atol: 1e-4)
        _ = s
    }

    func testPropagateMatchesGatherThenSegmentSum() {
        var rng = RandomGenerator(seed: 6)
        let (s, t) = randomEdges(nodes: 9, edges: 30, generator: &rng)
        let adj = SparseAdjacency(sources: s, targets: t, nodeCount: 9)
        let x = Tensor.normal([9, 6], generator: &rng)
        let w = Tensor.normal([30, 2], generator: &rng)
        let fused = Tensor.propagate(x, weights: w, adjacency: adj)
        let xs = x.indexSelect(axis: 0, indices: s).reshaped([30, 2, 3])
        let reference = (xs * w.reshaped([30, 2, 1])).reshaped([30, 6]).segmentSum(adj.byTarget)
        assertClose(fused.data, reference.data, atol: 1e-5)
        checkGradients([x, w]) { Tensor.propagate($0[0], weights: $0[1], adjacency: adj) }
        let w1 = Tensor.normal([30], generator: &rng)
        checkGradients([x, w1]) { Tensor.propagate($0[0], weights: $0[1], adjacency: adj) }
        checkGradients([x]) { Tensor.propagate($0[0], weights: nil, adjacency: adj) }
    }
}
