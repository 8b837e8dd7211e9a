import Foundation
import Layers
import Tensors

/// Digit-track term of the pairwise synchrony readout (`architecture.track_readout: true`): compares
/// the motion tracks of every two digit classes over the whole clip.
///
/// SyncMNIST's synchronous digits share their displacement in every frame. The space steps compare
/// cells within one frame, but a digit moves from cell to cell between frames, so "a and b moved alike
/// in all frames" needs each cell bound to a digit identity first. This term binds them with the
/// identity head q of `SynchronyPairReadout` and the cells' measured motion (`MotionAffinity.nodeMotion`:
/// intensity-weighted mean flow u and digit fraction c). For frames t >= 1 and the finest grid's cells k:
///     w_{t,k,c} = q_{t,k,c} c_{t,k}
///     m_{t,c}   = sum_k w_{t,k,c} u_{t,k} / (sum_k w_{t,k,c} + eps)      track of digit class c `[2]`
///     p_{t,c}   = 1 - exp(-2 sum_k w_{t,k,c})                           digit c is seen in frame t
///     v_{t,ab}  = p_{t,a} p_{t,b}
///     z_{a-b}   = 10 (mean_t v_{t,ab} sum_m h_m exp(-|m_{t,a} - m_{t,b}|^2 / sigma_m^2) + o),   z_none = 0
/// with eps = 1e-3 and motion in units of 8 px as in `MotionAffinity`. The kernel is taken per frame and
/// then averaged, so the frames where a track is wrong (a digit hidden under another) cost only their
/// share: the synchronous pair matches in most frames, two independent digits in few. The gains h `[M]` and the offset
/// o `[1]` start at zero, so a model fine-tuned with this term starts as its source; the factor 10 lets
/// Adam's steps (about the learning rate in size) reach a useful scale within one fine-tuning cycle.
/// Gradients reach h, o and, through q, the identity head and the node states; u and c are constants.
/// Names: `gain` `[M]` (h), `offset` `[1]` (o).
public final class DigitTrackReadout: Module {
    /// Widths sigma_m of the track kernels, in motion units of 8 px (two independent SyncMNIST digits'
    /// tracks differ by about 0.85 squared units per frame).
    public static let scales: [Float] = [0.1, 0.25, 0.5]
    public static let factor: Float = 10
    static let epsilon: Float = 1e-3
    /// `[M]` gains h of the kernels.
    public let gain: Tensor
    /// `[1]` offset o of every pair's logit.
    public let offset: Tensor
    /// `[10, classes]` constants: column a-b has a one at row a (`first`) or row b (`second`); `none` is zero.
    let first: Tensor, second: Tensor, difference: Tensor
    /// `[classes]` constant: 1 for pairs, 0 for `none`.
    let pairMask: Tensor
    public var isTraining = true

    /// The cells' motion for the track term, `[B, T-1, F, 1]` each: mean flow x, y and digit fraction
    /// of the finest grid's F cells in frames 1 ..< T.
    public struct CellMotion {
        public let x: Tensor, y: Tensor, confidence: Tensor

        /// From `MotionAffinity.nodeMotion`'s per-node arrays (node n = (t * B + b) * K + k).
        init(motion: [Float], confidence: [Float], frames t: Int, clips b: Int, nodesPerFrame k: Int, fineCells f: Int) {
            let count = b * (t - 1) * f
            var x = [Float](repeating: 0, count: count), y = x, c = x
            for clip in 0..<b {
                for frame in 1..<t {
                    for cell in 0..<f {
                        let node = (frame * b + clip) * k + cell, row = (clip * (t - 1) + frame - 1) * f + cell
                        x[row] = motion[2 * node]; y[row] = motion[2 * node + 1]; c[row] = confidence[node]
                    }
                }
            }
            let shape = [b, t - 1, f, 1]
            self.x = Tensor(x, shape: shape); self.y = Tensor(y, shape: shape); self.confidence = Tensor(c, shape: shape)
        }
    }

    public init(classNames: [String]) {
        gain = Tensor([Float](repeating: 0, count: Self.scales.count), shape: [Self.scales.count], requiresGrad: true)
        offset = Tensor([0], shape: [1], requiresGrad: true)
        let n = classNames.count
        var a = [Float](repeating: 0, count: 10 * n), b = a, mask = [Float](repeating: 0, count: n)
        for (j, digits) in SynchronyPairReadout.digitPairs(classNames).enumerated() {
            guard let (p, q) = digits else { continue }              // `none`
            a[p * n + j] = 1; b[q * n + j] = 1; mask[j] = 1
        }
        first = Tensor(a, shape: [10, n]); second = Tensor(b, shape: [10, n])
        difference = Tensor(zip(a, b).map { $0 - $1 }, shape: [10, n])
        pairMask = Tensor(mask, shape: [n])
    }

    public var ownParameters: [(name: String, tensor: Tensor)] { [("gain", gain), ("offset", offset)] }

    /// Pair logits `[B, classes]` from identity probabilities q `[B, T-1, F, 10]` and the cells' motion.
    public func callAsFunction(identity q: Tensor, motion: CellMotion) -> Tensor {
        let b = q.shape[0], frames = q.shape[1], rows = b * frames, n = pairMask.count, eps = Self.epsilon
        let w = q * motion.confidence                                        // [B, T-1, F, 10]
        let mass = w.sum(axis: 2)                                            // [B, T-1, 10]
        let trackX = (w * motion.x).sum(axis: 2) / (mass + eps)              // [B, T-1, 10]
        let trackY = (w * motion.y).sum(axis: 2) / (mass + eps)
        let seen = (1 - (mass * -2).exp()).reshaped([rows, 10])              // [B * (T-1), 10]
        let weight = (seen.matmul(first) * seen.matmul(second)).reshaped([b, frames, n])   // v [B, T-1, classes]
        let dx = trackX.reshaped([rows, 10]).matmul(difference)              // [B * (T-1), classes]
        let dy = trackY.reshaped([rows, 10]).matmul(difference)
        let squared = (dx * dx + dy * dy).reshaped([b, frames, n])           // |m_a - m_b|^2 [B, T-1, classes]
        var kernel: Tensor? = nil                                            // sum_m h_m exp(-|m_a - m_b|^2 / sigma_m^2)
        for (m, sigma) in Self.scales.enumerated() {
            let term = (squared * (-1 / (sigma * sigma))).exp() * gain.slice(axis: 0, start: m, end: m + 1)
            kernel = kernel.map { $0 + term } ?? term
        }
        return ((weight * kernel!).mean(axis: 1) + offset) * pairMask * Self.factor   // [B, classes]
    }
}
