import Foundation
import Tensors

/// A first-order optimizer over a module's named parameters (PyTorch torch.optim semantics).
///
/// Call `step()` after `backward()`; parameters without a gradient are skipped (their state is left
/// alone). The state (step count, per-parameter buffers) round-trips through `stateDict()` /
/// `load(stateDict:)` with names `<parameter>.<buffer>` (e.g. `encoder.conv1.weight.exp_avg`)
/// plus `step` (a scalar), so checkpoints can resume training exactly.
public protocol Optimizer: AnyObject {
    /// The parameters being optimised, by hierarchical name.
    var parameters: [(name: String, tensor: Tensor)] { get }
    /// The learning rate used by the next `step()` (schedules set it).
    var learningRate: Float { get set }
    /// The number of `step()` calls so far.
    var stepCount: Int { get }
    /// Updates every parameter that has a gradient.
    func step()
    /// The optimizer state by name.
    func stateDict() -> [String: Tensor]
    /// Restores the state saved by `stateDict()`; throws on unknown or mis-shaped entries.
    func load(stateDict: [String: Tensor]) throws
}

extension Optimizer {
    /// Clears the gradients of every optimised parameter.
    public func zeroGrad() { for p in parameters { p.tensor.grad = nil } }
}

/// Errors restoring optimizer state.
public enum OptimizerError: Error, LocalizedError, Equatable {
    case unknownState(String)
    case shapeMismatch(name: String, expected: Int, found: Int)
    case missingStep

    public var errorDescription: String? {
        switch self {
        case .unknownState(let name): return "optimizer state has an unexpected tensor '\(name)'"
        case .shapeMismatch(let name, let expected, let found):
            return "optimizer state '\(name)' has \(found) values, the parameter has \(expected)"
        case .missingStep: return "optimizer state has no 'step' entry"
        }
    }
}

/// Per-parameter buffers keyed by parameter name (shared by SGD and Adam).
struct OptimizerBuffers {
    /// buffer kind (e.g. "exp_avg") -> parameter index -> values (nil until the first update).
    var values: [String: [[Float]?]]

    init(kinds: [String], parameterCount: Int) {
        values = Dictionary(uniqueKeysWithValues: kinds.map { ($0, [[Float]?](repeating: nil, count: parameterCount)) })
    }

    func stateDict(parameters: [(name: String, tensor: Tensor)], step: Int) -> [String: Tensor] {
        var dict: [String: Tensor] = ["step": Tensor(scalar: Float(step))]
        for (kind, perParameter) in values {
            for (i, buffer) in perParameter.enumerated() {
                if let buffer { dict["\(parameters[i].name).\(kind)"] = Tensor(buffer, shape: parameters[i].tensor.shape) }
            }
        }
        return dict
    }

    mutating func load(_ state: [String: Tensor], parameters: [(name: String, tensor: Tensor)]) throws -> Int {
        guard let step = state["step"] else { throw OptimizerError.missingStep }
        let index = Dictionary(uniqueKeysWithValues: parameters.enumerated().map { ($0.element.name, $0.offset) })
        var fresh = OptimizerBuffers(kinds: Array(values.keys), parameterCount: parameters.count)
        for (name, tensor) in state where name != "step" {
            guard let dot = name.lastIndex(of: "."), let i = index[String(name[..<dot])],
                  fresh.values[String(name[name.index(after: dot)...])] != nil else {
                throw OptimizerError.unknownState(name)
            }
            guard tensor.count == parameters[i].tensor.count else {
                throw OptimizerError.shapeMismatch(name: name, expected: parameters[i].tensor.count, found: tensor.count)
            }
            fresh.values[String(name[name.index(after: dot)...])]![i] = tensor.data
        }
        self = fresh
        return Int(step.item)
    }
}
