import COpenBLAS

/// The one place that calls OpenBLAS: single-precision GEMM and the BLAS thread count.
public enum BLAS {
    /// Sets the number of OpenBLAS threads (vidgraph never oversubscribes the cores).
    public static func setThreads(_ count: Int) { openblas_set_num_threads(Int32(count)) }

    /// The number of OpenBLAS threads in use.
    public static var threads: Int { Int(openblas_get_num_threads()) }

    /// C[M, N] = alpha * op(A) op(B) + beta * C, row-major; op(A) is [M, K], op(B) is [K, N].
    /// `lda`, `ldb`, `ldc` are the row strides of A, B, C as stored (before transposition).
    @inline(__always)
    public static func sgemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
                             alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
                             b: UnsafePointer<Float>, ldb: Int,
                             beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
        guard m > 0, n > 0 else { return }
        if k == 0 {
            if beta == 0 { for i in 0..<m { for j in 0..<n { c[i * ldc + j] = 0 } } }
            else if beta != 1 { for i in 0..<m { for j in 0..<n { c[i * ldc + j] *= beta } } }
            return
        }
        cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb),
                    beta, c, blasint(ldc))
    }
}
