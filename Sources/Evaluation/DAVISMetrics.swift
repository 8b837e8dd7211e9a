import Media

/// DAVIS per-frame measures, following davisvideochallenge/davis2017-evaluation (`davis2017/metrics.py`).
///
/// Masks are `GrayImage`s where any nonzero pixel is foreground (`vidgraph segment` writes {0, 255};
/// DAVIS-2016 annotations are {0, 255}; palette PNGs read through `PNGCodec.readGray` are nonzero
/// wherever the palette colour is not black). davis2017-evaluation itself reads 255 as a void label
/// in multi-object annotations; for single-object binary masks, as here, "nonzero is the object" is
/// what DAVIS-2016-style evaluation does. Void pixels are not supported.
public enum DAVISMetrics {
    /// The official boundary tolerance: a fraction of the image diagonal (`bound_th = 0.008`).
    public static let defaultBoundThreshold = 0.008

    /// 0/1 copy of a mask: `[height * width]`, 1 where the mask is nonzero.
    public static func binarize(_ mask: GrayImage) -> [UInt8] {
        binarize(mask.pixels)
    }

    /// J and F of one frame, sharing the binarisation (what the folder evaluation calls).
    /// - Precondition: both masks have the same size.
    public static func frameMeasures(prediction: GrayImage, groundTruth: GrayImage,
                                     boundThreshold: Double = defaultBoundThreshold) -> (j: Double, f: Double) {
        frameMeasures(prediction: prediction, groundTruth: groundTruth, boundThreshold: boundThreshold, workspace: MeasureWorkspace())
    }

    /// `frameMeasures` with caller-owned scratch buffers (one workspace per thread).
    static func frameMeasures(prediction: GrayImage, groundTruth: GrayImage, boundThreshold: Double,
                              workspace ws: MeasureWorkspace) -> (j: Double, f: Double) {
        checkSameSize(prediction, groundTruth, "frameMeasures")
        ws.load(prediction: prediction, groundTruth: groundTruth)
        let j = regionSimilarity(ws.prediction, ws.groundTruth, count: prediction.pixels.count)
        let (p, r) = boundaryPrecisionRecall(workspace: ws, width: prediction.width, height: prediction.height,
                                             boundThreshold: boundThreshold)
        return (j, fMeasure(precision: p, recall: r))
    }
}
