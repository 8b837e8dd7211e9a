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
        checkSameSize(prediction, groundTruth, "boundaryMeasure")
        let ws = MeasureWorkspace()
        ws.load(prediction: prediction, groundTruth: groundTruth)
        return boundaryPrecisionRecall(workspace: ws, width: prediction.width, height: prediction.height, boundThreshold: boundThreshold)
    }

    /// Boundary measure F = 2PR / (P + R), 0 when P + R = 0 (official `db_eval_boundary` on one frame).
    public static func boundaryMeasure(
        prediction: GrayImage, groundTruth: GrayImage, boundThreshold: Double = defaultBoundThreshold
    ) -> Double {
        let (p, r) = boundaryPrecisionRecall(prediction: prediction, groundTruth: groundTruth, boundThreshold: boundThreshold)
        return fMeasure(precision: p, recall: r)
    }

    /// F = 2PR / (P + R), 0 when P + R = 0.
    static func fMeasure(precision p: Double, recall r: Double) -> Double {
        p + r == 0 ? 0 : 2 * p * r / (p + r)
    }

    /// Precision and recall on 0/1 masks held in `workspace.prediction` / `workspace.groundTruth`.
    static func boundaryPrecisionRecall(workspace ws: MeasureWorkspace, width w: Int, height h: Int,
                                        boundThreshold: Double) -> (precision: Double, recall: Double) {
        let disk = DiskTolerance(radius: DiskTolerance.radius(width: w, height: h, boundThreshold: boundThreshold))
        boundaryMap(binary: ws.prediction, width: w, height: h, into: ws.predictionBoundary)
        boundaryMap(binary: ws.groundTruth, width: w, height: h, into: ws.groundTruthBoundary)
        let fgRows = rowCounts(ws.predictionBoundary, width: w, height: h)
        let gtRows = rowCounts(ws.groundTruthBoundary, width: w, height: h)
        let nFg = fgRows.reduce(0, +)
        let nGt = gtRows.reduce(0, +)
        switch (nFg, nGt) {
        case (0, 0): return (1, 1)
        case (0, _): return (1, 0)
        case (_, 0): return (0, 1)
        default:
            let fgMatch = BoundaryCoverage.coveredCount(a: ws.predictionBoundary, aRowCounts: fgRows, b: ws.groundTruthBoundary,
                                                        bRowCounts: gtRows, width: w, height: h, disk: disk, workspace: ws)
            let gtMatch = BoundaryCoverage.coveredCount(a: ws.groundTruthBoundary, aRowCounts: gtRows, b: ws.predictionBoundary,
                                                        bRowCounts: fgRows, width: w, height: h, disk: disk, workspace: ws)
            return (Double(fgMatch) / Double(nFg), Double(gtMatch) / Double(nGt))
        }
    }

    /// Ones per row of a 0/1 buffer (`[height * width]`).
    static func rowCounts(_ p: UnsafePointer<UInt8>, width: Int, height: Int) -> [Int] {
        var counts = [Int](repeating: 0, count: height)
        for y in 0..<height {
            let row = p + y * width
            var s = 0
            for x in 0..<width { s &+= Int(row[x]) }
            counts[y] = s
        }
        return counts
    }

    /// Counts the nonzero bytes of a buffer.
    static func countNonzero(_ a: [UInt8]) -> Int {
        var n = 0
        a.withUnsafeBufferPointer { for v in $0 { n &+= v != 0 ? 1 : 0 } }
        return n
    }

    /// Precondition that two masks have the same size.
    static func checkSameSize(_ a: GrayImage, _ b: GrayImage, _ op: String) {
        precondition(a.width == b.width && a.height == b.height,
                     "\(op): prediction \(a.width)x\(a.height) vs ground truth \(b.width)x\(b.height)")
    }
}
