/// A dense Float32 tensor in row-major (C-contiguous) layout, optionally tracked by the autodiff tape.
///
/// Storage is a Swift array, so reshapes and copies share memory until one side writes (copy on
/// write). Layout conventions used across vidgraph: images NCHW, node features `[N, C]`,
/// edges `[2, E]`.
public final class Tensor {
    /// The extent of each axis; `[]` is a scalar.
    public let shape: [Int]
    /// The elements, row-major; `data.count == shape.product`.
    public internal(set) var data: [Float]
    /// Whether gradients flow into this tensor (a leaf parameter or the result of a tracked op).
    public var requiresGrad: Bool
    /// The accumulated gradient (same shape), filled by `backward()` for tensors that require grad.
    public var grad: Tensor?
    /// The tape entry: inputs and the closure that pushes this tensor's gradient into them.
    var tapeNode: TapeNode?

    /// Makes a tensor from its elements; `data.count` must equal the product of `shape`.
    public init(_ data: [Float], shape: [Int], requiresGrad: Bool = false) {
        _ = MemoryTuning.applied
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor: negative extent in shape \(shape)")
        precondition(data.count == shape.reduce(1, *), "Tensor: \(data.count) elements for shape \(shape)")
        self.shape = shape
        self.data = data
        self.requiresGrad = requiresGrad
    }

    /// A scalar tensor.
    public convenience init(scalar: Float, requiresGrad: Bool = false) {
        self.init([scalar], shape: [], requiresGrad: requiresGrad)
    }

    /// A tensor filled with one value.
    public convenience init(repeating value: Float, shape: [Int], requiresGrad: Bool = false) {
        self.init([Float](repeating: value, count: shape.reduce(1, *)), shape: shape, requiresGrad: requiresGrad)
    }

    /// All zeros.
    public static func zeros(_ shape: [Int], requiresGrad: Bool = false) -> Tensor {
        Tensor(repeating: 0, shape: shape, requiresGrad: requiresGrad)
    }

    /// All ones.
    public static func ones(_ shape: [Int], requiresGrad: Bool = false) -> Tensor {
        Tensor(repeating: 1, shape: shape, requiresGrad: requiresGrad)
    }

    /// Number of elements.
    public var count: Int { data.count }
    /// Number of axes.
    public var rank: Int { shape.count }
    /// The single element of a one-element tensor.
    public var item: Float {
        precondition(data.count == 1, "Tensor.item: shape \(shape) has \(data.count) elements")
        return data[0]
    }

    /// Row-major strides of `shape`.
    public var strides: [Int] { Tensor.contiguousStrides(shape) }

    /// Row-major strides for a shape.
    public static func contiguousStrides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var running = 1
        for axis in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[axis] = running
            running *= shape[axis]
        }
        return strides
    }

    /// Resolves a possibly negative axis against the rank.
    @inlinable
    public func normalizedAxis(_ axis: Int, op: String) -> Int {
        let resolved = axis < 0 ? axis + shape.count : axis
        precondition(resolved >= 0 && resolved < Swift.max(shape.count, 1), "\(op): axis \(axis) out of range for shape \(shape)")
        return resolved
    }

    /// A new tensor with the same data and no tape history.
    public func detached() -> Tensor { Tensor(data, shape: shape) }

    /// Overwrites the elements in place (optimizers, loading weights). Not recorded on the tape.
    public func assign(_ newData: [Float]) {
        precondition(newData.count == data.count, "Tensor.assign: \(newData.count) elements for shape \(shape)")
        data = newData
    }

    /// Mutable access to the elements in place (optimizers, loading weights). Not recorded on the tape.
    public func withMutableData<R>(_ body: (inout [Float]) throws -> R) rethrows -> R {
        try body(&data)
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let preview = data.prefix(8).map { String(format: "%.4g", $0) }.joined(separator: ", ")
        return "Tensor(shape: \(shape), data: [\(preview)\(data.count > 8 ? ", ..." : "")]\(requiresGrad ? ", requiresGrad" : ""))"
    }
}

import Foundation
