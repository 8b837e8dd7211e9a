import XCTest
import Tensors
@testable import Layers

/// A small conv net must fit one batch: Conv2d-BatchNorm-ReLU-maxpool-Conv2d-mean-Linear trained with Adam.
final class OverfitTests: XCTestCase {
    final class TinyNet: Module {
        let conv1: Conv2d, norm: BatchNorm2d, conv2: Conv2d, head: Linear
        var isTraining = true
        init(generator: inout RandomGenerator) {
            conv1 = Conv2d(1, 8, kernel: 3, padding: 1, generator: &generator)
            norm = BatchNorm2d(8)
            conv2 = Conv2d(8, 16, kernel: 3, padding: 1, generator: &generator)
            head = Linear(16, 3, generator: &generator)
        }
        var children: [(name: String, module: any Module)] {
            [("conv1", conv1), ("norm", norm), ("conv2", conv2), ("head", head)]
        }
        func callAsFunction(_ x: Tensor) -> Tensor {
            let h = norm(conv1(x)).relu().maxPool2d(kernel: (2, 2))    // [N, 8, 4, 4]
            let features = conv2(h).relu().mean(axes: [2, 3])         // [N, 16]
            return head(features)                                     // [N, 3]
        }
    }

    func testConvNetOverfitsOneBatchWithAdam() {
        var rng = RandomGenerator(seed: 21)
        let net = TinyNet(generator: &rng)
        let x = Tensor.normal([6, 1, 8, 8], generator: &rng)
        let labels = [0, 1, 2, 0, 1, 2]
        let optimizer = Adam(net, .init(learningRate: 0.01))
        var first: Float = 0, last: Float = 0
        for step in 0..<150 {
            optimizer.zeroGrad()
            let loss = Loss.crossEntropy(net(x), targets: labels)
            if step == 0 { first = loss.item }
            last = loss.item
            loss.backward()
            optimizer.step()
        }
        XCTAssertGreaterThan(first, 0.5)
        XCTAssertLessThan(last, 0.02, "loss went from \(first) to \(last)")
        XCTAssertEqual(net.namedParameters().count, 8)
        XCTAssertEqual(net.norm.numBatchesTracked.item, 150)
    }
}
