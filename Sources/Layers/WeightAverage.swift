import Tensors

/// Exponential moving average of a module's parameters (Polyak-Ruppert averaging; as TensorFlow's
/// `ExponentialMovingAverage` and timm's `ModelEmaV2`): after every optimiser step
///
///     avg <- d_t * avg + (1 - d_t) * param,   d_t = min(decay, (1 + t) / (10 + t))
///
/// where t counts the updates so far (the warm-up keeps the first averages from being dominated by
/// the random initialisation). With a noisy small-batch trajectory the average sits nearer the
/// middle of the basin than the last iterate, for free at inference. Buffers (BatchNorm running
/// statistics) are not averaged: `withAveragedWeights` swaps parameters only.
public final class WeightAverage {
    /// The long-run decay (e.g. 0.999: about the last 1000 steps).
    public let decay: Float
    /// Updates done so far.
    public private(set) var updates = 0
    /// Parameter names, in the module's `namedParameters()` order.
    public let names: [String]
    /// Averaged values per parameter.
    public private(set) var averages: [[Float]]

    /// Starts the average at the module's current parameters.
    public init(_ module: any Module, decay: Float) {
        precondition(decay > 0 && decay < 1, "WeightAverage: decay must lie in (0, 1), got \(decay)")
        self.decay = decay
        let named = module.namedParameters()
        names = named.map(\.name)
        averages = named.map(\.tensor.data)
    }

    /// The decay of update number `t` (0-based).
    public func decay(atUpdate t: Int) -> Float { min(decay, Float(1 + t) / Float(10 + t)) }

    /// Folds the module's current parameters into the average.
    public func update(from module: any Module) {
        let d = decay(atUpdate: updates), e = 1 - d
        for (i, p) in module.namedParameters().enumerated() {
            precondition(p.name == names[i], "WeightAverage: module parameters changed (\(p.name) vs \(names[i]))")
            let values = p.tensor.data
            averages[i].withUnsafeMutableBufferPointer { avg in
                for k in avg.indices { avg[k] = d * avg[k] + e * values[k] }
            }
        }
        updates += 1
    }

    /// Runs `body` with the module's parameters replaced by the averages, then puts the trained values back.
    public func withAveragedWeights<R>(of module: any Module, _ body: () throws -> R) rethrows -> R {
        let parameters = module.namedParameters()
        let trained = parameters.map(\.tensor.data)
        assignAverages(to: module)
        defer { for (i, p) in parameters.enumerated() { p.tensor.assign(trained[i]) } }
        return try body()
    }

    /// Replaces the module's parameters by the averages (for good: a model served from a checkpoint).
    public func assignAverages(to module: any Module) {
        for (i, p) in module.namedParameters().enumerated() {
            precondition(p.name == names[i], "WeightAverage: module parameters changed (\(p.name) vs \(names[i]))")
            p.tensor.assign(averages[i])
        }
    }

    /// The averages by parameter name plus `updates` (a scalar), for checkpoints.
    public func stateDict() -> [String: Tensor] {
        var dict = ["updates": Tensor(scalar: Float(updates))]
        for (name, values) in zip(names, averages) { dict[name] = Tensor(values, shape: [values.count]) }
        return dict
    }

    /// Restores `stateDict()`; throws when a parameter is missing, unknown or has another size.
    public func load(stateDict state: [String: Tensor]) throws {
        guard let count = state["updates"] else { throw ModuleError.missingParameter("updates") }
        var restored = averages
        for (i, name) in names.enumerated() {
            guard let t = state[name] else { throw ModuleError.missingParameter(name) }
            guard t.count == averages[i].count else {
                throw ModuleError.shapeMismatch(name: name, expected: [averages[i].count], found: t.shape)
            }
            restored[i] = t.data
        }
        if let extra = state.keys.sorted().first(where: { $0 != "updates" && !names.contains($0) }) {
            throw ModuleError.unexpectedParameter(extra)
        }
        averages = restored
        updates = Int(count.item)
    }
}
