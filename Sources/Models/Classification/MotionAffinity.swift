import Foundation
import Graphs
import Tensors

/// Motion affinities between the patch nodes of each frame (`architecture.motion_affinity`), the
/// per-pair input `phi_ij` of `RSTGSpaceStep`'s motion terms.
///
/// SyncMNIST's synchronous digits share their displacement in every frame, exactly; comparing two
/// cells' motions that precisely is hard for an MLP on pooled conv features, so the comparison is
/// given directly. From the backbone's input (gray frame, flow channels dx, dy):
///     u_i  = sum_p I_p f_p / (sum_p I_p + 1e-6)     intensity-weighted mean flow of cell i `[2]`
///     c_i  = sum_p I_p / (sum_p I_p + kappa)         how much of the cell is digit, in [0, 1)
///     phi_ij,m = g exp(-|u_i - u_j|^2 / sigma_m^2) sqrt(c_i c_j)   for sigma_m in `scales`
/// over the pixels p of the cell's box (flow in the backbone's units of 8 px). A constant input: no gradient.
/// The gain g = 10 lets the zero-initialised weights that read phi reach a useful size within one
/// fine-tuning cycle (Adam moves a weight by about the learning rate per step, whatever its input's scale).
enum MotionAffinity {
    /// Widths sigma_m of the affinity kernels, in flow units of 8 px (SyncMNIST offsets differ by
    /// multiples of 0.64 px = 0.08 units).
    static let scales: [Float] = [0.04, 0.1, 0.25]
    /// kappa: the summed intensity at which a cell counts as half digit (a 64x64 SyncMNIST digit has ~50).
    static let kappa: Float = 5
    /// g: the affinities lie in [0, g].
    static let gain: Float = 10

    /// Per-node mean motion `[N * 2]` and digit fraction `[N]` for backbone input frames
    /// `[F, C_in, S, S]` (channel 0 gray, the last two flow) and the builder's cells; node n = f * K + k.
    static func nodeMotion(frames: Tensor, builder: PatchGraphBuilder) -> (motion: [Float], confidence: [Float]) {
        let f = frames.shape[0], cIn = frames.shape[1], h = frames.shape[2], w = frames.shape[3]
        let cells = builder.cells, k = cells.count, plane = h * w
        var motion = [Float](repeating: 0, count: f * k * 2), confidence = [Float](repeating: 0, count: f * k)
        let data = frames.data
        for frame in 0..<f {
            let gray = frame * cIn * plane, dx = gray + (cIn - 2) * plane, dy = gray + (cIn - 1) * plane
            for (c, cell) in cells.enumerated() {
                let ys = RegionPooling.cellBounds(cell.row, of: cell.gridSize, extent: h)
                let xs = RegionPooling.cellBounds(cell.col, of: cell.gridSize, extent: w)
                var mass: Float = 0, mx: Float = 0, my: Float = 0
                for y in ys {
                    for x in xs {
                        let p = y * w + x, i = data[gray + p]
                        mass += i; mx += i * data[dx + p]; my += i * data[dy + p]
                    }
                }
                let n = frame * k + c
                motion[2 * n] = mx / (mass + 1e-6)
                motion[2 * n + 1] = my / (mass + 1e-6)
                confidence[n] = mass / (mass + kappa)
            }
        }
        return (motion, confidence)
    }

    /// Affinities `[E, M]` for the edges (j -> i) of `pairs`, M = `scales.count`.
    static func affinities(frames: Tensor, builder: PatchGraphBuilder, pairs: RSTGSpaceStep.FramePairs) -> Tensor {
        let (u, c) = nodeMotion(frames: frames, builder: builder)
        let sources = pairs.adjacency.sources, targets = pairs.adjacency.targets, e = sources.count, m = scales.count
        let inverse = scales.map { 1 / ($0 * $0) }
        var out = [Float](repeating: 0, count: e * m)
        for edge in 0..<e {
            let i = Int(targets[edge]), j = Int(sources[edge])
            let ddx = u[2 * i] - u[2 * j], ddy = u[2 * i + 1] - u[2 * j + 1]
            let d2 = ddx * ddx + ddy * ddy, weight = gain * (c[i] * c[j]).squareRoot()
            for a in 0..<m { out[edge * m + a] = Foundation.exp(-d2 * inverse[a]) * weight }
        }
        return Tensor(out, shape: [e, m])
    }
}
