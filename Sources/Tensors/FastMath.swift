/// Vectorised exp, sigmoid and tanh over Float buffers (16 lanes at a time), for the element loops
/// that dominate recurrent cells and softmax.
///
/// exp: range reduction x = n ln2 + r (|r| <= ln2 / 2, ln2 split in two parts), the Cephes degree-6
/// polynomial for e^r, and 2^n applied as two power-of-two factors (no overflow in the exponent
/// field); relative error below 2e-7 for normal results, 0 below x = -87 (results under 1.6e-38),
/// +inf above 88.72, NaN propagated.
enum FastMath {
    typealias Vector = SIMD16<Float>

    @inline(__always)
    static func exp(_ x: Vector) -> Vector {
        let low: Float = -87, high: Float = 88.72283
        // Written with lane masks and bit casts only: the stdlib's generic clamped / rounded /
        // Int32 conversions are not vectorised.
        let c = x.replacing(with: low, where: x .< low).replacing(with: high, where: x .> high)
        let (y, n) = reducedExp(c)
        let half = n &>> 1
        let rest = n &- half
        let s1 = unsafeBitCast((half &+ 127) &<< 23, to: Vector.self)
        let s2 = unsafeBitCast((rest &+ 127) &<< 23, to: Vector.self)
        var result = y * s1 * s2
        result.replace(with: 0, where: x .< low)
        result.replace(with: Float.infinity, where: x .> high)
        result.replace(with: x, where: x .!= x)
        return result
    }

    /// e^c = y * 2^n for clamped c: n = round(c / ln 2) (the 1.5 * 2^23 trick: the low mantissa bits
    /// then hold n), r = c - n ln 2 (ln 2 in two parts), y = the Cephes polynomial for e^r.
    @inline(__always)
    static func reducedExp(_ c: Vector) -> (y: Vector, n: SIMD16<Int32>) {
        let shifted = c * 1.442_695_04 + 12_582_912
        let n = shifted - 12_582_912
        var r = c - n * 0.693_359_375
        r = r + n * 2.121_944_4e-4
        var p = Vector(repeating: 1.987_569_15e-4)
        p = p * r + 1.398_199_95e-3
        p = p * r + 8.333_451_9e-3
        p = p * r + 4.166_579_59e-2
        p = p * r + 1.666_666_55e-1
        p = p * r + 5.000_000_12e-1
        return (p * r * r + r + 1, unsafeBitCast(shifted, to: SIMD16<Int32>.self) &- 0x4B40_0000)
    }

    /// |x| lane by lane (sign bit cleared).
    @inline(__always)
    static func magnitude(_ x: Vector) -> Vector {
        unsafeBitCast(unsafeBitCast(x, to: SIMD16<UInt32>.self) & 0x7FFF_FFFF, to: Vector.self)
    }

    /// 1 / (1 + e^-x), computed from e^-|x| so that it never overflows.
    @inline(__always)
    static func sigmoid(_ x: Vector) -> Vector {
        let e = exp(-magnitude(x))
        let s = 1 / (1 + e)
        var result = e * s
        result.replace(with: s, where: x .>= 0)
        return result
    }

    /// tanh x = sign(x) (1 - e) / (1 + e) with e = e^(-2|x|); a Taylor series below |x| = 1/16
    /// (where 1 - e would cancel).
    @inline(__always)
    static func tanh(_ x: Vector) -> Vector {
        let a = magnitude(x)
        let e = exp(-2 * a)
        var t = (1 - e) / (1 + e)
        let x2 = a * a
        let c3: Float = -1.0 / 3, c5: Float = 2.0 / 15, c7: Float = -17.0 / 315
        let series = a * (1 + x2 * (c3 + x2 * (c5 + x2 * c7)))
        t.replace(with: series, where: a .< 0.0625)
        t.replace(with: -t, where: x .< 0)
        t.replace(with: x, where: x .!= x)
        return t
    }

    /// Applies a vector function to `count` elements of `src`, writing `dst`.
    @inline(__always)
    static func map(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, count: Int,
                    _ f: (Vector) -> Vector) {
        var i = 0
        while i + 16 <= count {
            let v = UnsafeRawPointer(src + i).loadUnaligned(as: Vector.self)
            UnsafeMutableRawPointer(dst + i).storeBytes(of: f(v), as: Vector.self)
            i += 16
        }
        if i < count {
            var v = Vector(repeating: 0)
            for j in 0..<(count - i) { v[j] = src[i + j] }
            let y = f(v)
            for j in 0..<(count - i) { dst[i + j] = y[j] }
        }
    }

    /// e^x for x <= 0 (softmax after the row maximum is subtracted), with the accuracy of `exp`:
    /// no overflow to guard, so 2^n is one exponent-field factor (n >= -126 after the clamp at -87);
    /// 0 below -87 and for -inf; NaN propagates through the polynomial.
    @inline(__always)
    static func expNonPositive(_ x: Vector) -> Vector {
        let low: Float = -87
        let (y, n) = reducedExp(x.replacing(with: low, where: x .< low))
        var result = y * unsafeBitCast((n &+ 127) &<< 23, to: Vector.self)
        result.replace(with: 0, where: x .< low)
        return result
    }

    /// Multiplies `count` values in place by `factor`, 16 lanes at a time.
    @inline(__always)
    static func scale(_ dst: UnsafeMutablePointer<Float>, count: Int, by factor: Float) {
        var i = 0
        while i + 16 <= count {
            let v = UnsafeRawPointer(dst + i).loadUnaligned(as: Vector.self) * factor
            UnsafeMutableRawPointer(dst + i).storeBytes(of: v, as: Vector.self)
            i += 16
        }
        while i < count { dst[i] *= factor; i += 1 }
    }

    /// Writes e^(src - shift) to `dst` and returns the sum of the written values; `shift` is at
    /// least every src value (the row maximum), so the exponents are <= 0.
    @inline(__always)
    static func expShifted(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, count: Int, shift: Float) -> Float {
        var total = Vector(repeating: 0)
        var i = 0
        while i + 16 <= count {
            let v = expNonPositive(UnsafeRawPointer(src + i).loadUnaligned(as: Vector.self) - shift)
            UnsafeMutableRawPointer(dst + i).storeBytes(of: v, as: Vector.self)
            total += v
            i += 16
        }
        var sum = total.sum()
        if i < count {
            var v = Vector(repeating: -.infinity)
            for j in 0..<(count - i) { v[j] = src[i + j] - shift }
            let y = expNonPositive(v)
            for j in 0..<(count - i) { dst[i + j] = y[j]; sum += y[j] }
        }
        return sum
    }

    /// The largest of `count` values (-inf when empty); 16 lanes at a time.
    @inline(__always)
    static func maximum(_ src: UnsafePointer<Float>, count: Int) -> Float {
        var best = Vector(repeating: -.infinity)
        var i = 0
        while i + 16 <= count {
            let v = UnsafeRawPointer(src + i).loadUnaligned(as: Vector.self)
            best.replace(with: v, where: v .> best)   // compare + blend (pointwiseMax is NaN-aware and scalarised)
            i += 16
        }
        var m = best.max()
        while i < count { m = Swift.max(m, src[i]); i += 1 }
        return m
    }
}
