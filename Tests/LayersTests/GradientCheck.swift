import XCTest
import Tensors

/// Finite-difference gradient check for layers: compares the tape's gradient of
/// `loss = sum(f() * weights)` (random fixed weights) w.r.t. every tensor in `inputs` (inputs and
/// parameters) with (L(x+eps) - L(x-eps)) / 2eps in Double. Fails when
/// |analytic - numeric| > atol + rtol |numeric| for any element.
func checkLayerGradients(_ inputs: [Tensor], eps: Float = 1e-2, atol: Float = 3e-3, rtol: Float = 2e-2,
                         seed: UInt64 = 7, file: StaticString = #filePath, line: UInt = #line,
                         _ f: () -> Tensor) {
    for x in inputs { x.requiresGrad = true; x.grad = nil }
    let probe = GradMode.disabled { f() }
    var rng = RandomGenerator(seed: seed)
    let weights = Tensor.uniform(probe.shape, low: -1, high: 1, generator: &rng)
    func lossValue() -> Double {
        let y = GradMode.disabled { f() }
        var total = 0.0
        for i in 0..<y.count { total += Double(y.data[i]) * Double(weights.data[i]) }
        return total
    }
    (f() * weights).sum().backward()
    for (n, x) in inputs.enumerated() {
        guard let analytic = x.grad else { XCTFail("input \(n) got no gradient", file: file, line: line); continue }
        for i in 0..<x.count {
            let saved = x.data[i]
            x.withMutableData { $0[i] = saved + eps }
            let plus = lossValue()
            x.withMutableData { $0[i] = saved - eps }
            let minus = lossValue()
            x.withMutableData { $0[i] = saved }
            let numeric = Float((plus - minus) / Double(2 * eps))
            if abs(analytic.data[i] - numeric) > atol + rtol * abs(numeric) {
                XCTFail("input \(n)[\(i)] of shape \(x.shape): analytic \(analytic.data[i]) vs numeric \(numeric)", file: file, line: line)
                return
            }
        }
    }
}
