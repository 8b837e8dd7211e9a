import Media

extension DAVISMetrics {
    /// Region similarity J: the intersection over union of two binary masks.
    ///
    /// J = |P ∩ G| / |P ∪ G|, and J = 1 when both masks are empty (official `db_eval_iou`).
    /// - Precondition: both masks have the same size.
    public static func regionSimilarity(prediction: GrayImage, groundTruth: GrayImage) -> Double {
        precondition(prediction.width == groundTruth.width && prediction.height == groundTruth.height,
                     "regionSimilarity: prediction \(prediction.width)x\(prediction.height) vs ground truth \(groundTruth.width)x\(groundTruth.height)")
        var intersection = 0
        var union = 0
        prediction.pixels.withUnsafeBufferPointer { p in
            groundTruth.pixels.withUnsafeBufferPointer { g in
                for i in 0..<p.count {
                    let a = p[i] != 0
                    let b = g[i] != 0
                    intersection &+= (a && b) ? 1 : 0
                    union &+= (a || b) ? 1 : 0
                }
            }
        }
        return union == 0 ? 1 : Double(intersection) / Double(union)
    }
}
