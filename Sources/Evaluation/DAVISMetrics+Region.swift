import Media

extension DAVISMetrics {
    /// Region similarity J: the intersection over union of two binary masks.
    ///
    /// J = |P ∩ G| / |P ∪ G|, and J = 1 when both masks are empty (official `db_eval_iou`).
    /// - Precondition: both masks have the same size.
    public static func regionSimilarity(prediction: GrayImage, groundTruth: GrayImage) -> Double {
        checkSameSize(prediction, groundTruth, "regionSimilarity")
        return regionSimilarity(binaryPrediction: binarize(prediction), binaryGroundTruth: binarize(groundTruth))
    }

    /// J on 0/1 buffers of equal length.
    static func regionSimilarity(binaryPrediction p: [UInt8], binaryGroundTruth g: [UInt8]) -> Double {
        var intersection = 0
        var union = 0
        p.withUnsafeBufferPointer { pb in
            g.withUnsafeBufferPointer { gb in
                guard let a = pb.baseAddress, let b = gb.baseAddress else { return }
                // Blocks of at most 255 pixels so that the byte sums cannot overflow.
                var start = 0
                while start < pb.count {
                    let end = min(pb.count, start + 255)
                    var i8: UInt8 = 0, u8: UInt8 = 0
                    for i in start..<end {
                        i8 &+= a[i] & b[i]
                        u8 &+= a[i] | b[i]
                    }
                    intersection += Int(i8)
                    union += Int(u8)
                    start = end
                }
            }
        }
        return union == 0 ? 1 : Double(intersection) / Double(union)
    }
}
