import Foundation

/// Ensembles of loaded classifiers (`vidgraph classify --model A --model B ...`): every member sees
/// the same sampled windows and their softmax probabilities are averaged (`BatchClassifier.models`),
/// so the members must agree on the labels (names and order) and on the input (frames per window
/// and frame size). Each member keeps its own architecture, weights and input channels (e.g. flow).
extension BatchClassifier {
    /// A batch classifier over `members`, checked to be averageable; the first member's labels.
    /// Throws `ModelLoadError` naming the first member that differs from the first one.
    public init(ensemble members: [LoadedModel], sampler: ClipSampler, topK: Int = 5) throws {
        try Self.checkEnsemble(members)
        self.init(models: members.map(\.model), labels: members[0].labels, sampler: sampler, topK: topK)
    }

    /// Throws unless `members` is non-empty and every member has the first's labels, frames and size.
    public static func checkEnsemble(_ members: [LoadedModel]) throws {
        guard let first = members.first else {
            throw ModelLoadError(path: "(ensemble)", reason: "no model given")
        }
        for m in members.dropFirst() {
            let name = m.url.lastPathComponent
            if m.labels != first.labels {
                throw ModelLoadError(path: name, reason: "its labels (\(m.labels.count)) differ from those of \(first.url.lastPathComponent) (\(first.labels.count)); an ensemble needs the same classes in the same order")
            }
            if m.config.frames != first.config.frames || m.config.size != first.config.size {
                throw ModelLoadError(path: name, reason: "takes \(m.config.frames) frames of \(m.config.size)x\(m.config.size), \(first.url.lastPathComponent) takes \(first.config.frames) of \(first.config.size)x\(first.config.size); an ensemble needs one input")
            }
        }
    }
}
