import XCTest
@testable import Tensors

/// Central finite-difference gradient check: compares the tape's gradient of
/// `loss = sum(f(inputs) * weights)` (random fixed weights) with (L(x+eps) - L(x-eps)) / 2eps,
/// accumulated in Double. Fails when max |analytic - numeric| > atol + rtol * |numeric|.
func checkGradients(_ inputs: [Tensor], eps: Float = 1e-2, atol: Float = 2e-3, rtol: Float = 2e-2,
                    seed: UInt64 = 7, file: StaticString = #filePath, line: UInt = #line,
                    _ f: ([Tensor]) -> Tensor) {
    for x in inputs { x.requiresGrad = true; x.grad = nil }
    let probe = GradMode.disabled { f(inputs) }
    var rng = RandomGenerator(seed: seed)
    let weights = Tensor.uniform(probe.shape, low: -1, high: 1, generator: &rng)
    func lossValue() -> Double {
        let y = GradMode.disabled { f(inputs) }
        var total = 0.0
        for i in 0..<y.count { total += Double(y.data[i]) * Double(weights.data[i]) }
        return total
    }
    let loss = (f(inputs) * weights).sum()
    loss.backward()
    for (n, x) in inputs.enumerated() {
        guard let analytic = x.grad else { XCTFail("input \(n) got no gradient", file: file, line: line); continue }
        for i in 0..<x.count {
            let saved = x.data[i]
            x.data[i] = saved + eps
            let plus = lossValue()
            x.data[i] = saved - eps
            let minus = lossValue()
            x.data[i] = saved
            let numeric = Float((plus - minus) / Double(2 * eps))
            let diff = abs(analytic.data[i] - numeric)
            if diff > atol + rtol * abs(numeric) {
                XCTFail("input \(n)[\(i)]: analytic \(analytic.data[i]) vs numeric \(numeric)", file: file, line: line)
                return
            }
        }
    }
}
