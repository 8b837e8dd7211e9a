import Foundation
import Layers
import Tensors

/// Graph attention (Veličković et al., ICLR 2018) with PyTorch Geometric's `GATConv` semantics:
/// `h = x W^T` viewed as `[N, H, C]`; `e_ij = LeakyReLU_0.2(<a_src, h_j> + <a_dst, h_i>)` for an edge
/// j -> i; `alpha_ij = softmax over the incoming edges of i` (segment softmax by target);
/// optional dropout on alpha; `out_i = sum_j alpha_ij h_j`; heads concatenated `[N, H * C]` or
/// averaged `[N, C]`; plus bias. Existing self-loops are removed and one per node added.
/// Parameters: `lin.weight` `[H * C, in]`, `att_src`, `att_dst` `[1, H, C]`, `bias`.
public final class GATConv: Module {
    public struct Config: Sendable {
        public var inChannels: Int
        public var outChannels: Int
        public var heads: Int = 1
        public var concat: Bool = true
        public var negativeSlope: Float = 0.2
        public var dropout: Float = 0
        public var addSelfLoops: Bool = true
        public var bias: Bool = true
        public init(inChannels: Int, outChannels: Int, heads: Int = 1, concat: Bool = true, negativeSlope: Float = 0.2,
                    dropout: Float = 0, addSelfLoops: Bool = true, bias: Bool = true) {
            self.inChannels = inChannels; self.outChannels = outChannels; self.heads = heads; self.concat = concat
            self.negativeSlope = negativeSlope; self.dropout = dropout; self.addSelfLoops = addSelfLoops; self.bias = bias
        }
    }

    public let config: Config
    /// `[H * C, in]`, no bias.
    public let lin: Linear
    /// `[1, H, C]`
    public let attSrc: Tensor
    /// `[1, H, C]`
    public let attDst: Tensor
    /// `[H * C]` when concatenating, else `[C]`.
    public let bias: Tensor?
    public var isTraining = true
    /// Draws attention-dropout masks.
    public var generator: RandomGenerator

    public init(_ config: Config, generator: inout RandomGenerator) {
        self.config = config
        let h = config.heads, c = config.outChannels
        lin = Linear(config.inChannels, h * c, bias: false, generator: &generator)
        let bound = (6 / Float(config.inChannels + h * c)).squareRoot()
        lin.weight.assign(Tensor.uniform(lin.weight.shape, low: -bound, high: bound, generator: &generator).data)
        let attBound = (6 / Float(1 + c)).squareRoot()
        attSrc = Tensor.uniform([1, h, c], low: -attBound, high: attBound, generator: &generator, requiresGrad: true)
        attDst = Tensor.uniform([1, h, c], low: -attBound, high: attBound, generator: &generator, requiresGrad: true)
        bias = config.bias ? Tensor.zeros([config.concat ? h * c : c], requiresGrad: true) : nil
        self.generator = RandomGenerator(seed: generator.next())
    }

    public var ownParameters: [(name: String, tensor: Tensor)] {
        [("att_src", attSrc), ("att_dst", attDst)] + (bias.map { [("bias", $0)] } ?? [])
    }
    public var children: [(name: String, module: any Module)] { [("lin", lin)] }

    /// Removes self-loops and adds one per node (when configured); the adjacency attention runs over.
    public static func prepare(edges: EdgeList, nodeCount n: Int, addSelfLoops: Bool = true) -> SparseAdjacency {
        guard addSelfLoops else { return SparseAdjacency(sources: edges.sources, targets: edges.targets, nodeCount: n) }
        var sources: [Int32] = [], targets: [Int32] = []
        sources.reserveCapacity(edges.count + n); targets.reserveCapacity(edges.count + n)
        for e in 0..<edges.count where edges.sources[e] != edges.targets[e] {
            sources.append(edges.sources[e]); targets.append(edges.targets[e])
        }
        for i in 0..<n { sources.append(Int32(i)); targets.append(Int32(i)) }
        return SparseAdjacency(sources: sources, targets: targets, nodeCount: n)
    }

