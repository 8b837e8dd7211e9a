import Layers
import Tensors

/// Builds the classifier a config describes (weights freshly initialised from `seed`).
public enum ModelFactory {
    /// A new model of `config.kind` with weights drawn from `RandomGenerator(seed:)`.
    public static func make(_ config: ModelConfig, seed: UInt64? = nil) -> any ClipClassifier {
        var generator = RandomGenerator(seed: seed ?? UInt64(config.training.seed))
        switch config.kind {
        case "rstg": return RSTGClassifier(config: config, generator: &generator)
        case "mean-lstm": return MeanLSTMClassifier(config: config, generator: &generator)
        case "conv-lstm": return ConvLSTMClassifier(config: config, generator: &generator)
        case "regions": return RegionGraphClassifier(config: config, generator: &generator)
        default: preconditionFailure("ModelFactory: kind '\(config.kind)' passed validation but has no builder")
        }
    }
}
