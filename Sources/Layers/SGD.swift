import Tensors

/// Stochastic gradient descent with momentum, dampening, Nesterov and L2 weight decay (PyTorch torch.optim.SGD).
///
/// g = grad + wd p; with momentum mu: b = g on the first step, else b = mu b + (1 - dampening) g;
/// the direction is g + mu b (Nesterov) or b; p -= lr * direction. State: `<param>.momentum_buffer`.
public final class SGD: Optimizer {
    public struct Config: Sendable {
        public var learningRate: Float
        public var momentum: Float = 0
        public var dampening: Float = 0
        public var nesterov: Bool = false
        public var weightDecay: Float = 0
        public init(learningRate: Float, momentum: Float = 0, dampening: Float = 0, nesterov: Bool = false, weightDecay: Float = 0) {
            precondition(!nesterov || (momentum > 0 && dampening == 0), "SGD: Nesterov needs momentum > 0 and zero dampening")
            self.learningRate = learningRate
            self.momentum = momentum
            self.dampening = dampening
            self.nesterov = nesterov
            self.weightDecay = weightDecay
        }
    }

    public let config: Config
    public let parameters: [(name: String, tensor: Tensor)]
    public var learningRate: Float
    public private(set) var stepCount = 0
    var buffers: OptimizerBuffers

    public init(_ parameters: [(name: String, tensor: Tensor)], _ config: Config) {
        self.config = config
        self.parameters = parameters
        learningRate = config.learningRate
        buffers = OptimizerBuffers(kinds: ["momentum_buffer"], parameterCount: parameters.count)
    }

    /// Optimises every parameter of `module`.
    public convenience init(_ module: any Module, _ config: Config) { self.init(module.namedParameters(), config) }

    public func step() {
        stepCount += 1
        let lr = learningRate, mu = config.momentum, wd = config.weightDecay
        let damp = 1 - config.dampening, nesterov = config.nesterov
        for (i, (_, p)) in parameters.enumerated() {
            guard let grad = p.grad else { continue }
            var momentum = mu != 0 ? buffers.values["momentum_buffer"]![i] : nil
            let first = momentum == nil
            if mu != 0 && first { momentum = [Float](repeating: 0, count: p.count) }
            p.withMutableData { data in
                data.withUnsafeMutableBufferPointer { pp in
                    grad.data.withUnsafeBufferPointer { pg in
                        if mu == 0 {
                            for j in 0..<pp.count { pp[j] -= lr * (pg[j] + wd * pp[j]) }
                            return
                        }
                        momentum!.withUnsafeMutableBufferPointer { pb in
                            for j in 0..<pp.count {
                                let g = pg[j] + wd * pp[j]
                                let b = first ? g : mu * pb[j] + damp * g
                                pb[j] = b
                                pp[j] -= lr * (nesterov ? g + mu * b : b)
                            }
                        }
                    }
                }
            }
            if mu != 0 { buffers.values["momentum_buffer"]![i] = momentum }
        }
    }

    public func stateDict() -> [String: Tensor] { buffers.stateDict(parameters: parameters, step: stepCount) }

    public func load(stateDict: [String: Tensor]) throws { stepCount = try buffers.load(stateDict, parameters: parameters) }
}
