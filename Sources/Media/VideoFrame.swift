/// Where a decoded frame sits in its video.
public struct FrameInfo: Equatable, Sendable {
    /// 0-based index of the frame in the source (presentation order; after a seek, derived from the timestamp).
    public var index: Int
    /// Presentation time in seconds from the start of the stream.
    public var timestamp: Double
    /// Picture type as FFmpeg reports it: "I", "P", "B", or "?" (image folders report "I").
    public var pictureType: Character
    /// Whether the frame is a key frame.
    public var isKeyFrame: Bool
}

/// A decoded frame converted to RGB.
public struct VideoFrame: Equatable, Sendable {
    /// Index, timestamp and picture type.
    public var info: FrameInfo
    /// The pixels at the reader's output size.
    public var image: RGBImage

    /// 0-based frame index in the source.
    public var index: Int { info.index }
    /// Presentation time in seconds.
    public var timestamp: Double { info.timestamp }
}
