// Shim for zlib: used by Datasets to inflate gzip-compressed MNIST idx files.
#ifndef VIDGRAPH_CZLIB_SHIM_H
#define VIDGRAPH_CZLIB_SHIM_H
#include <zlib.h>

/// inflateInit2 as a function (the macro passes ZLIB_VERSION and sizeof(z_stream), which Swift cannot import).
static inline int vg_inflate_init2(z_streamp stream, int windowBits) {
    return inflateInit2(stream, windowBits);
}
#endif
