import Dispatch
import Layers
import Media
import Tensors

/// A model that maps a batch of clips to class logits; every classifier in this module conforms.
///
/// Input layout: clips `[B, T, 1, S, S]` (gray frames in [0, 1], batch-major); output `[B, classes]`.
public protocol ClipClassifier: Module {
    /// The configuration the model was built from.
    var config: ModelConfig { get }
    /// The final linear layer (`classifier.*`).
    var classifier: Linear { get }
    /// Width D of the clip representation the classifier reads.
    var featureWidth: Int { get }
    /// clips `[B, T, 1, S, S]` -> clip representation `[B, D]` (differentiable when GradMode is enabled).
    func features(_ clips: Tensor) -> Tensor
    /// clips `[B, T, 1, S, S]` -> logits `[B, classes]` (default: classifier(features(clips))).
    func logits(_ clips: Tensor) -> Tensor
}

extension ClipClassifier {
    /// clips `[B, T, 1, S, S]` -> logits `[B, classes]` = classifier(features(clips)).
    public func logits(_ clips: Tensor) -> Tensor { classifier(features(clips)) }

    public var featureWidth: Int { classifier.config.inFeatures }

    /// Class probabilities `[B, classes]` without recording a tape (inference).
    public func probabilities(_ clips: Tensor) -> Tensor {
        GradMode.disabled { logits(clips).softmax(axis: -1) }
    }

    /// Folds clips `[B, T, 1, S, S]` time-major into frames `[T * B, 1, S, S]` (frame t of clip b at row t * B + b).
    func timeMajorFrames(_ clips: Tensor) -> Tensor {
        precondition(clips.rank == 5 && clips.shape[2] == 1, "\(type(of: self)): clips \(clips.shape) are not [B, T, 1, S, S]")
        let b = clips.shape[0], t = clips.shape[1]
        if b == 1 { return clips.reshaped([t, 1, clips.shape[3], clips.shape[4]]) }
        return clips.permuted([1, 0, 2, 3, 4]).reshaped([t * b, 1, clips.shape[3], clips.shape[4]])   // [T * B, 1, S, S]
    }

    /// The backbone's input for clips `[B, T, 1, S, S]`: the time-major frames `[T * B, 1, S, S]`, plus
    /// - with `previous_frame: true` each frame's predecessor as a channel (I_{t-1}; frame 0 repeats
    ///   itself), so the first convs can see each digit's displacement between consecutive frames;
    /// - with `flow: true` two channels of dense optical flow (`motionChannels`).
    /// Channel order: I_t, [I_{t-1}], [dx, dy]; shape `[T * B, C_in, S, S]`.
    func backboneFrames(_ clips: Tensor) -> Tensor {
        let frames = timeMajorFrames(clips)                                  // [T * B, 1, S, S]
        let a = config.architecture
        guard a.previousFrame || a.flow else { return frames }
        let b = clips.shape[0], t = clips.shape[1]
        var channels = [frames]
        if a.previousFrame {
            channels.append(Tensor.concat([frames.slice(axis: 0, start: 0, end: b),
                                           frames.slice(axis: 0, start: 0, end: (t - 1) * b)], axis: 0))   // row t*B+b <- (t-1)*B+b
        }
        if a.flow { channels.append(Self.motionChannels(frames, clips: b, warp: a.flowWarp)) }
        return Tensor.concat(channels, axis: 1)                              // [T * B, C_in, S, S]
    }

    /// Dense optical flow into every frame from its predecessor, for time-major frames `[T * B, 1, S, S]`
    /// (row t * B + b): `[T * B, 2, S, S]` with (dx, dy) / 8 at each pixel of frame t, the forward
    /// displacement of its content since frame t-1 (pyramidal Lucas-Kanade, `OpticalFlow` defaults
    /// with the config's `flow_warp`, run from I_t to I_{t-1} and negated); zero for frame 0. A
    /// constant input: no gradient.
    static func motionChannels(_ frames: Tensor, clips b: Int, warp: OpticalFlow.Warp = .pixelwise) -> Tensor {
        let rows = frames.shape[0], h = frames.shape[2], w = frames.shape[3], plane = h * w
        let pixels = frames.data
        var out = [Float](repeating: 0, count: rows * 2 * plane)
        let workers = max(1, min(ComputeThreads.count, rows - b))
        out.withUnsafeMutableBufferPointer { buffer in
            let base = buffer.baseAddress!
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                for row in stride(from: b + worker, to: rows, by: workers) {
                    let current = Array(pixels[(row * plane)..<((row + 1) * plane)])
                    let previous = Array(pixels[((row - b) * plane)..<((row - b + 1) * plane)])
                    let (dx, dy) = OpticalFlow(warp: warp).flow(from: current, to: previous, width: w, height: h)
                    let target = base + row * 2 * plane
                    for i in 0..<plane { target[i] = -dx[i] / 8; target[plane + i] = -dy[i] / 8 }
                }
            }
        }
        return Tensor(out, shape: [rows, 2, h, w])
    }
}
