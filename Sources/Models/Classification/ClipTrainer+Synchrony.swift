import Datasets
import Graphs
import Layers
import Tensors

/// Per-node supervision of `ClipTrainer` (`training.sync_weight`, `training.identity_weight`):
/// targets from the generator's layout, and the synchrony head's ROC AUC on validation clips.
extension ClipTrainer {
    /// Whether grid cell `cell` (normalised box `[col/n, (col+1)/n) x [row/n, (row+1)/n)`) holds the
    /// centre of a 28x28 digit whose top-left canvas position is `p`.
    static func holdsCentre(_ cell: PatchGraphBuilder.Cell, of p: SIMD2<Int>) -> Bool {
        let side = SyncMNIST.canvasSide, n = cell.gridSize
        return (p.x + 14) * n / side == cell.col && (p.y + 14) * n / side == cell.row
    }

    /// Per-node synchrony targets `[T * B * K]` (rows (t, b, k), like the node states) for training
    /// clips `firstClip ..< firstClip + count`: 1 when cell k of frame t holds the centre of one of
    /// the synchronous pair's digits, else 0; and loss weights (0 for frame 0, 1 elsewhere,
    /// normalised so the weighted mean is over the frames that count).
    func syncTargets(firstClip: Int, count b: Int, builder: PatchGraphBuilder) -> (target: [Float], weight: [Float]) {
        Self.syncTargets(train, firstClip: firstClip, count: b, builder: builder)
    }

    static func syncTargets(_ data: SyncMNIST, firstClip: Int, count b: Int, builder: PatchGraphBuilder) -> (target: [Float], weight: [Float]) {
        let cells = builder.cells, k = cells.count, t = SyncMNIST.frameCount
        var target = [Float](repeating: 0, count: t * b * k)
        let w = Float(t) / Float(t - 1)
        var weight = [Float](repeating: w, count: t * b * k)
        for i in 0..<(b * k) { weight[i] = 0 }
        for i in 0..<b {
            let layout = data.layout(index: firstClip + i)
            guard layout.synchronous else { continue }
            for frame in 0..<t {
                for slot in 0..<2 {
                    for c in cells.indices where Self.holdsCentre(cells[c], of: layout.positions[frame][slot]) {
                        target[(frame * b + i) * k + c] = 1
                    }
                }
            }
        }
        return (target, weight)
    }

    /// Per-node digit-identity targets `[T * B * K * 10]` (rows (t, b, k), 10 classes) for clips
    /// `firstClip ..< firstClip + count` of `data`: class c is 1 in cell k of frame t when the centre
    /// of a digit of class c lies in that cell (the 1x1 cell holds every digit of the clip).
    static func identityTargets(_ data: SyncMNIST, firstClip: Int, count b: Int, builder: PatchGraphBuilder) -> [Float] {
        let cells = builder.cells, k = cells.count, t = SyncMNIST.frameCount
        var target = [Float](repeating: 0, count: t * b * k * 10)
        for i in 0..<b {
            let layout = data.layout(index: firstClip + i)
            for frame in 0..<t {
                for (slot, p) in layout.positions[frame].enumerated() {
                    for c in cells.indices where Self.holdsCentre(cells[c], of: p) {
                        target[((frame * b + i) * k + c) * 10 + layout.classes[slot]] = 1
                    }
                }
            }
        }
        return target
    }

    /// How well the synchrony head tells synchronous digits from the others on validation clips
    /// `0 ..< count` (nil without a head): the ROC AUC of its logit over the finest-grid cells of
    /// frames 1... that hold exactly one digit centre, positives being the synchronous digits' cells.
    /// A model that only knows where digits are scores 0.5; one that sees synchrony approaches 1.
    /// (`validate` gives it together with the accuracy from the same forward passes.)
    public func evaluateSync(count: Int? = nil, batchSize: Int = 50) -> Double? {
        syncHead == nil ? nil : validate(count: count, batchSize: batchSize).syncAUC
    }

    /// The scored cells of validation clips `firstClip ..< firstClip + count` for the AUC: the head's
    /// logits `[T * B * K]` (rows (t, b, k)) at fine cells of frames 1... holding exactly one digit
    /// centre, labelled positive when that digit is one of a synchronous pair.
    func syncScores(_ logits: [Float], firstClip: Int, count b: Int, builder: PatchGraphBuilder) -> [(logit: Float, positive: Bool)] {
        let cells = builder.cells, k = cells.count, t = SyncMNIST.frameCount
        let fine = cells.indices.filter { cells[$0].scale == 0 }
        var scored: [(logit: Float, positive: Bool)] = []
        for i in 0..<b {
            let layout = validation.layout(index: firstClip + i)
            for frame in 1..<t {
                var occupants = [[Int]](repeating: [], count: k)   // digit slots whose centre is in each fine cell
                for (slot, p) in layout.positions[frame].enumerated() {
                    for c in fine where Self.holdsCentre(cells[c], of: p) { occupants[c].append(slot) }
                }
                for c in fine where occupants[c].count == 1 {
                    scored.append((logits[(frame * b + i) * k + c], layout.synchronous && occupants[c][0] < 2))
                }
            }
        }
        return scored
    }

    /// ROC AUC (probability that a random positive outscores a random negative, ties count half).
    static func rocAUC(_ scored: [(logit: Float, positive: Bool)]) -> Double? {
        let sorted = scored.sorted { $0.logit < $1.logit }
        let positives = sorted.filter(\.positive).count, negatives = sorted.count - positives
        guard positives > 0, negatives > 0 else { return nil }
        var rankSum = 0.0, i = 0
        while i < sorted.count {
            var j = i
            while j + 1 < sorted.count && sorted[j + 1].logit == sorted[i].logit { j += 1 }
            let rank = Double(i + j) / 2 + 1
            for m in i...j where sorted[m].positive { rankSum += rank }
            i = j + 1
        }
        return (rankSum - Double(positives) * Double(positives + 1) / 2) / (Double(positives) * Double(negatives))
    }
}
