import Layers
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

    /// The backbone's input for clips `[B, T, 1, S, S]`: the time-major frames `[T * B, 1, S, S]`, or with
    /// `previous_frame: true` each frame stacked with its predecessor `[T * B, 2, S, S]` (channel 0 = I_t,
    /// channel 1 = I_{t-1}; frame 0 repeats itself), so the first convs can see each digit's displacement
    /// between consecutive frames (a local motion cue: SyncMNIST's synchronous pair moves by equal steps).
    func backboneFrames(_ clips: Tensor) -> Tensor {
        let frames = timeMajorFrames(clips)                                  // [T * B, 1, S, S]
        guard config.architecture.previousFrame else { return frames }
        let b = clips.shape[0], t = clips.shape[1]
        let previous = Tensor.concat([frames.slice(axis: 0, start: 0, end: b),
                                      frames.slice(axis: 0, start: 0, end: (t - 1) * b)], axis: 0)   // row t*B+b <- (t-1)*B+b
        return Tensor.concat([frames, previous], axis: 1)                                          // [T * B, 2, S, S]
    }
}
