import Media

extension DAVISMetrics {
    /// Region similarity J: the intersection over union of two binary masks.
    ///
    /// J = |P ∩ G| / |P ∪ G|, and J = 1 when both masks are empty (official `db_eval_iou`).
    /// - Precondition: both masks have the same size.
    public static func regionSimilarity(prediction: GrayImage, groundTruth: GrayImage) -> Double {
        checkSameSize(prediction, groundTruth, "regionSimilarity")
        let ws = MeasureWorkspace()
        ws.load(prediction: prediction, groundTruth: groundTruth)
        return regionSimilarity(ws.prediction, ws.groundTruth, count: prediction.pixels.count)
    }

    /// J on two 0/1 buffers of `count` bytes.
    static func regionSimilarity(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, count: Int) -> Double {
        var intersection = 0
        var union = 0
        // Blocks of at most 255 pixels so that the byte sums cannot overflow.
        var start = 0
        while start < count {
            let end = min(count, start + 255)
            var i8: UInt8 = 0, u8: UInt8 = 0
            for i in start..<end {
                i8 &+= a[i] & b[i]
                u8 &+= a[i] | b[i]
            }
            intersection += Int(i8)
            union += Int(u8)
            start = end
        }
        return union == 0 ? 1 : Double(intersection) / Double(union)
    }
}
