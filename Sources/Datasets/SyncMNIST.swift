import Foundation
import Media

/// SyncMNIST, the synthetic benchmark of the recurrent space-time graph paper (Nicolicioiu, Duta,
/// Leordeanu, NeurIPS 2019): find the two digits that move in sync.
///
/// Protocol (following the paper and its official generator, re-implemented):
/// - 10 frames drawn on a 100x100 black canvas, area-downscaled to 64x64 gray.
/// - 3 or 5 MNIST digits (28x28) of distinct classes at uniform random top-left positions in 0...72
///   (a digit always lies fully inside the canvas); overlapping digits combine with max.
/// - Before each frame (frame 0 included) every digit moves by an offset (dx, dy), each in
///   [-10, 10) and narrowed so the digit stays inside the canvas. The synchronous pair (slots 0 and 1)
///   draws one offset per frame and both apply it; every other digit draws its own.
///   A digit whose 10 offsets all equal another's is redrawn, so exactly one pair (or none) is in sync.
/// - Label: the unordered pair of the synchronous classes, `a-b` with a < b (45 classes), or `none`
///   (class 45) for a clip where every digit moves independently.
/// - `none` fraction: 1/46, so all 46 classes are equally likely a priori. (The official generator
///   uses 1/92 because its label dictionary holds both orders of each pair; we choose the balanced
///   value and document it here.)
/// - Digit images: split `train` uses MNIST digits 0..<8000 of the t10k set, `test` 8000..<10000
///   (or a bank of procedural digits per split when no MNIST is given).
///
/// Clip `i` is a pure function of `(seed, split, i)`: generation is resumable and shardable.
public struct SyncMNIST: Sendable {
    /// Which half of the digit images and which random stream a clip uses.
    public enum Split: String, Sendable, CaseIterable {
        case train, test
        var tag: UInt64 { self == .train ? 0x7472_6169_6E : 0x7465_7374 }
    }

    /// One clip's geometry, for tests and inspection.
    public struct Layout: Sendable, Equatable {
        /// Class of each digit slot (distinct); slots 0 and 1 are the synchronous pair when `synchronous`.
        public var classes: [Int]
        /// Index of each slot's image in the digit set.
        public var digitIndices: [Int]
        /// `[frames][digits]` top-left position (x, y) on the 100x100 canvas.
        public var positions: [[SIMD2<Int>]]
        /// `[frames][digits]` offset applied before drawing that frame.
        public var offsets: [[SIMD2<Int>]]
        /// Whether slots 0 and 1 move in sync (otherwise the label is `none`).
        public var synchronous: Bool
        /// Class index in `SyncMNIST.classNames`.
        public var label: Int
    }

    /// Frames per clip.
    public static let frameCount = 10
    /// Side of an output frame.
    public static let side = 64
    /// Side of the drawing canvas.
    public static let canvasSide = 100
    /// Largest top-left coordinate that keeps a 28x28 digit inside the canvas.
    public static let maxPosition = canvasSide - 28
    /// Per-frame offsets lie in `-maxOffset..<maxOffset`.
    public static let maxOffset = 10
    /// Probability that a clip has no synchronous pair.
    public static let noneProbability = 1.0 / 46.0
    /// The 46 class names in label order: `0-1, 0-2, ..., 0-9, 1-2, ..., 8-9, none`.
    public static let classNames: [String] = {
        var names: [String] = []
        for a in 0..<10 { for b in (a + 1)..<10 { names.append("\(a)-\(b)") } }
        return names + ["none"]
    }()
    /// Label of `none`.
    public static let noneLabel = 45

    /// Label index of the unordered pair {a, b} of distinct digits.
    public static func label(pair a: Int, _ b: Int) -> Int {
        precondition(a != b && (0...9).contains(a) && (0...9).contains(b), "SyncMNIST.label: bad pair \(a), \(b)")
        let (lo, hi) = (min(a, b), max(a, b))
        return lo * (19 - lo) / 2 + (hi - lo - 1)
    }

    /// Digits per clip (3 or 5).
    public let digitsPerClip: Int
    /// Split of the clips.
    public let split: Split
    /// Seed of the random stream.
    public let seed: UInt64
    /// Digit images drawn from.
    public let digits: MNIST
    /// Indices of usable digit images per class (within the split's range).
    let pool: [[Int]]
    /// Where the digit images come from (recorded by exports).
    var sourceDescription: String
    /// Training-time distortion of each digit image (one draw per clip and slot from a random stream
    /// of its own, so the clip's layout is the same with and without it); nil: the images as they are.
    public var augmentation: DigitAugmentation?
    /// Training-time oversampling of overlapped synchronous digits: the probability that clip `i` is
    /// redrawn until a digit of its synchronous pair is hidden under another digit
    /// (`SyncMNIST+Overlap.swift`); 0: the clips of the protocol.
    public var overlapOversampling: Double = 0
    private let resize = AreaResize(source: 100, target: 64)

