// Shim for OpenBLAS: CBLAS plus the thread-count controls.
#ifndef VIDGRAPH_COPENBLAS_SHIM_H
#define VIDGRAPH_COPENBLAS_SHIM_H
#include <cblas.h>
#endif
