import Foundation
import Tensors

/// Multi-head scaled dot-product attention (Vaswani et al. 2017) with PyTorch nn.MultiheadAttention
/// semantics and parameter names, batch-first.
///
/// Q = query W_q^T + b_q, K = key W_k^T + b_k, V = value W_v^T + b_v (W_q, W_k, W_v are the row blocks
/// of `in_proj_weight`); per head h with d = E / heads:
/// A_h = softmax(Q_h K_h^T / sqrt(d) + mask), O_h = A_h V_h; output = concat_h(O_h) W_o^T + b_o.
/// Parameters: `in_proj_weight` `[3E, E]` (xavier-uniform), `in_proj_bias` `[3E]` (zeros),
/// `out_proj.weight` `[E, E]`, `out_proj.bias` `[E]` (zeros).
public final class MultiheadAttention: Module {
    public struct Config: Sendable {
        public var embedDim: Int
        public var heads: Int
        public var dropout: Float = 0
        public var bias: Bool = true
        public init(embedDim: Int, heads: Int, dropout: Float = 0, bias: Bool = true) {
            precondition(heads > 0 && embedDim % heads == 0, "MultiheadAttention: \(embedDim) does not split into \(heads) heads")
            self.embedDim = embedDim
            self.heads = heads
            self.dropout = dropout
            self.bias = bias
        }
    }

    public let config: Config
    /// `[3E, E]`: rows [W_q; W_k; W_v].
    public let inProjWeight: Tensor
    /// `[3E]`
    public let inProjBias: Tensor?
    /// E -> E.
    public let outProj: Linear
    public let dropout: Dropout?
    public var isTraining = true

    public init(_ config: Config, generator: inout RandomGenerator) {
        self.config = config
        let e = config.embedDim
        let bound = (6 / Float(4 * e)).squareRoot()
        inProjWeight = Tensor.uniform([3 * e, e], low: -bound, high: bound, generator: &generator, requiresGrad: true)
        inProjBias = config.bias ? Tensor.zeros([3 * e], requiresGrad: true) : nil
        outProj = Linear(e, e, bias: config.bias, generator: &generator)
        outProj.bias?.assign([Float](repeating: 0, count: e))
        dropout = config.dropout > 0 ? Dropout(p: config.dropout, seed: generator.next()) : nil
    }

    public convenience init(embedDim: Int, heads: Int, generator: inout RandomGenerator) {
        self.init(Config(embedDim: embedDim, heads: heads), generator: &generator)
    }

    public var ownParameters: [(name: String, tensor: Tensor)] {
        [("in_proj_weight", inProjWeight)] + (inProjBias.map { [("in_proj_bias", $0)] } ?? [])
    }

    public var children: [(name: String, module: any Module)] {
        [("out_proj", outProj as any Module)] + (dropout.map { [("dropout", $0 as any Module)] } ?? [])
    }

    /// Attention of `query` `[B, L, E]` over `key`, `value` `[B, S, E]`.
    /// - Parameters:
    ///   - attentionMask: additive, `[L, S]` or `[B * heads, L, S]` (use -infinity to forbid a pair).
    ///   - keyPaddingMask: `[B][S]`, true where the key is padding (ignored).
    ///   - needWeights: also return the attention weights averaged over heads `[B, L, S]`.
    /// - Returns: output `[B, L, E]` and the averaged weights when asked.
    public func callAsFunction(query: Tensor, key: Tensor, value: Tensor, attentionMask: Tensor? = nil,
                               keyPaddingMask: [[Bool]]? = nil, needWeights: Bool = false) -> (output: Tensor, weights: Tensor?) {
        let e = config.embedDim, heads = config.heads, d = e / heads
        precondition(query.rank == 3 && query.shape[2] == e && key.rank == 3 && key.shape == value.shape
                     && key.shape[0] == query.shape[0] && key.shape[2] == e,
                     "MultiheadAttention: query \(query.shape), key \(key.shape), value \(value.shape) do not fit E=\(e)")
        let b = query.shape[0], l = query.shape[1], s = key.shape[1]
        let q: Tensor, k: Tensor, v: Tensor
        if query === key && key === value {
            let qkv = Tensor.matmul(query.reshaped([b * l, e]), inProjWeight, transposeB: true)  // [B*L, 3E]
            let parts = (inProjBias.map { qkv + $0 } ?? qkv).split(axis: 1, sizes: [e, e, e])
            (q, k, v) = (parts[0], parts[1], parts[2])
        } else {
            let w = inProjWeight.split(axis: 0, sizes: [e, e, e])                                // 3 x [E, E]
            let bs = inProjBias?.split(axis: 0, sizes: [e, e, e])
            q = affineRows(query.reshaped([b * l, e]), w[0], bs?[0])                            // [B*L, E]
            k = affineRows(key.reshaped([b * s, e]), w[1], bs?[1])                              // [B*S, E]
            v = affineRows(value.reshaped([b * s, e]), w[2], bs?[2])                            // [B*S, E]
        }
        let qh = q.reshaped([b, l, heads, d]).permuted([0, 2, 1, 3])                            // [B, h, L, d]
        let kh = k.reshaped([b, s, heads, d]).permuted([0, 2, 1, 3])                            // [B, h, S, d]
        let vh = v.reshaped([b, s, heads, d]).permuted([0, 2, 1, 3])                            // [B, h, S, d]
        var scores = Tensor.matmul(qh, kh, transposeB: true) * (1 / Float(d).squareRoot())      // [B, h, L, S]
        if let mask = attentionMask {
            if mask.shape == [l, s] {
                scores = scores + mask
            } else {
                precondition(mask.shape == [b * heads, l, s], "MultiheadAttention: mask \(mask.shape) is neither [\(l), \(s)] nor [\(b * heads), \(l), \(s)]")
                scores = scores + mask.reshaped([b, heads, l, s])
            }
        }
        if let padding = keyPaddingMask {
            precondition(padding.count == b && padding.allSatisfy { $0.count == s }, "MultiheadAttention: key padding mask is not [\(b)][\(s)]")
            let additive = Tensor(padding.flatMap { $0.map { $0 ? -Float.infinity : 0 } }, shape: [b, 1, 1, s])
            scores = scores + additive
        }
        var attention = scores.softmax(axis: -1)                                                // [B, h, L, S]
        if let dropout { attention = dropout(attention) }
        let averaged = needWeights ? attention.mean(axis: 1) : nil                              // [B, L, S] (after dropout, as PyTorch)
        let heads_ = Tensor.matmul(attention, vh)                                               // [B, h, L, d]
        let merged = heads_.permuted([0, 2, 1, 3]).reshaped([b, l, e])                          // [B, L, E]
        return (outProj(merged), averaged)
    }

    /// Self-attention: query = key = value = x `[B, L, E]`; returns `[B, L, E]`.
    public func callAsFunction(_ x: Tensor, attentionMask: Tensor? = nil) -> Tensor {
        callAsFunction(query: x, key: x, value: x, attentionMask: attentionMask).output
    }
}
