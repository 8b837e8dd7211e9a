/// Matrix products through OpenBLAS sgemm, transposes folded into the GEMM call (no copies).
///
/// `matmul(a, b)`: a `[..., M, K]`, b `[..., K, N]` (or `[K, N]` shared by the batch) -> `[..., M, N]`.
/// Backward: dA = g B^T, dB = A^T g (summed over the batch when B is shared).
extension Tensor {
    public static func matmul(_ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false) -> Tensor {
        precondition(a.rank >= 2 && b.rank >= 2, "matmul: needs rank >= 2, got \(a.shape) and \(b.shape)")
        let aRows = a.shape[a.rank - 2], aCols = a.shape[a.rank - 1]
        let bRows = b.shape[b.rank - 2], bCols = b.shape[b.rank - 1]
        let m = transposeA ? aCols : aRows, k = transposeA ? aRows : aCols
        let kb = transposeB ? bCols : bRows, n = transposeB ? bRows : bCols
        precondition(k == kb, "matmul: inner sizes differ for \(a.shape)\(transposeA ? "ᵀ" : "") and \(b.shape)\(transposeB ? "ᵀ" : "")")
        let batchShape = Array(a.shape.dropLast(2))
        let bShared = b.rank == 2
        precondition(bShared || Array(b.shape.dropLast(2)) == batchShape,
                     "matmul: batch shapes differ for \(a.shape) and \(b.shape)")
        let batch = batchShape.reduce(1, *)
        var out = Tensor.uninitializedStorage(batch * m * n)
        a.data.withUnsafeBufferPointer { pa in
            b.data.withUnsafeBufferPointer { pb in
                out.withUnsafeMutableBufferPointer { po in
                    if bShared && !transposeA && batch > 1 {
                        // Fold the batch into M: one large GEMM.
                        BLAS.sgemm(transposeA: false, transposeB: transposeB, m: batch * m, n: n, k: k,
                                   a: pa.baseAddress!, lda: aCols, b: pb.baseAddress!, ldb: bCols,
                                   c: po.baseAddress!, ldc: n)
                        return
                    }
                    func product(_ i: Int, serial: Bool = false) {
                        let a = pa.baseAddress! + i * aRows * aCols, b = pb.baseAddress! + (bShared ? 0 : i * bRows * bCols)
                        let c = po.baseAddress! + i * m * n
                        if serial {
                            BLAS.serialSgemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, a: a, lda: aCols, b: b, ldb: bCols, c: c, ldc: n)
                        } else {
                            BLAS.sgemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, a: a, lda: aCols, b: b, ldb: bCols, c: c, ldc: n)
                        }
                    }
                    if Parallel.workers > 1 && batch >= Parallel.workers && batch % Parallel.workers == 0
                        && batch * m * n * k >= BLAS.splitThreshold {
                        // Batch items divide evenly between the threads: each takes whole products
                        // (serial GEMMs), one parallel region instead of one per product.
                        Parallel.forRanges(batch) { items in
                            for i in items { product(i, serial: true) }
                        }
                    } else if batch > 1 && m * n * k < BLAS.splitThreshold {
                        // Many small products (each below the split threshold, so single-threaded):
                        // shared out by batch item.
                        Parallel.forRanges(batch, minPerRange: Swift.max(1, BLAS.splitThreshold / Swift.max(m * n * k, 1) / 4)) { items in
                            for i in items { product(i) }
                        }
                    } else {
                        for i in 0..<batch { product(i) }
                    }
                }
            }
        }
        let result = Tensor(out, shape: batchShape + [m, n])
        return record(result, inputs: [a, b]) { g in
            g.data.withUnsafeBufferPointer { pg in
                if a.requiresGrad {
                    // dA (stored layout): if !tA: g B^T  -> [M, K] ; if tA: B g^T -> [K, M]
                    a.accumulateGrad { da in
                        for i in 0..<batch {
                            b.data.withUnsafeBufferPointer { pb in
                                let bp = pb.baseAddress! + (bShared ? 0 : i * bRows * bCols)
                                let gp = pg.baseAddress! + i * m * n
                                let dp = da.baseAddress! + i * aRows * aCols
                                if !transposeA {
                                    BLAS.sgemm(transposeA: false, transposeB: !transposeB, m: m, n: k, k: n,
                                               a: gp, lda: n, b: bp, ldb: bCols, beta: 1, c: dp, ldc: aCols)
                                } else {
                                    BLAS.sgemm(transposeA: transposeB, transposeB: true, m: k, n: m, k: n,
                                               a: bp, lda: bCols, b: gp, ldb: n, beta: 1, c: dp, ldc: aCols)
                                }
                            }
                        }
                    }
                }
                if b.requiresGrad {
                    // dB (stored layout): if !tB: A^T g -> [K, N]; if tB: g^T A -> [N, K]
                    b.accumulateGrad { db in
                        a.data.withUnsafeBufferPointer { pa in
                            if bShared && !transposeA && batch > 1 {
                                if !transposeB {
                                    BLAS.sgemm(transposeA: true, transposeB: false, m: k, n: n, k: batch * m,
                                               a: pa.baseAddress!, lda: aCols, b: pg.baseAddress!, ldb: n,
                                               beta: 1, c: db.baseAddress!, ldc: bCols)
                                } else {
                                    BLAS.sgemm(transposeA: true, transposeB: false, m: n, n: k, k: batch * m,
                                               a: pg.baseAddress!, lda: n, b: pa.baseAddress!, ldb: aCols,
                                               beta: 1, c: db.baseAddress!, ldc: bCols)
                                }
                                return
                            }
                            for i in 0..<batch {
                                let ap = pa.baseAddress! + i * aRows * aCols
                                let gp = pg.baseAddress! + i * m * n
                                let dp = db.baseAddress! + (bShared ? 0 : i * bRows * bCols)
                                if !transposeB {
                                    BLAS.sgemm(transposeA: !transposeA, transposeB: false, m: k, n: n, k: m,
                                               a: ap, lda: aCols, b: gp, ldb: n, beta: 1, c: dp, ldc: bCols)
                                } else {
                                    BLAS.sgemm(transposeA: true, transposeB: transposeA, m: n, n: k, k: m,
                                               a: gp, lda: n, b: ap, ldb: aCols, beta: 1, c: dp, ldc: bCols)
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// `self` times `other` (see `Tensor.matmul`).
    public func matmul(_ other: Tensor) -> Tensor { Tensor.matmul(self, other) }
}
