extension RGBImage {
    /// The BT.601 full-range luma of the image, rounded (white stays 255, black 0).
    public func luma() -> GrayImage {
        var out = GrayImage(width: width, height: height)
        pixels.withUnsafeBufferPointer { src in
            out.pixels.withUnsafeMutableBufferPointer { dst in
                for i in 0..<(width * height) {
                    let r = UInt32(src[i * 3]), g = UInt32(src[i * 3 + 1]), b = UInt32(src[i * 3 + 2])
                    // 77 + 150 + 29 = 256: weights 0.299, 0.587, 0.114 in 1/256 units.
                    dst[i] = UInt8((77 * r + 150 * g + 29 * b + 128) >> 8)
                }
            }
        }
        return out
    }
}
