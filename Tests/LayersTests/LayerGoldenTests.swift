import XCTest
import Tensors
@testable import Layers

/// Forward values and gradients against PyTorch (fixtures from tools/reference/layer_goldens.py).
/// Parameters are loaded by their PyTorch state_dict names with strict loading, so a naming
/// difference fails the test too.
final class LayerGoldenTests: XCTestCase {
    var rng = RandomGenerator(seed: 11)

    func testLinear() throws {
        let m = Linear(5, 3, generator: &rng)
        try checkModuleGolden("linear", module: m, inputs: ["x"]) { ["y": m($0["x"]!)] }
    }

    func testConv2dBasic() throws {
        let m = Conv2d(4, 6, kernel: 3, padding: 1, generator: &rng)
        try checkModuleGolden("conv2d_basic", module: m, inputs: ["x"]) { ["y": m($0["x"]!)] }
    }

    func testConv2dStridedDilatedGrouped() throws {
        let m = Conv2d(4, 6, kernel: 3, stride: 2, padding: 2, dilation: 2, groups: 2, generator: &rng)
        try checkModuleGolden("conv2d_grouped", module: m, inputs: ["x"]) { ["y": m($0["x"]!)] }
    }

    func testBatchNormTrainingUpdatesRunningStatistics() throws {
        let m = BatchNorm2d(3)
        try checkModuleGolden("batchnorm_train", module: m, inputs: ["x"]) { ["y": m($0["x"]!)] }
        let fixture = try Fixture("batchnorm_train")
        assertClose(m.runningMean, fixture["state.running_mean"], "running_mean")
        assertClose(m.runningVar, fixture["state.running_var"], "running_var")
        assertClose(m.numBatchesTracked, fixture["state.num_batches_tracked"], "num_batches_tracked")
    }

    func testBatchNormEvaluationUsesRunningStatistics() throws {
        let m = BatchNorm2d(3)
        m.setTraining(false)
        let before = m.runningMean.data
        try checkModuleGolden("batchnorm_eval", module: m, inputs: ["x"]) { ["y": m($0["x"]!)] }
        XCTAssertEqual(m.runningMean.data, try Fixture("batchnorm_eval")["param.running_mean"].data)
        XCTAssertNotEqual(before, m.runningMean.data)   // loaded, then not updated by the forward
    }

    func testLayerNormOverTwoAxes() throws {
        let m = LayerNorm(.init(normalizedShape: [4, 5]))
        try checkModuleGolden("layernorm", module: m, inputs: ["x"]) { ["y": m($0["x"]!)] }
    }

    func testGroupNorm() throws {
        let m = GroupNorm(groups: 2, channels: 6)
        try checkModuleGolden("groupnorm", module: m, inputs: ["x"]) { ["y": m($0["x"]!)] }
    }

    func testGRUCell() throws {
        let m = GRUCell(5, 4, generator: &rng)
        try checkModuleGolden("gru_cell", module: m, inputs: ["x", "h"]) { ["h": m.step($0["x"]!, $0["h"]!)] }
    }

    func testLSTMCell() throws {
        let m = LSTMCell(5, 4, generator: &rng)
        try checkModuleGolden("lstm_cell", module: m, inputs: ["x", "h", "c"]) {
            let s = m.step($0["x"]!, LSTMState(h: $0["h"]!, c: $0["c"]!))
            return ["h": s.h, "c": s.c]
        }
    }

    func testConvGRUCell() throws {
        let m = ConvGRUCell(.init(inputChannels: 3, hiddenChannels: 4, kernelSize: 3), generator: &rng)
        XCTAssertEqual(m.namedParameters().map(\.name), ["gates.weight", "gates.bias", "candidate.weight", "candidate.bias"])
        try checkModuleGolden("convgru_cell", module: m, inputs: ["x", "h"]) { ["h": m.step($0["x"]!, $0["h"]!)] }
    }

    func testMultiheadAttentionWithMaskAndWeights() throws {
        let m = MultiheadAttention(embedDim: 8, heads: 2, generator: &rng)
        try checkModuleGolden("mha", module: m, inputs: ["q", "k", "v"]) {
            let mask = try! Fixture("mha")["input.mask"]
            let r = m(query: $0["q"]!, key: $0["k"]!, value: $0["v"]!, attentionMask: mask, needWeights: true)
            return ["out": r.output, "weights": r.weights!]
        }
    }
}