    /// Clips drawn from a loaded MNIST set: split `train` uses `MNIST.trainRange`, `test` `MNIST.testRange`
    /// (or `range` when given). Throws when some class has no digit in the range.
    public init(digits: MNIST, digitsPerClip: Int, split: Split, seed: UInt64, range: Range<Int>? = nil) throws {
        guard (2...10).contains(digitsPerClip) else {
            throw DatasetError.invalidArgument("SyncMNIST: digits per clip must be in 2...10, got \(digitsPerClip)")
        }
        let r = range ?? (split == .train ? MNIST.trainRange : MNIST.testRange)
        let pool = digits.indicesByClass(in: r)
        if let empty = pool.firstIndex(where: { $0.isEmpty }) {
            throw DatasetError.invalidArgument("SyncMNIST: no digit of class \(empty) among images \(r.lowerBound)..<\(r.upperBound) of the set (\(digits.count) images)")
        }
        self.digitsPerClip = digitsPerClip
        self.split = split
        self.seed = seed
        self.digits = digits
        self.pool = pool
        self.sourceDescription = "mnist\(digits.count)[\(r.lowerBound)..<\(r.upperBound)]"
    }

    /// Clips drawn from procedural digits (`perClass` samples of each class, a different bank per split).
    public static func procedural(digitsPerClip: Int, split: Split, seed: UInt64, perClass: Int = 100) throws -> SyncMNIST {
        let bank = ProceduralDigits.makeSet(perClass: perClass, seed: seed ^ split.tag)
        var generator = try SyncMNIST(digits: bank, digitsPerClip: digitsPerClip, split: split, seed: seed, range: 0..<bank.count)
        generator.sourceDescription = "procedural\(perClass)"
        return generator
    }

    /// The geometry and label of clip `index` (cheap; no pixels).
    public func layout(index: Int) -> Layout {
        overlapOversampling > 0 ? overlapOversampledLayout(index: index) : drawLayout(index: index, attempt: 0)
    }

    /// One draw of clip `index`'s layout; attempt 0 is the clip of the protocol above, later attempts
    /// are independent redraws (used by `overlapOversampling`).
    func drawLayout(index: Int, attempt: Int) -> Layout {
        var rng = attempt == 0
            ? SeededRandom(seeds: seed, split.tag, UInt64(digitsPerClip), UInt64(bitPattern: Int64(index)))
            : SeededRandom(seeds: seed, split.tag, UInt64(digitsPerClip), UInt64(bitPattern: Int64(index)), 0x6F76_6572, UInt64(attempt))
        let n = digitsPerClip
        let classes = Array(rng.permutation(10).prefix(n))
        let digitIndices = classes.map { c in pool[c][rng.int(0, pool[c].count)] }
        let synchronous = !rng.chance(SyncMNIST.noneProbability)
        let starts = (0..<n).map { _ in
            SIMD2(rng.int(0, SyncMNIST.maxPosition + 1), rng.int(0, SyncMNIST.maxPosition + 1))
        }
        // Trajectories as offset sequences; a slot's sequence must differ from all earlier ones
        // (except slot 1 copying slot 0 in a synchronous clip).
        var offsets = [[SIMD2<Int>]](repeating: [], count: n)  // [digits][frames]
        var positions = [[SIMD2<Int>]](repeating: [], count: n)  // [digits][frames]
        func randomWalk(_ slots: [Int]) {
            var p = slots.map { starts[$0] }
            var offs = [SIMD2<Int>](), pos = [[SIMD2<Int>]](repeating: [], count: slots.count)
            for _ in 0..<SyncMNIST.frameCount {
                var o = SIMD2<Int>(0, 0)
                for axis in 0..<2 {
                    var lo = -SyncMNIST.maxOffset, hi = SyncMNIST.maxOffset
                    for q in p {
                        lo = max(lo, -q[axis])
                        hi = min(hi, SyncMNIST.maxPosition + 1 - q[axis])
                    }
                    o[axis] = rng.int(lo, hi)
                }
                offs.append(o)
                for k in 0..<p.count { p[k] &+= o; pos[k].append(p[k]) }
            }
            for (k, s) in slots.enumerated() { offsets[s] = offs; positions[s] = pos[k] }
        }
        var first = 0
        if synchronous { randomWalk([0, 1]); first = 2 }
        for s in first..<n {
            repeat { randomWalk([s]) } while (0..<s).contains { offsets[$0] == offsets[s] }
        }
        let label = synchronous ? SyncMNIST.label(pair: classes[0], classes[1]) : SyncMNIST.noneLabel
        let byFrame = { (a: [[SIMD2<Int>]]) in (0..<SyncMNIST.frameCount).map { t in (0..<n).map { a[$0][t] } } }
        return Layout(classes: classes, digitIndices: digitIndices, positions: byFrame(positions),
                      offsets: byFrame(offsets), synchronous: synchronous, label: label)
    }

