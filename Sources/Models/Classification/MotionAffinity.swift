import Foundation
import Graphs
import Media
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
/// With `architecture.cell_motion: matching` the finest grid's cells take u from block matching instead
/// (`BlockMatching`: the cell's displacement from the clip's previous frame, searched over +-`matchRadius`
/// px; zero in frame 0), which finds a digit's whole shift where the flow's mean is blurred by overlaps
/// and by the aperture of thin strokes; coarser cells keep the flow mean.
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
    /// Search radius of the block matching in pixels (SyncMNIST offsets reach 6.4 px per frame at 64 px).
    static let matchRadius = 7

    /// Per-node mean motion `[N * 2]` and digit fraction `[N]` for backbone input frames
    /// `[F, C_in, S, S]` (channel 0 gray, the last two flow; F = T * `clips`, time-major) and the
    /// builder's cells; node n = f * K + k. `matching`: the finest grid's cells by block matching.
    static func nodeMotion(frames: Tensor, builder: PatchGraphBuilder, clips: Int = 1, matching: Bool = false) -> (motion: [Float], confidence: [Float]) {
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
        if matching { matchFineCells(frames: frames, builder: builder, clips: clips, into: &motion) }
        return (motion, confidence)
    }

    /// Replaces the motion of the finest grid's cells by their block-matched displacement / 8 (frames of
    /// time step 0 have no previous frame: zero).
    static func matchFineCells(frames: Tensor, builder: PatchGraphBuilder, clips b: Int, into motion: inout [Float]) {
        let f = frames.shape[0], cIn = frames.shape[1], h = frames.shape[2], w = frames.shape[3], plane = h * w
        let cells = builder.cells, k = cells.count, fine = builder.gridSizes[0]
        let data = frames.data
        let gray = (0..<f).map { Array(data[($0 * cIn * plane)..<($0 * cIn * plane + plane)]) }   // channel 0 of each frame
        for frame in 0..<f {
            let matcher = frame >= b
                ? BlockMatching(previous: gray[frame - b], current: gray[frame], width: w, height: h, radius: matchRadius) : nil
            for (c, cell) in cells.enumerated() where cell.scale == 0 {
                let shift = matcher?.displacement(rows: RegionPooling.cellBounds(cell.row, of: fine, extent: h),
                                                  cols: RegionPooling.cellBounds(cell.col, of: fine, extent: w)) ?? .zero
                motion[2 * (frame * k + c)] = shift.x / 8
                motion[2 * (frame * k + c) + 1] = shift.y / 8
            }
        }
    }

    /// Affinities `[E, M]` for the edges (j -> i) of `pairs`, M = `scales.count`.
    static func affinities(frames: Tensor, builder: PatchGraphBuilder, pairs: RSTGSpaceStep.FramePairs) -> Tensor {
        let (u, c) = nodeMotion(frames: frames, builder: builder)
        return affinities(motion: u, confidence: c, pairs: pairs)
    }

    /// Affinities `[E, M]` from `nodeMotion`'s per-node motion and digit fraction.
    static func affinities(motion u: [Float], confidence c: [Float], pairs: RSTGSpaceStep.FramePairs) -> Tensor {
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
