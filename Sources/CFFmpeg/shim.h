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
#include <libavutil/pixdesc.h>
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
/// frame->data[i] (Swift imports the fixed array as a tuple).
static inline uint8_t *vg_frame_data(const AVFrame *f, int i) { return f->data[i]; }
/// frame->linesize[i].
static inline int vg_frame_linesize(const AVFrame *f, int i) { return f->linesize[i]; }
/// Sets frame->data[i] and frame->linesize[i] (for frames wrapping caller memory).
static inline void vg_frame_set_plane(AVFrame *f, int i, uint8_t *data, int linesize) { f->data[i] = data; f->linesize[i] = linesize; }

/// Scales a whole frame into up to three destination planes (unused planes NULL, strides in bytes).
static inline int vg_sws_scale_frame(struct SwsContext *ctx, const AVFrame *src,
                                     uint8_t *dst0, int stride0, uint8_t *dst1, int stride1,
                                     uint8_t *dst2, int stride2) {
    uint8_t *dst[4] = { dst0, dst1, dst2, NULL };
    int strides[4] = { stride0, stride1, stride2, 0 };
    return sws_scale(ctx, (const uint8_t * const *)src->data, src->linesize, 0, src->height, dst, strides);
}

/// Scales a packed source image (one plane) into up to three destination planes.
static inline int vg_sws_scale_packed(struct SwsContext *ctx, const uint8_t *src, int srcStride, int srcH,
                                      uint8_t *dst0, int stride0, uint8_t *dst1, int stride1,
                                      uint8_t *dst2, int stride2) {
    const uint8_t *s[4] = { src, NULL, NULL, NULL };
    int ss[4] = { srcStride, 0, 0, 0 };
    uint8_t *dst[4] = { dst0, dst1, dst2, NULL };
    int strides[4] = { stride0, stride1, stride2, 0 };
    return sws_scale(ctx, s, ss, 0, srcH, dst, strides);
}

/// Sets the colour details of a scaler: source matrix (an AVColorSpace; unspecified -> BT.601) and
/// whether source and destination use full range (PC levels). Returns sws_setColorspaceDetails' result.
static inline int vg_sws_configure(struct SwsContext *ctx, int colorspace, int src_full, int dst_full) {
    int *inv_table, *table, src_range, dst_range, brightness, contrast, saturation;
    if (sws_getColorspaceDetails(ctx, &inv_table, &src_range, &table, &dst_range, &brightness, &contrast, &saturation) < 0)
        return -1;
    int cs = SWS_CS_DEFAULT;
    if (colorspace == AVCOL_SPC_BT709) cs = SWS_CS_ITU709;
    else if (colorspace == AVCOL_SPC_BT2020_NCL || colorspace == AVCOL_SPC_BT2020_CL) cs = SWS_CS_BT2020;
    else if (colorspace == AVCOL_SPC_SMPTE240M) cs = SWS_CS_SMPTE240M;
    else if (colorspace == AVCOL_SPC_FCC) cs = SWS_CS_FCC;
    const int *coeffs = sws_getCoefficients(cs);
    return sws_setColorspaceDetails(ctx, coeffs, src_full, table, dst_full, brightness, contrast, saturation);
}

/// A scaler with slice threading (`threads` > 1 splits each picture across threads in sws_scale_frame).
static inline struct SwsContext *vg_sws_alloc(int sw, int sh, int sf, int dw, int dh, int df, int flags, int threads) {
    struct SwsContext *c = sws_alloc_context();
    if (!c) return NULL;
    if (av_opt_set_int(c, "srcw", sw, 0) < 0 || av_opt_set_int(c, "srch", sh, 0) < 0 ||
        av_opt_set_int(c, "src_format", sf, 0) < 0 || av_opt_set_int(c, "dstw", dw, 0) < 0 ||
        av_opt_set_int(c, "dsth", dh, 0) < 0 || av_opt_set_int(c, "dst_format", df, 0) < 0 ||
        av_opt_set_int(c, "sws_flags", flags, 0) < 0) { sws_freeContext(c); return NULL; }
    av_opt_set_int(c, "threads", threads, 0);  /* absent before FFmpeg 5.0: then single-threaded */
    if (sws_init_context(c, NULL, NULL) < 0) { sws_freeContext(c); return NULL; }
    return c;
}

/// AV_CODEC_FLAG2_EXPORT_MVS.
static inline int vg_flag2_export_mvs(void) { return AV_CODEC_FLAG2_EXPORT_MVS; }
/// FF_THREAD_FRAME | FF_THREAD_SLICE.
static inline int vg_thread_frame_slice(void) { return FF_THREAD_FRAME | FF_THREAD_SLICE; }
/// AVFMT_FLAG_GENPTS etc. are plain ints; AVSEEK_FLAG_BACKWARD as a function.
static inline int vg_seek_backward(void) { return AVSEEK_FLAG_BACKWARD; }
/// AV_TIME_BASE.
static inline int vg_time_base(void) { return AV_TIME_BASE; }
/// AV_FRAME_FLAG / key frame test that works on FFmpeg 5 and later.
static inline int vg_frame_is_key(const AVFrame *f) { return f->key_frame; }
/// The picture type of a frame as a character ('I', 'P', 'B', '?').
static inline char vg_frame_pict_type(const AVFrame *f) { return av_get_picture_type_char(f->pict_type); }
/// The display-matrix rotation of a stream in degrees (0 if none), counter-clockwise as FFmpeg reports.
static inline double vg_stream_rotation(const AVStream *st) {
    size_t size = 0;
    const uint8_t *m = av_stream_get_side_data(st, AV_PKT_DATA_DISPLAYMATRIX, &size);
    if (!m || size < 9 * sizeof(int32_t)) return 0;
    double r = av_display_rotation_get((const int32_t *)m);
    return r != r ? 0 : r;
}
/// The bytes per pixel-component table of a pixel format is complex; this reports its name.
static inline const char *vg_pix_fmt_name(int fmt) { const char *n = av_get_pix_fmt_name((enum AVPixelFormat)fmt); return n ? n : "none"; }
#endif
