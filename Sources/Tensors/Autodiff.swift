import Foundation

/// Reverse-mode automatic differentiation: a tape of closures recorded while gradients are wanted.
///
/// Each tracked op stores its inputs and a closure that reads the output's gradient and accumulates
/// (`+=`) the inputs' gradients. `backward()` walks the tape in reverse topological order and then
/// releases it, so a training step frees every intermediate after backward.
final class TapeNode {
    var inputs: [Tensor]
    var pushGradient: ((Tensor) -> Void)?

    init(inputs: [Tensor], pushGradient: @escaping (Tensor) -> Void) {
        self.inputs = inputs
        self.pushGradient = pushGradient
    }
}

/// Per-thread switch for recording the tape. Inference paths run inside `GradMode.disabled { ... }`.
///
/// The mode belongs to the calling thread (a pthread key holds its nesting depth), so inference on
/// worker threads must disable the tape in each worker, and it never switches off a training tape
/// recorded on another thread at the same time.
public enum GradMode {
    private static let depthKey: pthread_key_t = {
        var key = pthread_key_t()
        let status = pthread_key_create(&key, nil)
        precondition(status == 0, "GradMode: pthread_key_create failed (\(status))")
        return key
    }()

    /// How many `disabled` scopes the calling thread is inside.
    static var disabledDepth: Int {
        get { Int(bitPattern: pthread_getspecific(depthKey)) }
        set { pthread_setspecific(depthKey, UnsafeRawPointer(bitPattern: newValue)) }
    }

    /// Whether ops currently record the tape.
    public static var isEnabled: Bool { disabledDepth == 0 }

    /// Runs `body` without recording the tape (inference: no tape, no retained intermediates).
    public static func disabled<R>(_ body: () throws -> R) rethrows -> R {
        disabledDepth += 1
        defer { disabledDepth -= 1 }
        return try body()
    }
}

extension Tensor {
    /// Whether an op over these inputs must be recorded.
    static func needsTape(_ inputs: [Tensor]) -> Bool {
        GradMode.isEnabled && inputs.contains { $0.requiresGrad }
    }

    /// Builds an op's result and, when gradients are wanted, records how to push its gradient back.
    /// `pushGradient` receives the result's gradient `[shape]` and accumulates into the inputs
    /// (with `accumulateGrad`). Public so that other modules can define fused ops with their backward.
    public static func record(_ result: Tensor, inputs: [Tensor], pushGradient: @escaping (Tensor) -> Void) -> Tensor {
        if needsTape(inputs) {
            result.requiresGrad = true
            result.tapeNode = TapeNode(inputs: inputs, pushGradient: pushGradient)
        }
        return result
    }

    /// Adds `gradient` (same shape) into this tensor's `grad`, if it requires grad.
    public func accumulateGrad(_ gradient: [Float]) {
        guard requiresGrad else { return }
        precondition(gradient.count == data.count, "accumulateGrad: \(gradient.count) values for shape \(shape)")
        if let existing = grad {
            existing.data.withUnsafeMutableBufferPointer { dst in
                gradient.withUnsafeBufferPointer { src in
                    Parallel.forRanges(dst.count, minPerRange: Parallel.elementwiseGrain) { range in
                        for i in range { dst[i] += src[i] }
                    }
                }
            }
        } else {
            grad = Tensor(gradient, shape: shape)
        }
    }

    /// Adds a gradient through a pointer-writing closure (it must `+=` into the buffer, which has
    /// this tensor's shape) without allocating when `grad` exists.
    public func accumulateGrad(_ write: (UnsafeMutableBufferPointer<Float>) -> Void) {
        guard requiresGrad else { return }
        if grad == nil { grad = Tensor.zeros(shape) }
        grad!.data.withUnsafeMutableBufferPointer { write($0) }
    }

    /// Runs `body` with a pointer to this tensor's gradient buffer (created as zeros when absent),
    /// or with nil when the tensor does not require grad. `body` must `+=` into it.
    func withGradPointer<R>(_ body: (UnsafeMutablePointer<Float>?) -> R) -> R {
        guard requiresGrad else { return body(nil) }
        if grad == nil { grad = Tensor.zeros(shape) }
        return grad!.data.withUnsafeMutableBufferPointer { body($0.baseAddress) }
    }

    /// Back-propagates from this scalar (or from `seed`, a gradient of the same shape): fills `grad`
    /// of every tensor on the tape that requires grad, then frees the tape.
    /// - Parameter retainIntermediateGrads: keep `grad` on non-leaf tensors (for tests).
    public func backward(seed: Tensor? = nil, retainIntermediateGrads: Bool = false) {
        precondition(seed != nil || data.count == 1, "backward: needs a seed gradient for shape \(shape)")
        guard requiresGrad else { return }
        let order = topologicalOrder()
        grad = nil
        accumulateGrad(seed?.data ?? [Float](repeating: 1, count: data.count))
        for tensor in order.reversed() {
            guard let node = tensor.tapeNode else { continue }
            if let gradient = tensor.grad, let push = node.pushGradient {
                push(gradient)
            }
            // Free the tape and the intermediate gradient as soon as they have been used.
            tensor.tapeNode = nil
            if !retainIntermediateGrads { tensor.grad = nil }
        }
    }

    /// Tensors reachable through the tape, inputs before outputs.
    private func topologicalOrder() -> [Tensor] {
        var order: [Tensor] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(Tensor, Bool)] = [(self, false)]
        while let (tensor, expanded) = stack.popLast() {
            if expanded { order.append(tensor); continue }
            let id = ObjectIdentifier(tensor)
            if visited.contains(id) { continue }
            visited.insert(id)
            stack.append((tensor, true))
            for input in tensor.tapeNode?.inputs ?? [] where input.requiresGrad {
                if !visited.contains(ObjectIdentifier(input)) { stack.append((input, false)) }
            }
        }
        return order
    }

    /// Clears the accumulated gradient.
    public func zeroGrad() { grad = nil }
}
