import Foundation

/// A CSR grouping of elements (e.g. edges) into segments (e.g. target nodes).
///
/// `order[rowPtr[s] ..< rowPtr[s + 1]]` are the element ids of segment `s`, in ascending element
/// order (the counting sort is stable); `segmentOf[e]` is the segment of element `e`. Segment ops
/// walk segments independently, so they parallelise without atomics.
public struct SegmentIndex: Sendable, Equatable {
    /// Number of segments S.
    public let segmentCount: Int
    /// `[S + 1]` start of each segment in `order`.
    public let rowPtr: [Int32]
    /// `[E]` element ids grouped by segment.
    public let order: [Int32]
    /// `[E]` the segment of each element.
    public let segmentOf: [Int32]

    /// Groups elements by `segmentIds` (each in `0..<segmentCount`) with a stable counting sort.
    public init(segmentIds: [Int32], segmentCount: Int) {
        var counts = [Int32](repeating: 0, count: segmentCount + 1)
        for s in segmentIds {
            precondition(s >= 0 && Int(s) < segmentCount, "SegmentIndex: segment \(s) out of range 0..<\(segmentCount)")
            counts[Int(s) + 1] += 1
        }
        for s in 0..<segmentCount { counts[s + 1] += counts[s] }
        var cursor = counts
        var order = [Int32](repeating: 0, count: segmentIds.count)
        for (e, s) in segmentIds.enumerated() {
            order[Int(cursor[Int(s)])] = Int32(e)
            cursor[Int(s)] += 1
        }
        self.segmentCount = segmentCount
        self.rowPtr = counts
        self.order = order
        self.segmentOf = segmentIds
    }

    /// Number of elements E.
    public var elementCount: Int { segmentOf.count }

    /// Number of elements in segment `s`.
    @inlinable public func size(_ s: Int) -> Int { Int(rowPtr[s + 1] - rowPtr[s]) }
}

/// Splits `0..<count` into chunks run with `DispatchQueue.concurrentPerform` when the work is large.
public enum SegmentParallel {
    /// Upper bound on the threads segment ops use (default: the active processor count).
    nonisolated(unsafe) public static var maxThreads = ProcessInfo.processInfo.activeProcessorCount

    /// Runs `body` over disjoint ranges covering `0..<count`; `work` is a rough total cost estimate.
    static func run(count: Int, work: Int, _ body: (Range<Int>) -> Void) {
        let threads = Swift.min(maxThreads, ProcessInfo.processInfo.activeProcessorCount)
        if count < 2 || work < 32_768 || threads < 2 {
            body(0..<count)
            return
        }
        let chunks = Swift.min(count, threads * 4)
        let size = (count + chunks - 1) / chunks
        DispatchQueue.concurrentPerform(iterations: chunks) { c in
            let start = c * size, end = Swift.min(count, start + size)
            if start < end { body(start..<end) }
        }
    }
}

/// Segment reductions over axis 0 of `x` `[E, F...]` grouped by a `SegmentIndex` (E elements into
/// S segments): sum, mean, max -> `[S, F...]`, and softmax within each segment -> `[E, F...]`.
/// Empty segments give 0 (as PyG's scatter). Each op has its backward and runs segments in parallel.
extension Tensor {
    /// Sum of the rows of each segment: `out[s] = sum_{e in s} x[e]`. Backward: `dx[e] = g[segment(e)]`.
    public func segmentSum(_ index: SegmentIndex) -> Tensor {
        segmentLinear(index, mean: false)
    }

    /// Mean of the rows of each segment (0 for empty segments). Backward: `dx[e] = g[segment(e)] / |s|`.
    public func segmentMean(_ index: SegmentIndex) -> Tensor {
        segmentLinear(index, mean: true)
    }

