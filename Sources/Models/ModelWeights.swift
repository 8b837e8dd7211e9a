import Foundation
import Layers
import Tensors

/// A trained model file: safetensors with the parameters by hierarchical name and, in `__metadata__`,
/// `format` = `vidgraph.model.v1`, `config` (the YAML text), `architecture` (the same shape as JSON), `labels` (JSON array of class names in
/// index order), `kind`, `name`, `trained_with` (the command line) and optional `val_accuracy`.
public enum ModelWeights {
    public static let format = "vidgraph.model.v1"

    /// Writes `model`'s parameters and buffers with its config to `url` (temporary name, then renamed).
    public static func save(_ model: any ClipClassifier, to url: URL, trainedWith: String = "", extra: [String: String] = [:]) throws {
        let labels = String(decoding: try JSONSerialization.data(withJSONObject: model.config.classes), as: UTF8.self)
        var metadata = extra
        metadata["format"] = format
        metadata["config"] = model.config.text
        metadata["labels"] = labels
        metadata["kind"] = model.config.kind
        metadata["name"] = model.config.name
        metadata["trained_with"] = trainedWith
        metadata["parameters"] = String(model.parameterCount)
        metadata["architecture"] = architectureJSON(model.config)
        try SafeTensors.write(model.stateDict(), metadata: metadata, to: url)
    }

    /// The architecture as JSON (for peers that have no YAML parser, e.g. tools/reference/rstg_torch.py).
    static func architectureJSON(_ c: ModelConfig) -> String {
        let a = c.architecture
        let object: [String: Any] = ["kind": c.kind, "frames": c.frames, "size": c.size, "backbone_widths": a.backboneWidths,
                                     "hidden": a.hidden, "rounds": a.rounds, "space": a.space, "time": a.time,
                                     "positional": a.positional, "grids": a.grids, "conv_pool": a.convPool,
                                     "residual": a.residual, "backbone_norm": a.backboneNorm, "coordinates": a.coordinates, "previous_frame": a.previousFrame, "flow": a.flow,
                                     "flow_warp": a.flowWarp.rawValue, "readout": a.readout, "motion_affinity": a.motionAffinity,
                                     "track_readout": a.trackReadout, "cell_motion": a.cellMotion]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    /// Reads a model file: builds the model from the embedded config and loads the weights.
    /// `configOverride` replaces the embedded config (a config file given next to the weights).
    public static func load(_ url: URL, configOverride: ModelConfig? = nil) throws -> LoadedModel {
        let file: SafeTensorsFile
        do {
            file = try SafeTensors.read(url)
        } catch {
            throw ModelLoadError(path: url.path, reason: "cannot be read as safetensors: \(error.localizedDescription)")
        }
        let config: ModelConfig
        if let configOverride {
            config = configOverride
        } else {
            guard let text = file.metadata["config"] else {
                throw ModelLoadError(path: url.path, reason: "has no 'config' in its metadata (not a vidgraph model; give --config)")
            }
            config = try ModelConfig(yaml: text, source: url.path + " (embedded config)")
        }
        if let labelsJSON = file.metadata["labels"],
           let labels = try? JSONSerialization.jsonObject(with: Data(labelsJSON.utf8)) as? [String],
           labels != config.classes {
            throw ModelLoadError(path: url.path, reason: "labels in the file (\(labels.count)) differ from the config's classes (\(config.classes.count))")
        }
        let model = ModelFactory.make(config, seed: 0)
        var state: [String: Tensor] = [:]
        for name in file.names {
            // Accept training checkpoints too (`model.` prefix, optimizer state ignored).
            if name.hasPrefix("optim.") || name.hasPrefix("model.presence.") || name.hasPrefix("model.sync.") { continue }
            let key = name.hasPrefix("model.") && file.metadata["format"] == Checkpoint.format ? String(name.dropFirst(6)) : name
            state[key] = try file.tensor(named: name)
        }
        do {
            try model.load(stateDict: state)
        } catch let error as ModuleError {
            throw ModelLoadError(path: url.path, reason: "does not fit a '\(config.kind)' model of this config: \(error.errorDescription ?? "\(error)")")
        }
        model.setTraining(false)
        return LoadedModel(model: model, url: url, metadata: file.metadata)
    }
}

/// A model read from disk or from the embedded resources.
public struct LoadedModel {
    public let model: any ClipClassifier
    public let url: URL
    public let metadata: [String: String]
    public var config: ModelConfig { model.config }
    public var labels: [String] { model.config.classes }
    public var trainedWith: String { metadata["trained_with"] ?? "" }
}
