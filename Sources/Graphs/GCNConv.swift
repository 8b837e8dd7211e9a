import Foundation
import Layers
import Tensors

/// Graph convolution (Kipf & Welling, ICLR 2017) with PyTorch Geometric's `GCNConv` semantics:
/// `X' = D^-1/2 (A + I) D^-1/2 X W + b`, where A holds edge weights (1 by default), self-loops are
/// added for nodes without one (weight 1; an existing self-loop keeps its weight), the degree
/// D_tt = sum of weights of edges into t, and `lin` has no bias (the bias is added after
/// aggregation). Parameters: `lin.weight` `[out, in]`, `bias` `[out]`.
/// Messages flow source -> target; aggregation runs over the CSR by target (`Tensor.propagate`).
public final class GCNConv: Module {
    public struct Config: Sendable {
        public var inChannels: Int
        public var outChannels: Int
        public var addSelfLoops: Bool = true
        public var normalize: Bool = true
        public var bias: Bool = true
        public init(inChannels: Int, outChannels: Int, addSelfLoops: Bool = true, normalize: Bool = true, bias: Bool = true) {
            self.inChannels = inChannels; self.outChannels = outChannels
            self.addSelfLoops = addSelfLoops; self.normalize = normalize; self.bias = bias
        }
    }

    /// A graph prepared for GCN: the adjacency (with self-loops) and the normalised edge weights.
    public struct Propagation: Sendable {
        public let adjacency: SparseAdjacency
        /// `[E']` normalised weight of each edge of `adjacency`.
        public let weights: [Float]
    }

    public let config: Config
    /// `[out, in]`, no bias.
    public let lin: Linear
    /// `[out]`
    public let bias: Tensor?
    public var isTraining = true

    public init(_ config: Config, generator: inout RandomGenerator) {
        self.config = config
        lin = Linear(config.inChannels, config.outChannels, bias: false, generator: &generator)
        // PyG: glorot weight, zero bias.
        let bound = (6 / Float(config.inChannels + config.outChannels)).squareRoot()
        lin.weight.assign(Tensor.uniform(lin.weight.shape, low: -bound, high: bound, generator: &generator).data)
        bias = config.bias ? Tensor.zeros([config.outChannels], requiresGrad: true) : nil
    }

    public convenience init(_ inChannels: Int, _ outChannels: Int, generator: inout RandomGenerator) {
        self.init(Config(inChannels: inChannels, outChannels: outChannels), generator: &generator)
    }

    public var ownParameters: [(name: String, tensor: Tensor)] { bias.map { [("bias", $0)] } ?? [] }
    public var children: [(name: String, module: any Module)] { [("lin", lin)] }

    /// Adds remaining self-loops and computes `D^-1/2 (A + I) D^-1/2` edge weights (PyG `gcn_norm`).
    public static func prepare(edges: EdgeList, nodeCount n: Int, addSelfLoops: Bool = true, normalize: Bool = true) -> Propagation {
        var sources: [Int32] = [], targets: [Int32] = [], weights: [Float] = []
        sources.reserveCapacity(edges.count + n); targets.reserveCapacity(edges.count + n); weights.reserveCapacity(edges.count + n)
        var loopWeight = [Float](repeating: 1, count: addSelfLoops ? n : 0)
        for e in 0..<edges.count {
            let w = edges.weights?[e] ?? 1
            if addSelfLoops && edges.sources[e] == edges.targets[e] {
                loopWeight[Int(edges.sources[e])] = w
                continue
            }
            sources.append(edges.sources[e]); targets.append(edges.targets[e]); weights.append(w)
        }
        if addSelfLoops {
            for i in 0..<n { sources.append(Int32(i)); targets.append(Int32(i)); weights.append(loopWeight[i]) }
        }
        if normalize {
            var degree = [Float](repeating: 0, count: n)
            for e in 0..<targets.count { degree[Int(targets[e])] += weights[e] }
            let inv = degree.map { $0 > 0 ? 1 / $0.squareRoot() : 0 }
            for e in 0..<weights.count { weights[e] *= inv[Int(sources[e])] * inv[Int(targets[e])] }
        }
        return Propagation(adjacency: SparseAdjacency(sources: sources, targets: targets, nodeCount: n), weights: weights)
    }

    /// Runs the layer on node features `[N, in]` over a prepared graph -> `[N, out]`.
    public func callAsFunction(_ x: Tensor, _ prop: Propagation) -> Tensor {
        precondition(x.rank == 2 && x.shape[1] == config.inChannels, "GCNConv: input \(x.shape), expected [N, \(config.inChannels)]")
        let h = lin(x)                                                          // [N, out]
        let w = Tensor(prop.weights, shape: [prop.weights.count])               // [E']
        var out = Tensor.propagate(h, weights: w, adjacency: prop.adjacency)    // [N, out]
        if let bias { out = out + bias }
        return out
    }

    /// Runs the layer on node features `[N, in]` and an edge list (source -> target) -> `[N, out]`.
    public func callAsFunction(_ x: Tensor, edges: EdgeList) -> Tensor {
        callAsFunction(x, Self.prepare(edges: edges, nodeCount: x.shape[0], addSelfLoops: config.addSelfLoops,
                                       normalize: config.normalize))
    }
}
