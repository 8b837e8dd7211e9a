import XCTest
import Tensors
@testable import Layers

/// Finite-difference checks of every layer's gradient w.r.t. its inputs and parameters.
final class LayerGradientTests: XCTestCase {
    var rng = RandomGenerator(seed: 5)

    private func randn(_ shape: [Int], scale: Float = 1) -> Tensor {
        Tensor.normal(shape, std: scale, generator: &rng)
    }

    /// Gives default-initialised affine parameters non-trivial values so their gradients matter.
    private func perturb(_ m: any Module) {
        for p in m.parameters { p.assign(p.data.map { $0 + rng.nextUniform() * 0.6 - 0.3 }) }
    }

    func testLinearAndMLP() {
        let lin = Linear(4, 3, generator: &rng), x = randn([2, 4])
        checkLayerGradients([x] + lin.parameters) { lin(x) }
        let mlp = MLP([4, 6, 2], activation: .tanh, generator: &rng)
        checkLayerGradients([x] + mlp.parameters) { mlp(x) }
    }

    func testConv2d() {
        let conv = Conv2d(4, 4, kernel: 3, stride: 2, padding: 1, groups: 2, generator: &rng), x = randn([2, 4, 5, 5])
        checkLayerGradients([x] + conv.parameters) { conv(x) }
    }

    func testBatchNormTrainAndEval() {
        let bn = BatchNorm2d(3); perturb(bn)
        let x = randn([3, 3, 2, 2], scale: 2)
        checkLayerGradients([x] + bn.parameters, eps: 1e-3, atol: 5e-3) { bn(x) }
        bn.setTraining(false)
        checkLayerGradients([x] + bn.parameters, eps: 1e-3) { bn(x) }
    }

    func testLayerNormAndGroupNorm() {
        let ln = LayerNorm(5); perturb(ln)
        let x = randn([3, 5], scale: 2)
        checkLayerGradients([x] + ln.parameters, eps: 1e-3, atol: 5e-3) { ln(x) }
        let wide = LayerNorm(37); perturb(wide)   // SIMD lanes plus a tail
        let xw = randn([2, 37], scale: 2)
        checkLayerGradients([xw] + wide.parameters, eps: 1e-3, atol: 5e-3) { wide(xw) }
        let gn = GroupNorm(groups: 2, channels: 4); perturb(gn)
        let y = randn([2, 4, 3], scale: 2)
        checkLayerGradients([y] + gn.parameters, eps: 1e-3, atol: 5e-3) { gn(y) }
    }

    func testRecurrentCellsOverSequences() {
        let gru = GRUCell(3, 4, generator: &rng)
        let xs = (0..<3).map { _ in randn([2, 3]) }
        checkLayerGradients(xs + gru.parameters) { gru.sequence(xs).last! }
        let lstm = LSTMCell(3, 4, generator: &rng)
        checkLayerGradients(xs + lstm.parameters) { let s = lstm.sequence(xs).last!; return s.h + s.c * 0.5 }
        let cgru = ConvGRUCell(.init(inputChannels: 2, hiddenChannels: 3), generator: &rng)
        let maps = (0..<2).map { _ in randn([1, 2, 3, 3]) }
        checkLayerGradients(maps + cgru.parameters) { cgru.sequence(maps).last! }
    }

    func testMultiheadAttention() {
        let mha = MultiheadAttention(embedDim: 4, heads: 2, generator: &rng)
        perturb(mha)
        let q = randn([2, 3, 4]), kv = randn([2, 2, 4])
        let mask = Tensor.uniform([4, 3, 2], low: -1, high: 1, generator: &rng)   // [B*heads, L, S]
        checkLayerGradients([q, kv] + mha.parameters) {
            mha(query: q, key: kv, value: kv, attentionMask: mask, needWeights: true).output
        }
        checkLayerGradients([q] + mha.parameters) { mha(q) }
    }

    func testEmbedding() {
        let emb = Embedding(5, 3, generator: &rng)
        checkLayerGradients(emb.parameters) { emb([4, 1, 4, 0], shape: [2, 2]) }
    }
}
