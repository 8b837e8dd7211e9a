import Foundation
import Graphs
import Layers
import Tensors

/// The RSTG space step computed with its send MLP factorised over nodes instead of node pairs;
/// mathematically identical to `RSTGSpaceStep.callAsFunction` (same parameters), cheaper.
///
/// With `MLP_s(z) = W_2 ReLU(W_1 z + b_1) + b_2` and `W_1 = [W_a | W_b]` split by input halves:
/// `W_1 [h_i, h_j] + b_1 = (W_a h_i + b_1) + W_b h_j`, so the first layer runs on the N nodes
/// (`[N, C] x [C, H]` twice) and only a gather-add-ReLU touches the E = N x K pairs. The attention
/// weights of a node sum to 1, so the second layer moves after the aggregation:
/// `sum_j alpha_ij (W_2 u_ij + b_2) = W_2 (sum_j alpha_ij u_ij) + b_2`.
/// The GEMMs on `[E, 2C]` and `[E, H]` rows become GEMMs on `[N, ...]` rows (K = 14 times fewer).
struct FactorizedSpaceStep {
    let sendFirstWeight: Tensor   // [H, 2C]
    let sendFirstBias: Tensor     // [H]
    let sendSecondWeight: Tensor  // [C, H]
    let sendSecondBias: Tensor    // [C]
    let queryWeight: Tensor, queryBias: Tensor   // [C, C], [C]
    let keyWeight: Tensor, keyBias: Tensor       // [C, C], [C]
    let update: [String: Tensor]
    let adjacencyBias: Tensor     // [1]
    let position: Tensor?         // [P, C]
    let motionMessage: Tensor?    // [H, M]
    let motionAttention: Tensor?  // [M]
    let channels: Int

    init(_ step: RSTGSpaceStep) {
        let p = Dictionary(uniqueKeysWithValues: step.namedParameters().map { ($0.name, $0.tensor) })
        sendFirstWeight = p["send.0.weight"]!
        sendFirstBias = p["send.0.bias"]!
        sendSecondWeight = p["send.2.weight"]!
        sendSecondBias = p["send.2.bias"]!
        queryWeight = p["query.weight"]!; queryBias = p["query.bias"]!
        keyWeight = p["key.weight"]!; keyBias = p["key.bias"]!
        update = p.filter { $0.key.hasPrefix("update.") || $0.key.hasPrefix("norm.") }
        adjacencyBias = p["adjacency_bias"]!
        position = p["position"]
        motionMessage = p["motion_message"]
        motionAttention = p["motion_attention"]
        channels = step.channels
    }

    /// x `[N, C]` with the frame pairs of `RSTGSpaceStep.framePairs` (and the motion affinities
    /// `[E, M]` in their edge order, for a step that has them) -> `[N, C]`.
    func callAsFunction(_ x: Tensor, pairs: PairCache.Pairs, affinity: Tensor? = nil) -> Tensor {
        precondition((affinity == nil) == (motionMessage == nil), "FactorizedSpaceStep: motion affinities given to a step without them, or missing")
        let c = channels
        let adj = pairs.adjacency
        let e = adj.edgeCount
        var h = x
        if let position { h = x + position.indexSelect(axis: 0, indices: pairs.slot) }        // [N, C]
        let wa = sendFirstWeight.slice(axis: 1, start: 0, end: c)                              // [H, C]
        let wb = sendFirstWeight.slice(axis: 1, start: c, end: 2 * c)                          // [H, C]
        let towardTarget = Tensor.matmul(h, wa, transposeB: true) + sendFirstBias              // [N, H]
        let fromSource = Tensor.matmul(h, wb, transposeB: true)                                // [N, H]
        let queries = Tensor.matmul(h, queryWeight, transposeB: true) + queryBias               // [N, C]
        let keys = Tensor.matmul(h, keyWeight, transposeB: true) + keyBias                     // [N, C]
        let pooled: Tensor                                                                     // [N, H]
        if !GradMode.isEnabled {
            let motion = affinity.flatMap { a in motionMessage.flatMap { w in motionAttention.map { (a, w, $0) } } }
            pooled = Self.attentionPooling(towardTarget: towardTarget, fromSource: fromSource, queries: queries, keys: keys,
                                           pairs: pairs, adjacencyBias: adjacencyBias.data[0],
                                           motion: motion.map { (affinity: $0.0.data, message: $0.1.data, attention: $0.2.data) })
        } else {
            var preActivation = towardTarget.indexSelect(axis: 0, indices: adj.targets)
                + fromSource.indexSelect(axis: 0, indices: adj.sources)                        // [E, H]
            if let affinity, let motionMessage { preActivation = preActivation + Tensor.matmul(affinity, motionMessage, transposeB: true) }
            let hidden = preActivation.relu()                                                  // [E, H]
            let q = queries.indexSelect(axis: 0, indices: adj.targets)                          // [E, C]
            let k = keys.indexSelect(axis: 0, indices: adj.sources)                             // [E, C]
            var scores = (q * k).sum(axis: 1, keepDims: true) * (1 / Float(c).squareRoot())
                + adjacencyBias * Tensor(pairs.neighbour, shape: [e, 1])                       // [E, 1]
            if let affinity, let motionAttention {
                scores = scores + Tensor.matmul(affinity, motionAttention.reshaped([motionAttention.count, 1]))   // [E, 1]
            }
            let alpha = scores.segmentSoftmax(adj.byTarget)                                    // [E, 1]
            pooled = (hidden * alpha).segmentSum(adj.byTarget)                                 // [N, H]
        }
        let gathered = Tensor.matmul(pooled, sendSecondWeight, transposeB: true) + sendSecondBias   // [N, C]
        let z = Tensor.concat([x, gathered], axis: 1)                                          // [N, 2C]
        let u = Tensor.matmul(Tensor.matmul(z, update["update.0.weight"]!, transposeB: true).adding(update["update.0.bias"]!).relu(),
                              update["update.2.weight"]!, transposeB: true) + update["update.2.bias"]!   // [N, C]
        let centred = u - u.mean(axis: -1, keepDims: true)
        let variance = (centred * centred).mean(axis: -1, keepDims: true)
        return centred / (variance + 1e-5).sqrt() * update["norm.weight"]! + update["norm.bias"]!
    }
}

