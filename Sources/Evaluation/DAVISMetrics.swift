import Media

/// DAVIS per-frame measures, following davisvideochallenge/davis2017-evaluation (`davis2017/metrics.py`).
///
/// Masks are `GrayImage`s where any nonzero pixel is foreground (`vidgraph segment` writes {0, 255};
/// DAVIS-2016 annotations are {0, 255}). Note that davis2017-evaluation itself reads 255 as a void
/// label in multi-object annotations; for single-object binary masks, as here, "nonzero is the
/// object" is what every DAVIS-2016 evaluation does. Void pixels are not supported.
public enum DAVISMetrics {
    /// The official boundary tolerance: a fraction of the image diagonal (`bound_th = 0.008`).
    public static let defaultBoundThreshold = 0.008

    /// Packs a mask into one byte per pixel, 1 for foreground and 0 for background.
    ///
    /// - Returns: `[height * width]`, row-major.
    @inlinable
    public static func binarize(_ mask: GrayImage) -> [UInt8] {
        mask.pixels.map { $0 != 0 ? 1 : 0 }
    }
}
