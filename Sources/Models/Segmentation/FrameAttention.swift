import Layers
import Tensors

/// Intra-frame attention of AGNN (Wang et al., ICCV 2019), the self-edge message:
/// e_ii = a * softmax((W_f h)^T (W_h h)) (W_l h) + h, a non-local block inside each frame.
///
/// With key stride s > 1 the keys and values come from h average-pooled over s x s cells (ceil sizes),
/// so the attention is `[P, P / s^2]` instead of `[P, P]` (spatial-reduction attention, PVT, Wang et al.,
/// ICCV 2021): a test-time option that lets the graph run on larger inputs (README, segmentation).
///
/// Layout: h `[N, C, H, W]` -> `[N, C, H, W]`. Parameters: `query.weight` `[K, C, 1, 1]`,
/// `key.weight` `[K, C, 1, 1]`, `value.weight` `[C, C, 1, 1]` (with biases), `scale` `[1]` (a).
public final class IntraAttention: Module {
    public let query: Conv2d
    public let key: Conv2d
    public let value: Conv2d
    /// The learnable a (starts at 0.1 so every projection receives gradient from the first step).
    public let scale: Tensor   // [1]
    public var isTraining = true

    public init(channels: Int, keyChannels: Int, generator: inout RandomGenerator) {
        query = Conv2d(channels, keyChannels, kernel: 1, generator: &generator)
        key = Conv2d(channels, keyChannels, kernel: 1, generator: &generator)
        value = Conv2d(channels, channels, kernel: 1, generator: &generator)
        scale = Tensor([0.1], shape: [1], requiresGrad: true)
    }

    public var ownParameters: [(name: String, tensor: Tensor)] { [("scale", scale)] }
    public var children: [(name: String, module: any Module)] { [("query", query), ("key", key), ("value", value)] }

    public func callAsFunction(_ h: Tensor, keyStride: Int = 1) -> Tensor {
        let n = h.shape[0], c = h.shape[1], p = h.shape[2] * h.shape[3]
        let pooled = h.keyValueSource(stride: keyStride)                      // [N, C, H', W']
        let pk = pooled.shape[2] * pooled.shape[3]
        let q = query(h).reshaped([n, -1, p])                                  // [N, K, P]
        let k = key(pooled).reshaped([n, -1, pk])                              // [N, K, P']
        let v = value(pooled).reshaped([n, c, pk])                             // [N, C, P']
        let attention = Tensor.matmul(q, k, transposeA: true).softmax(axis: -1)  // [N, P(query), P'(key)]
        let out = Tensor.matmul(v, attention, transposeB: true)                // [N, C, P]
        return out.reshaped(h.shape) * scale + h
    }
}

/// Inter-frame attention of AGNN with its gate, the message along every edge j -> i (i != j):
/// A = h_i^T W_c h_j `[P_i, P_j]`, m_ji = softmax_j(A) h_j, g = sigmoid(conv1x1(m_ji)), message g * m_ji.
///
/// With key stride s > 1, h_j (keys and values) is average-pooled over s x s cells, as in `IntraAttention`.
///
/// Layout: h `[N, C, H, W]` -> the summed incoming messages `[N, C, H, W]` (zeros when N = 1).
/// Parameters: `bilinear.weight` `[C, C, 1, 1]` (W_c as a 1x1 conv, no bias), `gate.weight` `[1, C, 1, 1]`, `gate.bias` `[1]`.
public final class InterAttention: Module {
    public let bilinear: Conv2d
    public let gate: Conv2d
    public var isTraining = true

    public init(channels: Int, generator: inout RandomGenerator) {
        bilinear = Conv2d(Conv2d.Config(inChannels: channels, outChannels: channels, kernelSize: (1, 1), bias: false), generator: &generator)
        gate = Conv2d(channels, 1, kernel: 1, generator: &generator)
    }

    public var children: [(name: String, module: any Module)] { [("bilinear", bilinear), ("gate", gate)] }

    /// Softmax-normalised attention of every ordered pair (i, j), i != j, in the order of `pairs(n)`:
    /// `[N(N-1), P_i, P_j]` (P_j = P_i / s^2 with key stride s), each row summing to 1.
    public func attention(_ h: Tensor, keyStride: Int = 1) -> Tensor {
        attention(h, pooled: h.keyValueSource(stride: keyStride))
    }

    /// `attention(h, keyStride:)` given the pooled key/value source `[N, C, H', W']`.
    func attention(_ h: Tensor, pooled: Tensor) -> Tensor {
        let n = h.shape[0], c = h.shape[1], p = h.shape[2] * h.shape[3]
        let (targets, sources) = Self.pairs(n)
        let flat = h.reshaped([n, c, p])                                       // [N, C, P]
        let projected = bilinear(pooled).reshaped([n, c, -1])                  // [N, C, P'] = W_c pool(h)
        let hi = flat.indexSelect(axis: 0, indices: targets)                   // [E, C, P]
        let wj = projected.indexSelect(axis: 0, indices: sources)              // [E, C, P]
        return Tensor.matmul(hi, wj, transposeA: true).softmax(axis: -1)       // [E, P_i, P_j]
    }

    public func callAsFunction(_ h: Tensor, keyStride: Int = 1) -> Tensor {
        let n = h.shape[0], c = h.shape[1]
        guard n > 1 else { return Tensor.zeros(h.shape) }
        let (targets, sources) = Self.pairs(n)
        let pooled = h.keyValueSource(stride: keyStride)                      // [N, C, H', W']
        let a = attention(h, pooled: pooled)                                   // [E, P_i, P_j]
        let hj = pooled.reshaped([n, c, -1]).indexSelect(axis: 0, indices: sources)  // [E, C, P_j]
        let m = Tensor.matmul(hj, a, transposeB: true).reshaped([targets.count, c, h.shape[2], h.shape[3]])  // [E, C, H, W]
        let g = gate(m).sigmoid()                                              // [E, 1, H, W]
        return (m * g).scatterAdd(axis: 0, indices: targets, count: n)        // [N, C, H, W]
    }

    /// Targets i and sources j of the complete directed graph without self-loops.
    public static func pairs(_ n: Int) -> (targets: [Int32], sources: [Int32]) {
        var t: [Int32] = [], s: [Int32] = []
        for i in 0..<n { for j in 0..<n where j != i { t.append(Int32(i)); s.append(Int32(j)) } }
        return (t, s)
    }
}

extension Tensor {
    /// The attention's key/value source: `[N, C, H, W]` average-pooled over s x s cells to
    /// `[N, C, ceil(H / s), ceil(W / s)]` (adaptive bins, so edge cells may be smaller); itself when s = 1.
    func keyValueSource(stride s: Int) -> Tensor {
        precondition(s >= 1, "key stride must be at least 1 (got \(s))")
        guard s > 1 else { return self }
        return adaptiveAvgPool2d(outputSize: ((shape[2] + s - 1) / s, (shape[3] + s - 1) / s))
    }
}