    /// Runs the layer over a prepared adjacency; returns the node output and the attention weights
    /// `[E', H]` (after softmax and dropout) in the adjacency's edge order.
    public func forward(_ x: Tensor, adjacency adj: SparseAdjacency) -> (output: Tensor, attention: Tensor) {
        precondition(x.rank == 2 && x.shape[1] == config.inChannels, "GATConv: input \(x.shape), expected [N, \(config.inChannels)]")
        let n = x.shape[0], h = config.heads, c = config.outChannels
        let hx = lin(x)                                                   // [N, H * C]
        let scoreSrc = Self.headDot(hx, attSrc)                           // [N, H]
        let scoreDst = Self.headDot(hx, attDst)                           // [N, H]
        let logits = scoreSrc.indexSelect(axis: 0, indices: adj.sources)
            + scoreDst.indexSelect(axis: 0, indices: adj.targets)         // [E, H]
        var alpha = logits.leakyRelu(config.negativeSlope).segmentSoftmax(adj.byTarget)  // [E, H]
        if isTraining && config.dropout > 0 {
            let keep = 1 - config.dropout
            var mask = [Float](repeating: 0, count: alpha.count)
            for i in 0..<mask.count { mask[i] = generator.nextUniform() < keep ? 1 / keep : 0 }
            alpha = alpha * Tensor(mask, shape: alpha.shape)
        }
        var out = Tensor.propagate(hx, weights: alpha, adjacency: adj)   // [N, H * C]
        if !config.concat { out = out.reshaped([n, h, c]).mean(axis: 1) } // [N, C]
        if let bias { out = out + bias }
        return (out, alpha)
    }

    /// Per-head dot products `s[n, h] = sum_c x[n, h * C + c] * a[0, h, c]` for x `[N, H * C]`, a `[1, H, C]`
    /// -> `[N, H]` (fused multiply-and-sum; backward: dx = g a, da = sum_n g x).
    static func headDot(_ x: Tensor, _ a: Tensor) -> Tensor {
        let n = x.shape[0], h = a.shape[1], c = a.shape[2]
        precondition(x.shape[1] == h * c, "GATConv.headDot: \(x.shape) against \(a.shape)")
        var out = [Float](repeating: 0, count: n * h)
        x.data.withUnsafeBufferPointer { px in
            a.data.withUnsafeBufferPointer { pa in
                for i in 0..<n {
                    for k in 0..<h {
                        var total: Float = 0
                        let row = px.baseAddress! + i * h * c + k * c, att = pa.baseAddress! + k * c
                        for j in 0..<c { total += row[j] * att[j] }
                        out[i * h + k] = total
                    }
                }
            }
        }
        return Tensor.record(Tensor(out, shape: [n, h]), inputs: [x, a]) { g in
            g.data.withUnsafeBufferPointer { pg in
                if x.requiresGrad {
                    x.accumulateGrad { dx in
                        a.data.withUnsafeBufferPointer { pa in
                            for i in 0..<n {
                                for k in 0..<h {
                                    let gv = pg[i * h + k]
                                    let d = dx.baseAddress! + i * h * c + k * c, att = pa.baseAddress! + k * c
                                    for j in 0..<c { d[j] += gv * att[j] }
                                }
                            }
                        }
                    }
                }
                if a.requiresGrad {
                    a.accumulateGrad { da in
                        x.data.withUnsafeBufferPointer { px in
                            for i in 0..<n {
                                for k in 0..<h {
                                    let gv = pg[i * h + k]
                                    let row = px.baseAddress! + i * h * c + k * c, d = da.baseAddress! + k * c
                                    for j in 0..<c { d[j] += gv * row[j] }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Runs the layer on node features `[N, in]` and an edge list (source -> target).
    public func callAsFunction(_ x: Tensor, edges: EdgeList) -> Tensor {
        forward(x, adjacency: Self.prepare(edges: edges, nodeCount: x.shape[0], addSelfLoops: config.addSelfLoops)).output
    }

    /// Runs the layer over a prepared adjacency.
    public func callAsFunction(_ x: Tensor, adjacency: SparseAdjacency) -> Tensor {
        forward(x, adjacency: adjacency).output
    }
}
