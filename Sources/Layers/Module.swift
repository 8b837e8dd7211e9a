import Tensors

/// A layer or model: owns parameters (trainable tensors), buffers (saved, not trained, e.g.
/// BatchNorm running statistics) and named child modules. Names are hierarchical
/// (`encoder.conv1.weight`) so safetensors files line up with PyTorch `state_dict` keys.
public protocol Module: AnyObject {
    /// This module's own trainable tensors by local name (children excluded).
    var ownParameters: [(name: String, tensor: Tensor)] { get }
    /// This module's own saved, non-trainable tensors by local name.
    var ownBuffers: [(name: String, tensor: Tensor)] { get }
    /// Direct sub-modules by local name.
    var children: [(name: String, module: any Module)] { get }
    /// Training mode (dropout active, batch statistics) versus evaluation mode.
    var isTraining: Bool { get set }
}

extension Module {
    public var ownParameters: [(name: String, tensor: Tensor)] { [] }
    public var ownBuffers: [(name: String, tensor: Tensor)] { [] }
    public var children: [(name: String, module: any Module)] { [] }

    /// All trainable tensors with their full hierarchical names, depth first.
    public func namedParameters(prefix: String = "") -> [(name: String, tensor: Tensor)] {
        var result = ownParameters.map { (name: prefix + $0.name, tensor: $0.tensor) }
        for child in children {
            result += child.module.namedParameters(prefix: prefix + child.name + ".")
        }
        return result
    }

    /// All buffers with their full hierarchical names.
    public func namedBuffers(prefix: String = "") -> [(name: String, tensor: Tensor)] {
        var result = ownBuffers.map { (name: prefix + $0.name, tensor: $0.tensor) }
        for child in children {
            result += child.module.namedBuffers(prefix: prefix + child.name + ".")
        }
        return result
    }

    /// Trainable tensors only.
    public var parameters: [Tensor] { namedParameters().map(\.tensor) }

    /// Total number of trainable scalars.
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }

    /// Parameters and buffers by full name (what a checkpoint stores).
    public func stateDict() -> [String: Tensor] {
        var dict: [String: Tensor] = [:]
        for (name, tensor) in namedParameters() + namedBuffers() { dict[name] = tensor }
        return dict
    }

    /// Copies values from `state` into this module's parameters and buffers, by name.
    /// Strict mode requires the same set of names; shapes must always match.
    public func load(stateDict state: [String: Tensor], strict: Bool = true) throws {
        let own = namedParameters() + namedBuffers()
        if strict {
            let ownNames = Set(own.map(\.name))
            if let missing = own.first(where: { state[$0.name] == nil }) {
                throw ModuleError.missingParameter(missing.name)
            }
            if let extra = state.keys.sorted().first(where: { !ownNames.contains($0) }) {
                throw ModuleError.unexpectedParameter(extra)
            }
        }
        for (name, tensor) in own {
            guard let source = state[name] else { continue }
            guard source.shape == tensor.shape else {
                throw ModuleError.shapeMismatch(name: name, expected: tensor.shape, found: source.shape)
            }
            tensor.assign(source.data)
        }
    }

    /// Sets training mode on this module and every descendant.
    public func setTraining(_ training: Bool) {
        isTraining = training
        for child in children { child.module.setTraining(training) }
    }

    /// Clears the gradients of every parameter.
    public func zeroGrad() { for p in parameters { p.grad = nil } }
}

/// Errors loading parameters into a module.
public enum ModuleError: Error, LocalizedError, Equatable {
    case missingParameter(String)
    case unexpectedParameter(String)
    case shapeMismatch(name: String, expected: [Int], found: [Int])

    public var errorDescription: String? {
        switch self {
        case .missingParameter(let name): return "weights file has no tensor '\(name)'"
        case .unexpectedParameter(let name): return "weights file has an unexpected tensor '\(name)'"
        case .shapeMismatch(let name, let expected, let found):
            return "tensor '\(name)' has shape \(found), the model expects \(expected)"
        }
    }
}

import Foundation
