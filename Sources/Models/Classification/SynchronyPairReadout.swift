import Layers
import Tensors

/// Pairwise synchrony readout of `RSTGClassifier` (`architecture.readout: synchrony`): per-digit votes
/// from the finest-grid nodes, added to the linear readout's logits.
///
/// The SyncMNIST label is "digits a and b move together", an AND of two per-digit facts, while the
/// linear readout sees one sum over all nodes. This readout decides per node, then per digit class:
/// for final node states x_{t,k} of the finest grid's cells k and frames t >= 1 (frame 0 has no motion),
///     s_{t,k}   = sigmoid(w_s . x_{t,k} + b_s)          the cell holds a digit of the synchronous pair
///     q_{t,k,c} = sigmoid(W_q x_{t,k} + b_q)_c           the cell holds a digit of class c
///     e_c       = sum_{t,k} s_{t,k} q_{t,k,c} / (1 + sum_{t,k} q_{t,k,c})   soft vote: is digit c in sync
///     z_{a-b}   = gamma (e_a + e_b - 1),   z_none = 0
/// so a pair scores +gamma when both its digits vote synchronous, 0 with one, -gamma with neither
/// (then `none` wins). gamma = 10 g with the parameter g starting at 0: a model fine-tuned with this
/// readout starts as its source, and the factor lets Adam's steps (about the learning rate in size)
/// reach a useful scale within one fine-tuning cycle.
/// The two heads are the ones the per-node losses of `ClipTrainer` supervise (`training.sync_weight`,
/// `training.identity_weight`), so they keep their meaning. Classes must be SyncMNIST's (`a-b`, `none`).
/// With `architecture.track_readout: true` the digit-track term `DigitTrackReadout` (child `track`)
/// adds to these logits, reading the same identity head.
/// Names: `sync.*` `[1, D]`, `identity.*` `[10, D]`, `gamma` `[1]` (g), `track.*`.
public final class SynchronyPairReadout: Module {
    public let sync: Linear
    public let identity: Linear
    /// `[1]` scale g of the pair logits (gamma = `gammaFactor` g).
    public let gamma: Tensor
    public static let gammaFactor: Float = 10
    /// Cells of the finest grid (the first `fineCells` nodes of every frame).
    public let fineCells: Int
    /// `[10, classes]` constant: column a-b has ones at rows a and b; the `none` column is zero.
    let pairMatrix: Tensor
    /// `[classes]` constant: -1 for pairs, 0 for `none`.
    let pairOffset: Tensor
    /// The digit-track term (`track_readout: true`), nil without it.
    public let track: DigitTrackReadout?
    public var isTraining = true

    public init(channels d: Int, fineCells: Int, classNames: [String], track: Bool = false, generator: inout RandomGenerator) {
        sync = Linear(d, 1, generator: &generator)
        identity = Linear(d, 10, generator: &generator)
        gamma = Tensor([0], shape: [1], requiresGrad: true)
        self.fineCells = fineCells
        self.track = track ? DigitTrackReadout(classNames: classNames) : nil
        let n = classNames.count
        var matrix = [Float](repeating: 0, count: 10 * n), offset = [Float](repeating: 0, count: n)
        for (j, digits) in Self.digitPairs(classNames).enumerated() {
            guard let (a, b) = digits else { continue }               // `none`
            matrix[a * n + j] = 1; matrix[b * n + j] = 1
            offset[j] = -1
        }
        pairMatrix = Tensor(matrix, shape: [10, n])
        pairOffset = Tensor(offset, shape: [n])
    }

    public var ownParameters: [(name: String, tensor: Tensor)] { [("gamma", gamma)] }
    public var children: [(name: String, module: any Module)] {
        var list: [(name: String, module: any Module)] = [("sync", sync), ("identity", identity)]
        if let track { list.append(("track", track)) }
        return list
    }

    /// The digit pair (a, b) of each label `a-b` (digits 0...9, a != b), nil for any other label (`none`).
    static func digitPairs(_ classNames: [String]) -> [(Int, Int)?] {
        classNames.map { name in
            let digits = name.split(separator: "-", omittingEmptySubsequences: false).map { Int($0) }
            guard digits.count == 2, let a = digits[0], let b = digits[1], a != b,
                  (0..<10).contains(a), (0..<10).contains(b) else { return nil }
            return (a, b)
        }
    }

    /// Whether the readout can serve these labels (every label `a-b` with digits 0...9, or `none`).
    public static func supports(classNames: [String]) -> Bool {
        zip(classNames, digitPairs(classNames)).allSatisfy { $0 == "none" || $1 != nil }
    }

    /// The heads on the finest grid's cells of frames 1 ..< T, rows (b, t, k) clip-major: synchrony
    /// s `[B * (T-1) * F, 1]` and identity q `[B * (T-1) * F, 10]`, from final node states `[T, B, K, D]`.
    func heads(_ states: Tensor) -> (s: Tensor, q: Tensor) {
        let t = states.shape[0], b = states.shape[1], d = states.shape[3], f = fineCells
        let fine = states.slice(axis: 0, start: 1, end: t).slice(axis: 2, start: 0, end: f)   // [T-1, B, F, D]
        let rows = fine.permuted([1, 0, 2, 3]).reshaped([b * (t - 1) * f, d])               // [B * (T-1) * F, D], clip-major
        return (sync(rows).sigmoid(), identity(rows).sigmoid())
    }

    /// Per-digit votes `[B, 10]` from final node states `[T, B, K, D]`.
    public func votes(_ states: Tensor) -> Tensor {
        votes(heads(states), clips: states.shape[1])
    }

    func votes(_ heads: (s: Tensor, q: Tensor), clips b: Int) -> Tensor {
        let (s, q) = heads, cells = q.shape[0] / b                                          // (T-1) * F
        let numerator = (s * q).reshaped([b, cells, 10]).sum(axis: 1)                       // [B, 10]
        let denominator = q.reshaped([b, cells, 10]).sum(axis: 1).affine(scale: 1, shift: 1)
        return numerator / denominator                                                      // [B, 10] in [0, 1)
    }

    /// Pair logits `[B, classes]` from final node states `[T, B, K, D]`; with the track term, `motion`
    /// holds the cells' motion of the same clips (required then).
    public func callAsFunction(_ states: Tensor, motion: DigitTrackReadout.CellMotion? = nil) -> Tensor {
        let t = states.shape[0], b = states.shape[1]
        let heads = heads(states)
        let logits = (votes(heads, clips: b).matmul(pairMatrix) + pairOffset) * (gamma * Self.gammaFactor)   // [B, classes]
        guard let track else { return logits }
        guard let motion else { preconditionFailure("SynchronyPairReadout: the track term needs the cells' motion") }
        return logits + track(identity: heads.q.reshaped([b, t - 1, fineCells, 10]), motion: motion)
    }
}