extension FactorizedSpaceStep {
    /// Inference (no tape): the attention-pooled first-layer messages of every node in one pass,
    /// without the `[E, H]` and `[E, C]` edge tensors. For target i and its edges e = (j -> i):
    /// `s_e = q_i . k_j / sqrt(C) + beta n_e`, `alpha = softmax_e(s)`,
    /// `pooled_i = sum_e alpha_e ReLU(t_i + f_j)`: the same values as the taped path; with `motion`
    /// (affinities phi `[E, M]`, W_phi `[H, M]`, beta_phi `[M]`, row-major) `s_e += beta_phi . phi_e`
    /// and `W_phi phi_e` joins the ReLU's argument.
    /// towardTarget t, fromSource f `[N, H]`; queries, keys `[N, C]` -> `[N, H]`.
    static func attentionPooling(towardTarget: Tensor, fromSource: Tensor, queries: Tensor, keys: Tensor,
                                 pairs: PairCache.Pairs, adjacencyBias beta: Float,
                                 motion: (affinity: [Float], message: [Float], attention: [Float])? = nil) -> Tensor {
        let m = motion?.attention.count ?? 0
        let phi = motion?.affinity ?? [], wPhi = motion?.message ?? [], betaPhi = motion?.attention ?? []
        let n = towardTarget.shape[0], hd = towardTarget.shape[1], c = queries.shape[1]
        let rowPtr = pairs.adjacency.byTarget.rowPtr, order = pairs.adjacency.byTarget.order
        let sources = pairs.adjacency.sources, neighbour = pairs.neighbour
        let scale = 1 / Float(c).squareRoot()
        var out = [Float](repeating: 0, count: n * hd)
        // Pointers for the per-channel loops; the per-edge index arrays are read as arrays.
        towardTarget.data.withUnsafeBufferPointer { tb in
            fromSource.data.withUnsafeBufferPointer { fb in
                queries.data.withUnsafeBufferPointer { qb in
                    keys.data.withUnsafeBufferPointer { kb in
                        out.withUnsafeMutableBufferPointer { po in
                            let t = tb.baseAddress!, f = fb.baseAddress!, q = qb.baseAddress!, k = kb.baseAddress!, o = po.baseAddress!
                            let workers = Swift.max(1, Swift.min(ComputeThreads.count, n / 256))
                            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                                var scores = [Float]()
                                var extra = [Float](repeating: 0, count: m > 0 ? hd : 0)
                                for i in (n * worker / workers)..<(n * (worker + 1) / workers) {
                                    let edges = Int(rowPtr[i])..<Int(rowPtr[i + 1])
                                    guard !edges.isEmpty else { continue }
                                    scores.removeAll(keepingCapacity: true)
                                    let qi = q + i * c
                                    for pos in edges {
                                        let e = Int(order[pos]), kj = k + Int(sources[e]) * c
                                        var dot: Float = 0
                                        for ch in 0..<c { dot += qi[ch] * kj[ch] }
                                        var motionScore: Float = 0
                                        for a in 0..<m { motionScore += betaPhi[a] * phi[e * m + a] }
                                        scores.append(dot * scale + beta * neighbour[e] + motionScore)
                                    }
                                    let top = scores.max()!
                                    var total: Float = 0
                                    for s in scores.indices { scores[s] = Foundation.exp(scores[s] - top); total += scores[s] }
                                    let row = o + i * hd, ti = t + i * hd
                                    for (s, pos) in edges.enumerated() {
                                        let e = Int(order[pos])
                                        let fj = f + Int(sources[e]) * hd, alpha = scores[s] / total
                                        if m > 0 {
                                            for ch in 0..<hd {
                                                var v: Float = 0
                                                for a in 0..<m { v += wPhi[ch * m + a] * phi[e * m + a] }
                                                extra[ch] = v
                                            }
                                            for ch in 0..<hd { row[ch] += alpha * Swift.max(0, ti[ch] + fj[ch] + extra[ch]) }
                                        } else {
                                            for ch in 0..<hd { row[ch] += alpha * Swift.max(0, ti[ch] + fj[ch]) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return Tensor(out, shape: [n, hd])
    }
}

private extension Tensor {
    func adding(_ other: Tensor) -> Tensor { self + other }
}
