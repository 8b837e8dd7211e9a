import Media

/// The motion input of the frame-graph segmenter: residual (object) motion after removing the
/// camera's global affine motion, as 3 planes `[3, H, W]` = (dx, dy, magnitude) / `pixelScale`,
/// clamped to ±`limit` (magnitude to 0...limit), at the model's input resolution.
public enum MotionCue {
    /// Pixels (at the input resolution) that map to 1.
    public static let pixelScale: Float = 2
    public static let limit: Float = 5

    /// From two RGB frames `[3, H, W]` (values 0...1): pyramidal Lucas-Kanade on half-resolution
    /// gray (`warp`: see `OpticalFlow.Warp`), global affine removed, upsampled back to H x W.
    /// `previous` nil (first frame) gives zeros.
    public static func fromFrames(previous: [Float]?, current: [Float], width: Int, height: Int,
                                  warp: OpticalFlow.Warp = .pixelwise) -> [Float] {
        let plane = width * height
        guard let previous else { return [Float](repeating: 0, count: 3 * plane) }
        let w2 = max(8, width / 2), h2 = max(8, height / 2)
        func gray(_ chw: [Float]) -> [Float] {
            var g = [Float](repeating: 0, count: plane)
            for i in 0..<plane { g[i] = 0.299 * chw[i] + 0.587 * chw[plane + i] + 0.114 * chw[2 * plane + i] }
            return OpticalFlow.resizePlane(g, width: width, height: height, toWidth: w2, toHeight: h2)
        }
        // Flow from the current frame back to the previous one, negated: motion of the content at (x, y) since the previous frame.
        let (bx, by) = OpticalFlow(warp: warp).flow(from: gray(current), to: gray(previous), width: w2, height: h2)
        let dx = bx.map { -$0 }, dy = by.map { -$0 }
        return cue(dx: dx, dy: dy, weights: nil, fieldWidth: w2, fieldHeight: h2, width: width, height: height)
    }

    /// From a codec motion field (covered blocks only enter the global fit), resampled to H x W.
    public static func fromField(_ field: MotionField, width: Int, height: Int) -> [Float] {
        cue(dx: field.dx, dy: field.dy, weights: field.coverage.map(Float.init), fieldWidth: field.width,
            fieldHeight: field.height, width: width, height: height)
    }

    /// Global-motion removal, resampling and normalisation of a field given in field pixels.
    static func cue(dx: [Float], dy: [Float], weights: [Float]?, fieldWidth fw: Int, fieldHeight fh: Int, width: Int, height: Int) -> [Float] {
        let global = GlobalMotion.fit(dx: dx, dy: dy, width: fw, height: fh, weights: weights)
        let (rx, ry) = global.residual(dx: dx, dy: dy, width: fw, height: fh)
        let sx = Float(width) / Float(fw), sy = Float(height) / Float(fh)
        let ux = OpticalFlow.resizePlane(rx, width: fw, height: fh, toWidth: width, toHeight: height)
        let uy = OpticalFlow.resizePlane(ry, width: fw, height: fh, toWidth: width, toHeight: height)
        let plane = width * height
        var out = [Float](repeating: 0, count: 3 * plane)
        for i in 0..<plane {
            let x = ux[i] * sx / pixelScale, y = uy[i] * sy / pixelScale
            out[i] = max(-limit, min(limit, x))
            out[plane + i] = max(-limit, min(limit, y))
            out[2 * plane + i] = min(limit, (x * x + y * y).squareRoot())
        }
        return out
    }
}
