import COpenBLAS

/// The one place that calls OpenBLAS: single-precision GEMM.
///
/// vidgraph runs one thread pool (`Parallel`): OpenBLAS is kept at one thread, and a GEMM large
/// enough to pay for a hand-off is split into column (or row) blocks computed concurrently by
/// `Parallel.workers` threads, each a single-threaded OpenBLAS call on disjoint parts of C.
/// With OpenBLAS's own pool beside ours, its idle workers spun in `sched_yield` while our element
/// loops ran (22 % of the samples of a 2-thread segmentation forward).
public enum BLAS {
    /// OpenBLAS at one thread for the whole process; evaluated once, before the first GEMM.
    private static let singleThreaded: Void = { openblas_set_num_threads(1) }()

    /// Multiply-adds below which a GEMM runs on the calling thread (a hand-off costs ~10-20 us; a
    /// 2^18 multiply-add GEMM takes ~10 us at ~30 GFLOP/s).
    static let splitThreshold = 1 << 18

    /// The number of OpenBLAS threads in use (1: vidgraph parallelises GEMMs itself).
    public static var threads: Int { _ = singleThreaded; return Int(openblas_get_num_threads()) }

    /// C[M, N] = alpha * op(A) op(B) + beta * C, row-major; op(A) is [M, K], op(B) is [K, N].
    /// `lda`, `ldb`, `ldc` are the row strides of A, B, C as stored (before transposition).
    /// Large products are split over `Parallel.workers` threads (along N when N >= M, else along M).
    @inline(__always)
    public static func sgemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
                             alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
                             b: UnsafePointer<Float>, ldb: Int,
                             beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
        guard m > 0, n > 0 else { return }
        let pieces = Swift.min(Parallel.workers, Swift.max(m, n) / 16)
        guard pieces > 1, k > 0, m * n * k >= splitThreshold else {
            serialSgemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                        a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
            return
        }
        if n >= m {
            // Column blocks of C and op(B), multiples of 16 wide.
            let blocks = (n + 15) / 16
            Parallel.forRanges(pieces) { range in
                for piece in range {
                    let j0 = Swift.min(n, blocks * piece / pieces * 16), j1 = Swift.min(n, blocks * (piece + 1) / pieces * 16)
                    guard j1 > j0 else { continue }
                    serialSgemm(transposeA: transposeA, transposeB: transposeB, m: m, n: j1 - j0, k: k, alpha: alpha,
                                a: a, lda: lda, b: transposeB ? b + j0 * ldb : b + j0, ldb: ldb,
                                beta: beta, c: c + j0, ldc: ldc)
                }
            }
        } else {
            // Row blocks of C and op(A).
            let blocks = (m + 15) / 16
            Parallel.forRanges(pieces) { range in
                for piece in range {
                    let i0 = Swift.min(m, blocks * piece / pieces * 16), i1 = Swift.min(m, blocks * (piece + 1) / pieces * 16)
                    guard i1 > i0 else { continue }
                    serialSgemm(transposeA: transposeA, transposeB: transposeB, m: i1 - i0, n: n, k: k, alpha: alpha,
                                a: transposeA ? a + i0 : a + i0 * lda, lda: lda, b: b, ldb: ldb,
                                beta: beta, c: c + i0 * ldc, ldc: ldc)
                }
            }
        }
    }

    /// `sgemm` on the calling thread only (for callers that already run inside `Parallel`).
    @inline(__always)
    public static func serialSgemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
                                   alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
                                   b: UnsafePointer<Float>, ldb: Int,
                                   beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
        guard m > 0, n > 0 else { return }
        if k == 0 {
            if beta == 0 { for i in 0..<m { for j in 0..<n { c[i * ldc + j] = 0 } } }
            else if beta != 1 { for i in 0..<m { for j in 0..<n { c[i * ldc + j] *= beta } } }
            return
        }
        _ = singleThreaded
        cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb),
                    beta, c, blasint(ldc))
    }
}
