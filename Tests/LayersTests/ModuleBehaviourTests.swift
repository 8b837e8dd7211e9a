import XCTest
import Tensors
@testable import Layers

/// Names, shapes, initialisation ranges, modes and small behaviours of the layers.
final class ModuleBehaviourTests: XCTestCase {
    var rng = RandomGenerator(seed: 9)

    func testParameterNamesMatchPyTorch() {
        let bn = BatchNorm2d(4)
        XCTAssertEqual(bn.stateDict().keys.sorted(), ["bias", "num_batches_tracked", "running_mean", "running_var", "weight"])
        let mha = MultiheadAttention(embedDim: 8, heads: 2, generator: &rng)
        XCTAssertEqual(mha.namedParameters().map(\.name), ["in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"])
        let lstm = LSTMCell(3, 5, generator: &rng)
        XCTAssertEqual(lstm.namedParameters().map(\.name), ["weight_ih", "weight_hh", "bias_ih", "bias_hh"])
        XCTAssertEqual(lstm.weightIH.shape, [20, 3])
        let mlp = MLP([3, 4, 5, 2], generator: &rng)
        XCTAssertEqual(mlp.namedParameters().map(\.name),
                       ["layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias", "layers.2.weight", "layers.2.bias"])
    }

    func testConvInitialisationBoundsAndShapes() {
        let conv = Conv2d(6, 4, kernel: 3, groups: 2, generator: &rng)
        XCTAssertEqual(conv.weight.shape, [4, 3, 3, 3])
        let bound = 1 / Float(27).squareRoot()
        XCTAssertLessThanOrEqual(conv.weight.data.map(abs).max()!, bound)
        XCTAssertGreaterThan(conv.weight.data.map(abs).max()!, bound * 0.8)
        let y = conv(Tensor.zeros([2, 6, 7, 5]))
        XCTAssertEqual(y.shape, [2, 4, 5, 3])
    }

    /// BatchNorm2d folded into the convolution before it equals the convolution followed by the
    /// BatchNorm in inference mode (running statistics, affine parameters).
    func testBatchNormFoldsIntoConvolution() {
        var g = RandomGenerator(seed: 31)
        let conv = Conv2d(3, 5, kernel: 3, padding: 1, generator: &g)
        let bn = BatchNorm2d(5)
        bn.isTraining = false
        bn.runningMean.assign(Tensor.normal([5], generator: &g).data)
        bn.runningVar.assign(Tensor.uniform([5], low: 0.2, high: 3, generator: &g).data)
        bn.weight!.assign(Tensor.normal([5], generator: &g).data)
        bn.bias!.assign(Tensor.normal([5], generator: &g).data)
        let x = Tensor.normal([2, 3, 7, 6], generator: &g)
        let expected = GradMode.disabled { bn(conv(x)) }
        let (w, b) = bn.folded(convWeight: conv.weight, convBias: conv.bias)
        let folded = GradMode.disabled { Tensor.conv2d(x, weight: w, bias: b, padding: (1, 1)) }
        XCTAssertEqual(folded.shape, expected.shape)
        for i in 0..<expected.count { XCTAssertEqual(folded.data[i], expected.data[i], accuracy: 1e-4 * (1 + abs(expected.data[i]))) }
    }

    func testDropoutTrainingAndEvaluation() {
        let drop = Dropout(p: 0.25, seed: 1)
        let x = Tensor.ones([4000], requiresGrad: true)
        let y = drop(x)
        let kept = y.data.filter { $0 != 0 }
        XCTAssertTrue(kept.allSatisfy { abs($0 - 4 / 3) < 1e-6 })
        XCTAssertEqual(Double(kept.count) / 4000, 0.75, accuracy: 0.03)
        y.sum().backward()
        XCTAssertEqual(x.grad!.data, y.data)   // gradient is the mask
        drop.setTraining(false)
        XCTAssertTrue(drop(x) === x)
    }

    func testSetTrainingReachesNestedDropout() {
        let mha = MultiheadAttention(.init(embedDim: 4, heads: 1, dropout: 0.5), generator: &rng)
        mha.setTraining(false)
        XCTAssertFalse(mha.dropout!.isTraining)
    }

    func testEmbeddingGathersRows() {
        let emb = Embedding(3, 2, generator: &rng)
        emb.weight.assign([0, 1, 10, 11, 20, 21])
        let y = emb([2, 0, 2])
        XCTAssertEqual(y.shape, [3, 2])
        XCTAssertEqual(y.data, [20, 21, 0, 1, 20, 21])
        y.sum().backward()
        XCTAssertEqual(emb.weight.grad!.data, [1, 1, 0, 0, 2, 2])
    }

    func testRecurrentSequenceStatesAndZeroState() {
        let gru = GRUCell(2, 3, generator: &rng)
        let xs = (0..<4).map { _ in Tensor.normal([5, 2], generator: &rng) }
        let states = gru.sequence(xs)
        XCTAssertEqual(states.count, 4)
        XCTAssertEqual(states[3].shape, [5, 3])
        XCTAssertEqual(states[1].data, gru.step(xs[1], gru.step(xs[0], gru.zeroState(for: xs[0]))).data)
        let cgru = ConvGRUCell(.init(inputChannels: 2, hiddenChannels: 3), generator: &rng)
        XCTAssertEqual(cgru.zeroState(for: Tensor.zeros([2, 2, 4, 5])).shape, [2, 3, 4, 5])
    }

    func testKeyPaddingMaskIgnoresPaddedKeys() {
        let mha = MultiheadAttention(embedDim: 4, heads: 2, generator: &rng)
        let q = Tensor.normal([1, 2, 4], generator: &rng), kv = Tensor.normal([1, 3, 4], generator: &rng)
        let masked = mha(query: q, key: kv, value: kv, keyPaddingMask: [[false, false, true]], needWeights: true)
        let trimmed = mha(query: q, key: kv.slice(axis: 1, start: 0, end: 2), value: kv.slice(axis: 1, start: 0, end: 2))
        assertClose(masked.output, trimmed.output, "padded key")
        XCTAssertEqual(masked.weights!.data[2], 0)
        XCTAssertEqual(masked.weights!.data[0] + masked.weights!.data[1], 1, accuracy: 1e-6)
    }
}
