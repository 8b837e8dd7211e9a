import Foundation

/// Elementwise unary ops. Each gives y = f(x) and dy/dx from x and y; backward dx += g * dy/dx.
extension Tensor {
    /// Applies `forward` elementwise and records `derivative(x, y)` for backward.
    func unary(_ forward: (Float) -> Float, derivative: @escaping (Float, Float) -> Float) -> Tensor {
        var out = Tensor.uninitializedStorage(data.count)
        data.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                Parallel.forRanges(dst.count, minPerRange: Parallel.elementwiseGrain) { range in
                    for i in range { dst[i] = forward(src[i]) }
                }
            }
        }
        return recordUnary(Tensor(out, shape: shape), derivative: derivative)
    }

    /// `unary` with a 16-lane forward function (FastMath).
    func vectorUnary(_ forward: (FastMath.Vector) -> FastMath.Vector, derivative: @escaping (Float, Float) -> Float) -> Tensor {
        var out = Tensor.uninitializedStorage(data.count)
        data.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                Parallel.forRanges(dst.count / 16, minPerRange: Parallel.elementwiseGrain / 16) { range in
                    let end = range.upperBound == dst.count / 16 ? dst.count : range.upperBound * 16
                    FastMath.map(src.baseAddress! + range.lowerBound * 16, dst.baseAddress! + range.lowerBound * 16,
                                 count: end - range.lowerBound * 16, forward)
                }
                if dst.count > 0 && dst.count < 16 { FastMath.map(src.baseAddress!, dst.baseAddress!, count: dst.count, forward) }
            }
        }
        return recordUnary(Tensor(out, shape: shape), derivative: derivative)
    }

    /// Records y = f(x) with backward dx += g * derivative(x, y).
    private func recordUnary(_ result: Tensor, derivative: @escaping (Float, Float) -> Float) -> Tensor {
        let x = self
        return Tensor.record(result, inputs: [x]) { g in
            x.accumulateGrad { dst in
                g.data.withUnsafeBufferPointer { pg in
                    x.data.withUnsafeBufferPointer { px in
                        result.data.withUnsafeBufferPointer { py in
                            Parallel.forRanges(dst.count, minPerRange: Parallel.elementwiseGrain) { range in
                                for i in range { dst[i] += pg[i] * derivative(px[i], py[i]) }
                            }
                        }
                    }
                }
            }
        }
    }

    /// -x
    public func neg() -> Tensor { affine(scale: -1, shift: 0) }
    /// e^x; d = y.
    public func exp() -> Tensor { vectorUnary(FastMath.exp, derivative: { _, y in y }) }
    /// ln x; d = 1/x.
    public func log() -> Tensor { unary({ Foundation.log($0) }, derivative: { x, _ in 1 / x }) }
    /// sqrt x; d = 1/(2y).
    public func sqrt() -> Tensor { unary({ $0.squareRoot() }, derivative: { _, y in 0.5 / y }) }
    /// x^p; d = p x^(p-1).
    public func pow(_ p: Float) -> Tensor {
        unary({ Foundation.pow($0, p) }, derivative: { x, _ in p * Foundation.pow(x, p - 1) })
    }
    /// |x|; d = sign(x) (0 at 0, as PyTorch).
    public func abs() -> Tensor { unary({ Swift.abs($0) }, derivative: { x, _ in x > 0 ? 1 : (x < 0 ? -1 : 0) }) }
    /// max(x, 0); d = 1 for x > 0.
    public func relu() -> Tensor {
        vectorUnary({ $0.replacing(with: 0, where: $0 .< 0) }, derivative: { x, _ in x > 0 ? 1 : 0 })
    }
    /// x for x > 0, slope * x otherwise.
    public func leakyRelu(_ slope: Float = 0.01) -> Tensor {
        unary({ $0 > 0 ? $0 : slope * $0 }, derivative: { x, _ in x > 0 ? 1 : slope })
    }
    /// 1 / (1 + e^-x); d = y (1 - y).
    public func sigmoid() -> Tensor {
        vectorUnary(FastMath.sigmoid, derivative: { _, y in y * (1 - y) })
    }
    /// tanh x; d = 1 - y^2.
    public func tanh() -> Tensor { vectorUnary(FastMath.tanh, derivative: { _, y in 1 - y * y }) }
    /// GELU (exact, erf form as PyTorch's default): x * Phi(x); d = Phi(x) + x * phi(x).
    public func gelu() -> Tensor {
        unary({ 0.5 * $0 * (1 + erf($0 / Float(2).squareRoot())) }, derivative: { x, _ in
            let cdf = 0.5 * (1 + erf(x / Float(2).squareRoot()))
            let pdf = Foundation.exp(-0.5 * x * x) / Float(2 * Double.pi).squareRoot()
            return cdf + x * pdf
        })
    }
    /// min(max(x, low), high); d = 1 inside [low, high] (PyTorch passes gradient at the bounds).
    public func clamp(min low: Float = -.infinity, max high: Float = .infinity) -> Tensor {
        unary({ Swift.min(Swift.max($0, low), high) }, derivative: { x, _ in (x >= low && x <= high) ? 1 : 0 })
    }
}
