// Shim for FFmpeg: the headers Swift imports plus small functions for C macros it cannot import.
#ifndef VIDGRAPH_CFFMPEG_SHIM_H
#define VIDGRAPH_CFFMPEG_SHIM_H
#include <libavformat/avformat.h>
#include <libavcodec/avcodec.h>
#include <libswscale/swscale.h>
#include <libavutil/avutil.h>
#include <libavutil/imgutils.h>
#include <libavutil/motion_vector.h>
#include <libavutil/display.h>
#include <libavutil/opt.h>
#include <libavutil/error.h>
#include <errno.h>

/// AVERROR(EAGAIN): the codec wants more input / has no output yet.
static inline int vg_averror_eagain(void) { return AVERROR(EAGAIN); }
/// AVERROR_EOF: end of stream.
static inline int vg_averror_eof(void) { return AVERROR_EOF; }
/// AVERROR(ENOMEM).
static inline int vg_averror_enomem(void) { return AVERROR(ENOMEM); }
/// AVERROR(EINVAL).
static inline int vg_averror_einval(void) { return AVERROR(EINVAL); }
/// AV_NOPTS_VALUE as a function (the macro is a cast Swift cannot import).
static inline int64_t vg_nopts_value(void) { return AV_NOPTS_VALUE; }
/// av_err2str replacement: writes the message for `err` into `buf`.
static inline void vg_error_string(int err, char *buf, size_t size) { av_strerror(err, buf, size); }
#endif
