import XCTest
@testable import Tensors

/// Central finite-difference gradient check (same idea as TensorsTests'): compares the tape's
/// gradient of `loss = sum(f(inputs) * weights)` (random fixed weights) with
/// (L(x+eps) - L(x-eps)) / 2eps accumulated in Double.
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
            x.withMutableData { $0[i] = saved + eps }
            let plus = lossValue()
            x.withMutableData { $0[i] = saved - eps }
            let minus = lossValue()
            x.withMutableData { $0[i] = saved }
            let numeric = Float((plus - minus) / Double(2 * eps))
            let diff = abs(analytic.data[i] - numeric)
            if diff > atol + rtol * abs(numeric) {
                XCTFail("input \(n)[\(i)]: analytic \(analytic.data[i]) vs numeric \(numeric)", file: file, line: line)
                return
            }
        }
    }
}

/// Asserts two float arrays agree elementwise within `atol + rtol * |expected|`.
func assertClose(_ actual: [Float], _ expected: [Float], atol: Float = 1e-5, rtol: Float = 1e-4,
                 _ message: String = "", file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(actual.count, expected.count, "count \(message)", file: file, line: line)
    for i in 0..<min(actual.count, expected.count) where abs(actual[i] - expected[i]) > atol + rtol * abs(expected[i]) {
        XCTFail("\(message)[\(i)]: \(actual[i]) vs expected \(expected[i])", file: file, line: line)
        return
    }
}

/// A random graph with `n` nodes and `e` edges (may contain self-loops and duplicates).
func randomEdges(nodes n: Int, edges e: Int, generator: inout RandomGenerator) -> ([Int32], [Int32]) {
    let s = (0..<e).map { _ in Int32(generator.next() % UInt64(n)) }
    let t = (0..<e).map { _ in Int32(generator.next() % UInt64(n)) }
    return (s, t)
}
