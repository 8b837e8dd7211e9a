import Foundation

/// A learning rate as a function of the step (0-based); apply with `optimizer.learningRate = schedule(step)`.
public protocol LearningRateSchedule: Sendable {
    /// The learning rate for step `step`.
    func learningRate(at step: Int) -> Float
}

extension LearningRateSchedule {
    /// Same as `learningRate(at:)`.
    public func callAsFunction(_ step: Int) -> Float { learningRate(at: step) }
}

/// Polynomial decay (DeepLab "poly"): lr(t) = base (1 - t / T)^power, 0 from t = T on.
public struct PolyLR: LearningRateSchedule {
    public var base: Float
    public var totalSteps: Int
    public var power: Float
    public init(base: Float, totalSteps: Int, power: Float = 0.9) {
        self.base = base
        self.totalSteps = totalSteps
        self.power = power
    }
    public func learningRate(at step: Int) -> Float {
        let progress = Swift.min(Float(step) / Float(Swift.max(totalSteps, 1)), 1)
        return base * Foundation.pow(1 - progress, power)
    }
}

/// Cosine annealing with optional linear warm-up: lr rises linearly from base/W to base over the
/// first W steps, then lr(t) = min + (base - min) (1 + cos(pi (t - W) / (T - W))) / 2, and min after T.
public struct CosineLR: LearningRateSchedule {
    public var base: Float
    public var totalSteps: Int
    public var warmupSteps: Int
    public var minimum: Float
    public init(base: Float, totalSteps: Int, warmupSteps: Int = 0, minimum: Float = 0) {
        self.base = base
        self.totalSteps = totalSteps
        self.warmupSteps = warmupSteps
        self.minimum = minimum
    }
    public func learningRate(at step: Int) -> Float {
        if step < warmupSteps { return base * Float(step + 1) / Float(warmupSteps) }
        let span = Swift.max(totalSteps - warmupSteps, 1)
        let progress = Swift.min(Float(step - warmupSteps) / Float(span), 1)
        return minimum + (base - minimum) * (1 + Foundation.cos(Float.pi * progress)) / 2
    }
}

/// Step decay (PyTorch StepLR): lr(t) = base gamma^(floor(t / stepSize)).
public struct StepLR: LearningRateSchedule {
    public var base: Float
    public var stepSize: Int
    public var gamma: Float
    public init(base: Float, stepSize: Int, gamma: Float = 0.1) {
        precondition(stepSize > 0, "StepLR: step size \(stepSize) must be positive")
        self.base = base
        self.stepSize = stepSize
        self.gamma = gamma
    }
    public func learningRate(at step: Int) -> Float { base * Foundation.pow(gamma, Float(step / stepSize)) }
}