    private func segmentLinear(_ index: SegmentIndex, mean: Bool) -> Tensor {
        let op = mean ? "segmentMean" : "segmentSum"
        precondition(rank >= 1 && shape[0] == index.elementCount, "\(op): \(shape) rows for \(index.elementCount) elements")
        let f = count / Swift.max(shape[0], 1)
        let s = index.segmentCount
        var out = [Float](repeating: 0, count: s * f)
        data.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                index.rowPtr.withUnsafeBufferPointer { rp in
                    index.order.withUnsafeBufferPointer { ord in
                        SegmentParallel.run(count: s, work: count) { range in
                            for seg in range {
                                let o = dst.baseAddress! + seg * f
                                let lo = Int(rp[seg]), hi = Int(rp[seg + 1])
                                for k in lo..<hi {
                                    let row = src.baseAddress! + Int(ord[k]) * f
                                    for c in 0..<f { o[c] += row[c] }
                                }
                                if mean && hi > lo {
                                    let inv = 1 / Float(hi - lo)
                                    for c in 0..<f { o[c] *= inv }
                                }
                            }
                        }
                    }
                }
            }
        }
        let x = self
        return Tensor.record(Tensor(out, shape: [s] + shape.dropFirst()), inputs: [x]) { g in
            x.accumulateGrad { dx in
                g.data.withUnsafeBufferPointer { pg in
                    index.segmentOf.withUnsafeBufferPointer { seg in
                        index.rowPtr.withUnsafeBufferPointer { rp in
                            SegmentParallel.run(count: seg.count, work: dx.count) { range in
                                for e in range {
                                    let sg = Int(seg[e])
                                    let scale: Float = mean ? 1 / Float(rp[sg + 1] - rp[sg]) : 1
                                    let gi = pg.baseAddress! + sg * f
                                    let d = dx.baseAddress! + e * f
                                    for c in 0..<f { d[c] += scale * gi[c] }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Column-wise maximum of the rows of each segment (0 for empty segments). Backward routes
    /// `g` to the first arg-max element of each segment and column.
    public func segmentMax(_ index: SegmentIndex) -> Tensor {
        precondition(rank >= 1 && shape[0] == index.elementCount, "segmentMax: \(shape) rows for \(index.elementCount) elements")
        let f = count / Swift.max(shape[0], 1)
        let s = index.segmentCount
        var out = [Float](repeating: 0, count: s * f)
        var argmax = [Int32](repeating: -1, count: s * f)
        data.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                argmax.withUnsafeMutableBufferPointer { am in
                    SegmentParallel.run(count: s, work: count) { range in
                        for seg in range {
                            let lo = Int(index.rowPtr[seg]), hi = Int(index.rowPtr[seg + 1])
                            guard hi > lo else { continue }
                            for c in 0..<f {
                                var best = -Float.infinity, bestE: Int32 = -1
                                for k in lo..<hi {
                                    let e = index.order[k]
                                    let v = src[Int(e) * f + c]
                                    if v > best || bestE < 0 { best = v; bestE = e }
                                }
                                dst[seg * f + c] = best
                                am[seg * f + c] = bestE
                            }
                        }
                    }
                }
            }
        }
        let x = self
        return Tensor.record(Tensor(out, shape: [s] + shape.dropFirst()), inputs: [x]) { g in
            x.accumulateGrad { dx in
                for i in 0..<argmax.count where argmax[i] >= 0 {
                    dx[Int(argmax[i]) * f + i % f] += g.data[i]
                }
            }
        }
    }

    /// Softmax over the elements of each segment, separately for every column:
    /// `y[e, c] = exp(x[e, c]) / sum_{e' in segment(e)} exp(x[e', c])` (max subtracted for stability).
    /// Backward: `dx[e] = y[e] * (g[e] - sum_{e' in s} g[e'] y[e'])`.
    public func segmentSoftmax(_ index: SegmentIndex) -> Tensor {
        precondition(rank >= 1 && shape[0] == index.elementCount, "segmentSoftmax: \(shape) rows for \(index.elementCount) elements")
        let f = count / Swift.max(shape[0], 1)
        let s = index.segmentCount
        var out = [Float](repeating: 0, count: count)
        data.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                SegmentParallel.run(count: s, work: count * 4) { range in
                    var m = [Float](repeating: 0, count: f), total = [Float](repeating: 0, count: f)
                    for seg in range {
                        let lo = Int(index.rowPtr[seg]), hi = Int(index.rowPtr[seg + 1])
                        guard hi > lo else { continue }
                        for c in 0..<f { m[c] = -.infinity; total[c] = 0 }
                        for k in lo..<hi {
                            let row = Int(index.order[k]) * f
                            for c in 0..<f { m[c] = Swift.max(m[c], src[row + c]) }
                        }
                        for k in lo..<hi {
                            let row = Int(index.order[k]) * f
                            for c in 0..<f {
                                let v = Foundation.exp(src[row + c] - m[c])
                                dst[row + c] = v
                                total[c] += v
                            }
                        }
                        for c in 0..<f { total[c] = 1 / total[c] }
                        for k in lo..<hi {
                            let row = Int(index.order[k]) * f
                            for c in 0..<f { dst[row + c] *= total[c] }
                        }
                    }
                }
            }
        }
        let x = self
        let result = Tensor(out, shape: shape)
        return Tensor.record(result, inputs: [x]) { g in
            x.accumulateGrad { dx in
                g.data.withUnsafeBufferPointer { pg in
                    result.data.withUnsafeBufferPointer { py in
                        SegmentParallel.run(count: s, work: dx.count * 4) { range in
                            var dot = [Float](repeating: 0, count: f)
                            for seg in range {
                                let lo = Int(index.rowPtr[seg]), hi = Int(index.rowPtr[seg + 1])
                                for c in 0..<f { dot[c] = 0 }
                                for k in lo..<hi {
                                    let row = Int(index.order[k]) * f
                                    for c in 0..<f { dot[c] += pg[row + c] * py[row + c] }
                                }
                                for k in lo..<hi {
                                    let row = Int(index.order[k]) * f
                                    for c in 0..<f { dx[row + c] += py[row + c] * (pg[row + c] - dot[c]) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A directed edge list `[2, E]` (source, target) over `nodeCount` nodes with CSR groupings by
/// target (for aggregation) and by source (for the backward pass), built once per graph.
public struct SparseAdjacency: Sendable, Equatable {
    /// Number of nodes N.
    public let nodeCount: Int
    /// `[E]` source node of each edge.
    public let sources: [Int32]
    /// `[E]` target node of each edge.
    public let targets: [Int32]
    /// Edges grouped by target node.
    public let byTarget: SegmentIndex
    /// Edges grouped by source node.
    public let bySource: SegmentIndex

    /// Builds both CSR groupings; every index must lie in `0..<nodeCount`.
    public init(sources: [Int32], targets: [Int32], nodeCount: Int) {
        precondition(sources.count == targets.count, "SparseAdjacency: \(sources.count) sources, \(targets.count) targets")
        self.nodeCount = nodeCount
        self.sources = sources
        self.targets = targets
        byTarget = SegmentIndex(segmentIds: targets, segmentCount: nodeCount)
        bySource = SegmentIndex(segmentIds: sources, segmentCount: nodeCount)
    }

    /// Number of edges E.
    public var edgeCount: Int { sources.count }
}

extension Tensor {
    /// Weighted neighbour aggregation (sparse-dense product, fused gather + segment sum):
    /// `out[t, h, :] = sum_{e: target(e) = t} w[e, h] * x[source(e), h, :]`.
    ///
    /// `x` is `[N, F]` with F = H * C (H heads of C channels); `weights` is `[E, H]` or `[E]` (H = 1),
    /// or nil for all ones. Result `[N, F]`. Runs over targets in CSR order without materialising the
    /// `[E, F]` messages. Backward: `dx[s] += sum_{e: source(e) = s} w[e] g[target(e)]` (CSR by
    /// source) and `dw[e, h] = <g[target(e), h, :], x[source(e), h, :]>`.
    public static func propagate(_ x: Tensor, weights: Tensor?, adjacency adj: SparseAdjacency) -> Tensor {
        precondition(x.rank == 2 && x.shape[0] == adj.nodeCount, "propagate: x \(x.shape) for \(adj.nodeCount) nodes")
        let n = adj.nodeCount, f = x.shape[1]
        var heads = 1
        if let weights {
            precondition(weights.shape[0] == adj.edgeCount && weights.rank <= 2,
                         "propagate: weights \(weights.shape) for \(adj.edgeCount) edges")
            heads = weights.rank == 2 ? weights.shape[1] : 1
            precondition(f % heads == 0, "propagate: \(f) features not divisible into \(heads) heads")
        }
        let c = f / heads
        let hasWeights = weights != nil
        let w = weights?.data ?? []
        var out = [Float](repeating: 0, count: n * f)
        w.withUnsafeBufferPointer { pw in
        x.data.withUnsafeBufferPointer { px in
            out.withUnsafeMutableBufferPointer { po in
                adj.byTarget.rowPtr.withUnsafeBufferPointer { rp in
                    adj.byTarget.order.withUnsafeBufferPointer { ord in
                        adj.sources.withUnsafeBufferPointer { src in
                            SegmentParallel.run(count: n, work: adj.edgeCount * f) { range in
                                for t in range {
                                    let o = po.baseAddress! + t * f
                                    for k in Int(rp[t])..<Int(rp[t + 1]) {
                                        let e = Int(ord[k])
                                        let row = px.baseAddress! + Int(src[e]) * f
                                        if hasWeights {
                                            for h in 0..<heads {
                                                let we = pw[e * heads + h]
                                                let oh = o + h * c, rh = row + h * c
                                                for j in 0..<c { oh[j] += we * rh[j] }
                                            }
                                        } else {
                                            for j in 0..<f { o[j] += row[j] }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        }
        let inputs = weights.map { [x, $0] } ?? [x]
        return record(Tensor(out, shape: [n, f]), inputs: inputs) { g in
            g.data.withUnsafeBufferPointer { pg in
                if x.requiresGrad {
                    x.accumulateGrad { dx in
                        w.withUnsafeBufferPointer { pw in
                        adj.bySource.rowPtr.withUnsafeBufferPointer { rp in
                            adj.bySource.order.withUnsafeBufferPointer { ord in
                                adj.targets.withUnsafeBufferPointer { tgt in
                                    SegmentParallel.run(count: n, work: adj.edgeCount * f) { range in
                                        for s in range {
                                            let d = dx.baseAddress! + s * f
                                            for k in Int(rp[s])..<Int(rp[s + 1]) {
                                                let e = Int(ord[k])
                                                let row = pg.baseAddress! + Int(tgt[e]) * f
                                                if hasWeights {
                                                    for h in 0..<heads {
                                                        let we = pw[e * heads + h]
                                                        let dh = d + h * c, rh = row + h * c
                                                        for j in 0..<c { dh[j] += we * rh[j] }
                                                    }
                                                } else {
                                                    for j in 0..<f { d[j] += row[j] }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                        }
                    }
                }
                if let weights, weights.requiresGrad {
                    weights.accumulateGrad { dw in
                        x.data.withUnsafeBufferPointer { px in
                            adj.sources.withUnsafeBufferPointer { src in
                                adj.targets.withUnsafeBufferPointer { tgt in
                                    SegmentParallel.run(count: adj.edgeCount, work: adj.edgeCount * f) { range in
                                        for e in range {
                                            let a = px.baseAddress! + Int(src[e]) * f
                                            let b = pg.baseAddress! + Int(tgt[e]) * f
                                            for h in 0..<heads {
                                                var dot: Float = 0
                                                for j in 0..<c { dot += a[h * c + j] * b[h * c + j] }
                                                dw[e * heads + h] += dot
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
