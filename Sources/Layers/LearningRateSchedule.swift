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

/// Cosine annealing with warm restarts (SGDR, Loshchilov & Hutter 2017): the run is cut into cycles
/// at `restartSteps` (r_1 < r_2 < ...); cycle c spans [r_c, r_{c+1}) (r_0 = 0, the last ends at T) and
/// anneals from base_c = base s^c to `minimum` with a cosine, where s = `restartScale`. The first cycle
/// also has the linear warm-up and is exactly `CosineLR(base, r_1, warmup, minimum)`, so a run trained
/// with the plain schedule for r_1 steps can be resumed into the next cycle with identical history.
public struct CosineRestartsLR: LearningRateSchedule {
    public var base: Float
    public var totalSteps: Int
    public var warmupSteps: Int
    public var minimum: Float
    public var restartSteps: [Int]
    public var restartScale: Float
    public init(base: Float, totalSteps: Int, restartSteps: [Int], restartScale: Float = 1, warmupSteps: Int = 0, minimum: Float = 0) {
        precondition(zip(restartSteps, restartSteps.dropFirst()).allSatisfy { $0 < $1 } && (restartSteps.first ?? 1) > 0,
                     "CosineRestartsLR: restart steps \(restartSteps) must be positive and increasing")
        self.base = base
        self.totalSteps = totalSteps
        self.warmupSteps = warmupSteps
        self.minimum = minimum
        self.restartSteps = restartSteps
        self.restartScale = restartScale
    }
    public func learningRate(at step: Int) -> Float {
        let cycle = restartSteps.lastIndex { $0 <= step }.map { $0 + 1 } ?? 0
        let start = cycle == 0 ? 0 : restartSteps[cycle - 1]
        let end = cycle < restartSteps.count ? restartSteps[cycle] : Swift.max(totalSteps, start + 1)
        let cycleBase = base * Foundation.pow(restartScale, Float(cycle))
        return CosineLR(base: cycleBase, totalSteps: end - start, warmupSteps: cycle == 0 ? warmupSteps : 0,
                        minimum: minimum).learningRate(at: step - start)
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
