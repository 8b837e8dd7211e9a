import Tensors

/// A lookup table of learned vectors (PyTorch nn.Embedding): row `i` of `weight` for index `i`.
///
/// Forward gathers rows; backward scatter-adds the output gradient into the rows used (a fused op).
/// Initialised N(0, 1) as PyTorch. state_dict name: `weight`.
public final class Embedding: Module {
    public struct Config: Sendable {
        public var count: Int
        public var dimension: Int
        public init(count: Int, dimension: Int) {
            self.count = count
            self.dimension = dimension
        }
    }

    public let config: Config
    /// `[count, dimension]`
    public let weight: Tensor
    public var isTraining = true

    public init(_ config: Config, generator: inout RandomGenerator) {
        self.config = config
        weight = Tensor.normal([config.count, config.dimension], generator: &generator, requiresGrad: true)
    }

    public convenience init(_ count: Int, _ dimension: Int, generator: inout RandomGenerator) {
        self.init(Config(count: count, dimension: dimension), generator: &generator)
    }

    public var ownParameters: [(name: String, tensor: Tensor)] { [("weight", weight)] }

    /// indices (shape `shape`, default `[indices.count]`) -> `[*shape, dimension]`.
    public func callAsFunction(_ indices: [Int], shape: [Int]? = nil) -> Tensor {
        let d = config.dimension, table = weight
        precondition(indices.allSatisfy { $0 >= 0 && $0 < config.count }, "Embedding: index out of range 0..<\(config.count)")
        var out = [Float](repeating: 0, count: indices.count * d)
        table.data.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for (row, index) in indices.enumerated() {
                    for j in 0..<d { dst[row * d + j] = src[index * d + j] }
                }
            }
        }
        let outShape = (shape ?? [indices.count]) + [d]
        precondition(outShape.reduce(1, *) == out.count, "Embedding: shape \(shape ?? []) does not hold \(indices.count) indices")
        return Tensor.record(Tensor(out, shape: outShape), inputs: [table]) { g in
            table.accumulateGrad { dst in
                g.data.withUnsafeBufferPointer { pg in
                    for (row, index) in indices.enumerated() {
                        for j in 0..<d { dst[index * d + j] += pg[row * d + j] }
                    }
                }
            }
        }
    }
}
