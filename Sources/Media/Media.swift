/// Media: video decoding and encoding through FFmpeg, frame sampling, motion fields, PNG masks.
/// The only module that imports CFFmpeg.
public enum MediaModule {}
