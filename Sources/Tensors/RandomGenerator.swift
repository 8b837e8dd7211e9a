/// A seeded, platform-independent pseudo-random generator (SplitMix64), for reproducible
/// initialisation, dropout masks, sampling and data augmentation.
public struct RandomGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1) with 24 bits of precision.
    public mutating func nextUniform() -> Float {
        Float(next() >> 40) * (1.0 / 16_777_216.0)
    }

    /// Standard normal sample (Box-Muller).
    public mutating func nextNormal() -> Float {
        let u1 = max(nextUniform(), 1e-7)
        let u2 = nextUniform()
        return (-2 * logf(u1)).squareRoot() * cosf(2 * Float.pi * u2)
    }
}

extension Tensor {
    /// Uniform samples in [low, high).
    public static func uniform(_ shape: [Int], low: Float = 0, high: Float = 1, generator: inout RandomGenerator,
                               requiresGrad: Bool = false) -> Tensor {
        let n = shape.reduce(1, *)
        var values = [Float](repeating: 0, count: n)
        for i in 0..<n { values[i] = low + (high - low) * generator.nextUniform() }
        return Tensor(values, shape: shape, requiresGrad: requiresGrad)
    }

    /// Normal samples with the given mean and standard deviation.
    public static func normal(_ shape: [Int], mean: Float = 0, std: Float = 1, generator: inout RandomGenerator,
                              requiresGrad: Bool = false) -> Tensor {
        let n = shape.reduce(1, *)
        var values = [Float](repeating: 0, count: n)
        for i in 0..<n { values[i] = mean + std * generator.nextNormal() }
        return Tensor(values, shape: shape, requiresGrad: requiresGrad)
    }
}

import Foundation