    /// Clip `index` as 10 gray 64x64 frames and its label.
    public func clip(index: Int) -> (frames: [GrayImage], label: Int) {
        var buffer = [Float](repeating: 0, count: SyncMNIST.frameCount * 64 * 64)
        let label = buffer.withUnsafeMutableBufferPointer { fill(index: index, into: $0, scale: 1) }
        let frames = (0..<SyncMNIST.frameCount).map { t in
            GrayImage(width: 64, height: 64, pixels: buffer[(t * 4096)..<((t + 1) * 4096)].map { UInt8($0) })
        }
        return (frames, label)
    }

    /// Clip `index` as a float buffer `[10, 64, 64]` with values in [0, 1], and its label.
    public func clipTensor(index: Int) -> (frames: [Float], label: Int) {
        var buffer = [Float](repeating: 0, count: SyncMNIST.frameCount * 64 * 64)
        let label = buffer.withUnsafeMutableBufferPointer { fill(index: index, into: $0) }
        return (buffer, label)
    }

    /// Clips `indices` as one float buffer `[B, 10, 64, 64]` in [0, 1] and their labels `[B]`.
    public func batch(indices: [Int]) -> (frames: [Float], labels: [Int]) {
        let stride = SyncMNIST.frameCount * 4096
        var buffer = [Float](repeating: 0, count: indices.count * stride)
        var labels = [Int]()
        labels.reserveCapacity(indices.count)
        buffer.withUnsafeMutableBufferPointer { all in
            for (b, index) in indices.enumerated() {
                let slice = UnsafeMutableBufferPointer(rebasing: all[(b * stride)..<((b + 1) * stride)])
                labels.append(fill(index: index, into: slice))
            }
        }
        return (buffer, labels)
    }

    /// Writes clip `index` into `buffer` (`[10, 64, 64]`, at least 40,960 floats) as byte values
    /// times `scale` (1/255 gives [0, 1]; the bytes are those of `clip(index:)`); returns the label.
    @discardableResult
    public func fill(index: Int, into buffer: UnsafeMutableBufferPointer<Float>, scale: Float = 1.0 / 255.0) -> Int {
        precondition(buffer.count >= SyncMNIST.frameCount * 4096, "SyncMNIST.fill: buffer of \(buffer.count) floats, need 40960")
        let layout = self.layout(index: index)
        let c = SyncMNIST.canvasSide
        let n = layout.digitIndices.count
        // Flattened positions [frames * digits] (x, y).
        var px = [Int](repeating: 0, count: SyncMNIST.frameCount * n), py = px
        for t in 0..<SyncMNIST.frameCount {
            for d in 0..<n { px[t * n + d] = layout.positions[t][d].x; py[t * n + d] = layout.positions[t][d].y }
        }
        // The slots' 28x28 images [digits, 784], distorted when `augmentation` is set.
        var slotImages = [UInt8](repeating: 0, count: n * 784)
        digits.pixels.withUnsafeBufferPointer { images in
            slotImages.withUnsafeMutableBufferPointer { out in
                var rng = SeededRandom(seeds: seed, split.tag, 0x6175_676D, UInt64(bitPattern: Int64(index)))
                for (slot, which) in layout.digitIndices.enumerated() {
                    let source = images.baseAddress! + which * 784, target = out.baseAddress! + slot * 784
                    if let augmentation, !augmentation.isIdentity {
                        DigitAugmentation.warp(source, into: target, matrix: augmentation.drawMatrix(&rng))
                    } else {
                        target.update(from: source, count: 784)
                    }
                }
            }
        }
        var work = [Float](repeating: 0, count: c * c + c * 64 + 4096)  // canvas [100, 100], scratch [100, 64], frame [64, 64]
        work.withUnsafeMutableBufferPointer { w in
            let canvas = w.baseAddress!, scratch = canvas + c * c, frame = scratch + c * 64
            slotImages.withUnsafeBufferPointer { images in
                for t in 0..<SyncMNIST.frameCount {
                    canvas.update(repeating: 0, count: c * c)
                    for slot in 0..<n {
                        let image = images.baseAddress! + slot * 784
                        let origin = canvas + py[t * n + slot] * c + px[t * n + slot]
                        for y in 0..<28 {
                            let dst = origin + y * c, src = image + y * 28
                            for x in 0..<28 {
                                let v = Float(src[x])
                                if v > dst[x] { dst[x] = v }
                            }
                        }
                    }
                    resize.square(canvas, scratch: scratch, into: frame)
                    let out = buffer.baseAddress! + t * 4096
                    // Round half up (values are >= 0) without a libm call.
                    for k in 0..<4096 { out[k] = Float(min(255, Int(frame[k] + 0.5))) * scale }
                }
            }
        }
        return layout.label
    }
}
