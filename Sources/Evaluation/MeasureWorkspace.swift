import Media

/// Reusable scratch buffers for the per-frame measures, so that scoring many frames does not
/// allocate (and page-fault) several image-sized buffers per frame. One workspace per thread.
final class MeasureWorkspace {
    /// Pixels each buffer holds.
    private(set) var capacity = 0
    /// 0/1 prediction and ground truth, `[capacity]` each.
    private(set) var prediction: UnsafeMutablePointer<UInt8>
    private(set) var groundTruth: UnsafeMutablePointer<UInt8>
    /// Boundary maps of both, `[capacity]` each.
    private(set) var predictionBoundary: UnsafeMutablePointer<UInt8>
    private(set) var groundTruthBoundary: UnsafeMutablePointer<UInt8>
    /// Horizontal dilations H_0 ... H_maxWidth, `[capacity]` each.
    private var dilations: [UnsafeMutablePointer<UInt8>] = []

    init() {
        prediction = .allocate(capacity: 1)
        groundTruth = .allocate(capacity: 1)
        predictionBoundary = .allocate(capacity: 1)
        groundTruthBoundary = .allocate(capacity: 1)
    }

    deinit {
        for p in [prediction, groundTruth, predictionBoundary, groundTruthBoundary] + dilations { p.deallocate() }
    }

    /// Makes every buffer hold at least `pixels` bytes (contents are unspecified afterwards).
    func reserve(pixels: Int) {
        guard pixels > capacity else { return }
        for p in [prediction, groundTruth, predictionBoundary, groundTruthBoundary] + dilations { p.deallocate() }
        capacity = pixels
        prediction = .allocate(capacity: pixels)
        groundTruth = .allocate(capacity: pixels)
        predictionBoundary = .allocate(capacity: pixels)
        groundTruthBoundary = .allocate(capacity: pixels)
        let count = dilations.count
        dilations = (0..<count).map { _ in .allocate(capacity: pixels) }
    }

    /// The buffer for H_w (allocated on first use).
    func dilation(_ w: Int) -> UnsafeMutablePointer<UInt8> {
        while dilations.count <= w { dilations.append(.allocate(capacity: max(capacity, 1))) }
        return dilations[w]
    }
}

extension MeasureWorkspace {
    /// Binarises both masks into `prediction` / `groundTruth`.
    func load(prediction p: GrayImage, groundTruth g: GrayImage) {
        precondition(p.pixels.count == g.pixels.count, "MeasureWorkspace: masks of different sizes")
        reserve(pixels: p.pixels.count)
        p.pixels.withUnsafeBufferPointer { if let s = $0.baseAddress { DAVISMetrics.binarize(s, count: $0.count, into: prediction) } }
        g.pixels.withUnsafeBufferPointer { if let s = $0.baseAddress { DAVISMetrics.binarize(s, count: $0.count, into: groundTruth) } }
    }
}
