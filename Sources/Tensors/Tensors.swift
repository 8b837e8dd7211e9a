/// Tensors: Float32 tensors, primitive ops with reverse-mode autodiff, the BLAS wrapper and
/// safetensors I/O. Layout conventions: images NCHW, node features `[N, C]`.
public enum TensorsModule {}
