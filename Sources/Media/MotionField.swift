import CFFmpeg

/// A dense motion field rasterised from a codec's block motion vectors.
///
/// `dx[y * width + x]`, `dy[...]` give the displacement in output pixels of the content at (x, y)
/// since the previous frame (current position minus position in the reference; vectors that
/// point to a future reference are negated). Blocks coded without a vector (intra blocks) have
/// zero motion and `coverage` 0 there.
public struct MotionField: Equatable, Sendable {
    /// Field width (output resolution).
    public var width: Int
    /// Field height.
    public var height: Int
    /// `[height * width]` horizontal displacement in output pixels.
    public var dx: [Float]
    /// `[height * width]` vertical displacement in output pixels.
    public var dy: [Float]
    /// `[height * width]` 1 where at least one vector covers the pixel, else 0.
    public var coverage: [UInt8]
    /// Number of block vectors the field was built from.
    public var vectorCount: Int

    /// Mean motion magnitude over covered pixels (0 when nothing is covered).
    public var meanMagnitude: Float {
        var sum: Float = 0
        var n = 0
        for i in 0..<(width * height) where coverage[i] != 0 {
            sum += (dx[i] * dx[i] + dy[i] * dy[i]).squareRoot()
            n += 1
        }
        return n == 0 ? 0 : sum / Float(n)
    }
}

/// Why a frame has no motion field.
public enum MotionUnavailableReason: Equatable, Sendable, CustomStringConvertible {
    /// The reader was opened without `exportMotionVectors`.
    case notRequested
    /// No frame has been decoded yet.
    case noFrame
    /// The frame is intra-coded (I-frame, key frame, image) and has no vectors.
    case intraFrame
    /// The codec does not export motion vectors (e.g. image folders, most non-MPEG codecs), or the frame carried none.
    case noVectors(codec: String)

    public var description: String {
        switch self {
        case .notRequested: return "motion vectors not requested (open the reader with exportMotionVectors)"
        case .noFrame: return "no frame decoded yet"
        case .intraFrame: return "intra-coded frame has no motion vectors"
        case .noVectors(let c): return "codec '\(c)' exported no motion vectors for this frame"
        }
    }
}

/// A motion field, or the reason there is none (never silent zeros).
public enum MotionFieldResult: Equatable, Sendable {
    case available(MotionField)
    case unavailable(MotionUnavailableReason)

    /// The field when available.
    public var field: MotionField? {
        if case .available(let f) = self { return f }
        return nil
    }
}

extension VideoReader {
    /// The motion field of the most recently returned frame, rasterised at `width` x `height`
    /// (defaults to the reader's output size).
    public func motionField(width: Int? = nil, height: Int? = nil) -> MotionFieldResult {
        guard options.exportMotionVectors else { return .unavailable(.notRequested) }
        guard lastFrameInfo != nil else { return .unavailable(.noFrame) }
        let f = frame.pointer
        let ow = width ?? outputWidth, oh = height ?? outputHeight
        precondition(ow > 0 && oh > 0, "motionField: size must be positive")
        guard let sd = av_frame_get_side_data(f, AV_FRAME_DATA_MOTION_VECTORS), sd.pointee.size > 0 else {
            let t = vg_frame_pict_type(f)
            if t == CChar(UInt8(ascii: "I")) { return .unavailable(.intraFrame) }
            return .unavailable(.noVectors(codec: metadata.codec))
        }
        let count = Int(sd.pointee.size) / MemoryLayout<AVMotionVector>.stride
        let vectors = UnsafeRawPointer(sd.pointee.data!).bindMemory(to: AVMotionVector.self, capacity: count)
        return .available(Self.rasterise(
            vectors: UnsafeBufferPointer(start: vectors, count: count),
            sourceWidth: Int(f.pointee.width), sourceHeight: Int(f.pointee.height), width: ow, height: oh))
    }

    /// Averages block vectors into a dense field at `width` x `height` (scaled from the source size).
    static func rasterise(vectors: UnsafeBufferPointer<AVMotionVector>, sourceWidth: Int, sourceHeight: Int,
                          width: Int, height: Int) -> MotionField {
        let n = width * height
        var sx = [Float](repeating: 0, count: n), sy = [Float](repeating: 0, count: n)
        var cnt = [UInt16](repeating: 0, count: n)
        let scaleX = Float(width) / Float(sourceWidth), scaleY = Float(height) / Float(sourceHeight)
        for v in vectors {
            // motion = current (dst) - reference (src); future references (source > 0) are negated.
            var mx = Float(Int(v.dst_x) - Int(v.src_x)), my = Float(Int(v.dst_y) - Int(v.src_y))
            if v.motion_scale > 0 {
                let s = Float(v.motion_scale)
                mx = -Float(v.motion_x) / s
                my = -Float(v.motion_y) / s
            }
            if v.source > 0 { mx = -mx; my = -my }
            let halfW = Float(v.w) / 2, halfH = Float(v.h) / 2
            let x0 = max(0, Int(((Float(v.dst_x) - halfW) * scaleX).rounded(.down)))
            let x1 = min(width, Int(((Float(v.dst_x) + halfW) * scaleX).rounded(.up)))
            let y0 = max(0, Int(((Float(v.dst_y) - halfH) * scaleY).rounded(.down)))
            let y1 = min(height, Int(((Float(v.dst_y) + halfH) * scaleY).rounded(.up)))
            guard x1 > x0, y1 > y0 else { continue }
            let vx = mx * scaleX, vy = my * scaleY
            for y in y0..<y1 {
                for x in x0..<x1 {
                    let i = y * width + x
                    sx[i] += vx
                    sy[i] += vy
                    cnt[i] &+= 1
                }
            }
        }
        var coverage = [UInt8](repeating: 0, count: n)
        for i in 0..<n where cnt[i] > 0 {
            sx[i] /= Float(cnt[i])
            sy[i] /= Float(cnt[i])
            coverage[i] = 1
        }
        return MotionField(width: width, height: height, dx: sx, dy: sy, coverage: coverage, vectorCount: vectors.count)
    }
}
