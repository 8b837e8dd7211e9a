import Media

extension DAVISMetrics {
    /// Boundary precision and recall of a predicted mask against the ground truth (official `f_measure`).
    ///
    /// Both masks are turned into boundary maps (`boundaryMap`), each boundary is dilated by a disk of
    /// radius `ceil(boundThreshold * sqrt(H² + W²))` (8 px at 854x480), precision is the fraction of
    /// predicted boundary pixels inside the dilated ground-truth boundary and recall the fraction of
    /// ground-truth boundary pixels inside the dilated predicted boundary. Empty boundaries: none
    /// predicted but some in the ground truth gives P = 1, R = 0; predicted but none in the ground
    /// truth gives P = 0, R = 1; neither gives P = R = 1.
    /// - Precondition: both masks have the same size.
    public static func boundaryPrecisionRecall(
        prediction: GrayImage, groundTruth: GrayImage, boundThreshold: Double = defaultBoundThreshold
    ) -> (precision: Double, recall: Double) {
        precondition(prediction.width == groundTruth.width && prediction.height == groundTruth.height,
                     "boundaryMeasure: prediction \(prediction.width)x\(prediction.height) vs ground truth \(groundTruth.width)x\(groundTruth.height)")
        let w = prediction.width, h = prediction.height
        let disk = DiskTolerance(radius: DiskTolerance.radius(width: w, height: h, boundThreshold: boundThreshold))
        let fg = boundaryMap(prediction.pixels, width: w, height: h)
        let gt = boundaryMap(groundTruth.pixels, width: w, height: h)
        let nFg = countNonzero(fg)
        let nGt = countNonzero(gt)
        switch (nFg, nGt) {
        case (0, 0): return (1, 1)
        case (0, _): return (1, 0)
        case (_, 0): return (0, 1)
        default:
            let fgMatch = BoundaryCoverage(boundary: gt, width: w, height: h, disk: disk).coveredCount(of: fg)
            let gtMatch = BoundaryCoverage(boundary: fg, width: w, height: h, disk: disk).coveredCount(of: gt)
            return (Double(fgMatch) / Double(nFg), Double(gtMatch) / Double(nGt))
        }
    }

    /// Boundary measure F = 2PR / (P + R), 0 when P + R = 0 (official `db_eval_boundary` on one frame).
    public static func boundaryMeasure(
        prediction: GrayImage, groundTruth: GrayImage, boundThreshold: Double = defaultBoundThreshold
    ) -> Double {
        let (p, r) = boundaryPrecisionRecall(prediction: prediction, groundTruth: groundTruth, boundThreshold: boundThreshold)
        return p + r == 0 ? 0 : 2 * p * r / (p + r)
    }

    /// Counts the nonzero bytes of a buffer.
    static func countNonzero(_ a: [UInt8]) -> Int {
        var n = 0
        a.withUnsafeBufferPointer { for v in $0 { n &+= v != 0 ? 1 : 0 } }
        return n
    }
}
