/// An 8-bit single-channel image, row-major (`pixels[y * width + x]`). Masks use {0, 255}.
public struct GrayImage: Equatable, Sendable {
    public var width: Int
    public var height: Int
    /// `[height * width]`
    public var pixels: [UInt8]

    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(pixels.count == width * height, "GrayImage: \(pixels.count) pixels for \(width)x\(height)")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    public init(width: Int, height: Int, fill: UInt8 = 0) {
        self.init(width: width, height: height, pixels: [UInt8](repeating: fill, count: width * height))
    }
}

/// An 8-bit RGB image, interleaved row-major (`pixels[(y * width + x) * 3 + c]`).
public struct RGBImage: Equatable, Sendable {
    public var width: Int
    public var height: Int
    /// `[height * width * 3]`
    public var pixels: [UInt8]

    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(pixels.count == width * height * 3, "RGBImage: \(pixels.count) bytes for \(width)x\(height)x3")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    public init(width: Int, height: Int) {
        self.init(width: width, height: height, pixels: [UInt8](repeating: 0, count: width * height * 3))
    }
}
