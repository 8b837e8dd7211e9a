import Foundation

/// Random affine distortion of a 28x28 digit image: training-time augmentation for a small digit set
/// (SyncMNIST trains on 8,000 MNIST digits, 800 per class). Affine distortions of the digit images
/// are the classic MNIST remedy (Simard, Steinkraus, Platt, "Best practices for convolutional neural
/// networks applied to visual document analysis", ICDAR 2003, section 2).
///
/// One transform per digit (per clip and slot, the same in all 10 frames: the digit stays rigid and
/// only moves), about the image centre c = (13.5, 13.5):
///
///     p_out = c + s · R(θ) · [[1, k], [0, 1]] · (p_in - c)
///
/// with θ ~ U(-rotation, rotation) degrees, s ~ U(1 - scale, 1 + scale), k ~ U(-shear, shear).
/// The output is sampled bilinearly at the inverse map of each output pixel centre (zero outside the
/// source) and rounded to bytes.
public struct DigitAugmentation: Sendable, Equatable {
    /// Largest rotation in degrees.
    public var rotationDegrees: Double
    /// Largest relative change of size.
    public var scale: Double
    /// Largest horizontal shear factor.
    public var shear: Double

    public init(rotationDegrees: Double = 0, scale: Double = 0, shear: Double = 0) {
        self.rotationDegrees = rotationDegrees
        self.scale = scale
        self.shear = shear
    }

    /// True when every range is zero (the images pass through unchanged).
    public var isIdentity: Bool { rotationDegrees == 0 && scale == 0 && shear == 0 }

    /// The forward 2x2 matrix for one draw from `rng` (row-major [a, b, c, d]: x' = a x + b y, y' = c x + d y).
    public func drawMatrix(_ rng: inout SeededRandom) -> (a: Double, b: Double, c: Double, d: Double) {
        let theta = rng.uniform(-rotationDegrees, rotationDegrees) * Double.pi / 180
        let s = rng.uniform(1 - scale, 1 + scale)
        let k = rng.uniform(-shear, shear)
        let (cs, sn) = (cos(theta) * s, sin(theta) * s)
        // s R(θ) [[1, k], [0, 1]] = s [[cos, -sin], [sin, cos]] [[1, k], [0, 1]]
        return (cs, cs * k - sn, sn, sn * k + cs)
    }

    /// Warps the 28x28 image `source` into `destination` with the matrix `m` (see `drawMatrix`).
    public static func warp(_ source: UnsafePointer<UInt8>, into destination: UnsafeMutablePointer<UInt8>,
                            matrix m: (a: Double, b: Double, c: Double, d: Double)) {
        let side = 28, centre = 13.5
        let det = m.a * m.d - m.b * m.c
        // Inverse of [[a, b], [c, d]].
        let (ia, ib, ic, id) = (m.d / det, -m.b / det, -m.c / det, m.a / det)
        func pixel(_ x: Int, _ y: Int) -> Double {
            x < 0 || y < 0 || x >= side || y >= side ? 0 : Double(source[y * side + x])
        }
        for y in 0..<side {
            for x in 0..<side {
                let (ox, oy) = (Double(x) - centre, Double(y) - centre)
                let sx = ia * ox + ib * oy + centre, sy = ic * ox + id * oy + centre
                let (x0, y0) = (Int(floor(sx)), Int(floor(sy)))
                let (fx, fy) = (sx - Double(x0), sy - Double(y0))
                let v = (1 - fy) * ((1 - fx) * pixel(x0, y0) + fx * pixel(x0 + 1, y0))
                    + fy * ((1 - fx) * pixel(x0, y0 + 1) + fx * pixel(x0 + 1, y0 + 1))
                destination[y * side + x] = UInt8(min(255, max(0, (v + 0.5).rounded(.down))))
            }
        }
    }
}
