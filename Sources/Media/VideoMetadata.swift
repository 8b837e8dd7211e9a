/// What a video file or frame folder holds, as read from the container (no full decode).
public struct VideoMetadata: Equatable, Sendable, Codable {
    /// The path that was opened (a file or a folder of numbered images).
    public var path: String
    /// Coded picture width in pixels (before any display rotation).
    public var width: Int
    /// Coded picture height in pixels.
    public var height: Int
    /// Frames per second (average frame rate; for image folders the configured rate).
    public var fps: Double
    /// Number of frames: container figure, file count for folders, else estimated from duration x fps.
    public var frameCount: Int
    /// Whether `frameCount` is an estimate (no exact container figure).
    public var frameCountIsEstimate: Bool
    /// Duration in seconds (frameCount / fps when the container has none).
    public var duration: Double
    /// FFmpeg's short codec name (e.g. "h264", "mjpeg", "png").
    public var codec: String
    /// FFmpeg's pixel format name of the decoded pictures (e.g. "yuv420p").
    public var pixelFormat: String
    /// Display rotation in degrees from the stream's display matrix (0 if none), as FFmpeg reports it.
    public var rotation: Double
    /// Whether a video stream was found (always true for a successfully opened reader).
    public var hasVideo: Bool
    /// Whether the input is a folder of numbered images.
    public var isImageSequence: Bool
}
