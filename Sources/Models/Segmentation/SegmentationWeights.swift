import Foundation
import Layers
import Tensors

/// Frame-graph model files: safetensors with PyTorch-like parameter names and, in `__metadata__`,
/// `format` = `vidgraph.model.v1`, `kind` = `framegraph`, `config` (YAML), `name`, `trained_with`.
public enum SegmentationWeights {
    /// The embedded default's name (`Sources/Models/Resources/framegraph.safetensors`, not shipped yet).
    public static let defaultName = "framegraph"

    /// Writes `model` to `url` (temporary name, then renamed).
    public static func save(_ model: FrameGraphSegmenter, to url: URL, trainedWith: String = "", extra: [String: String] = [:]) throws {
        var metadata = extra
        metadata["format"] = ModelWeights.format
        metadata["config"] = model.config.text
        metadata["kind"] = SegmentationConfig.kind
        metadata["name"] = model.config.name
        metadata["trained_with"] = trainedWith
        metadata["parameters"] = String(model.parameterCount)
        try SafeTensors.write(model.stateDict(), metadata: metadata, to: url)
    }

    /// Reads a model file (or a training checkpoint: its weight average when it keeps one, else its raw
    /// weights; or a run folder holding model.safetensors).
    public static func load(_ url: URL) throws -> FrameGraphSegmenter {
        var url = url
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir) else {
            throw ModelLoadError(path: url.path, reason: "no such file")
        }
        if isDir.boolValue { url = url.appendingPathComponent("model.safetensors") }
        let file: SafeTensorsFile
        do { file = try SafeTensors.read(url) } catch {
            throw ModelLoadError(path: url.path, reason: "cannot be read as safetensors: \(error.localizedDescription)")
        }
        let text: String
        if let t = file.metadata["config"] {
            text = t
        } else if let json = file.metadata["training"], let data = json.data(using: .utf8),
                  let meta = try? JSONDecoder().decode(TrainingMetadata.self, from: data), let t = meta.config {
            text = t
        } else {
            throw ModelLoadError(path: url.path, reason: "has no embedded config (not a vidgraph framegraph model)")
        }
        guard SegmentationConfig.kind(ofYAML: text) == SegmentationConfig.kind else {
            throw ModelLoadError(path: url.path, reason: "is not a '\(SegmentationConfig.kind)' segmentation model")
        }
        let config = try SegmentationConfig(yaml: text, source: url.path + " (embedded config)")
        let model = FrameGraphSegmenter(config: config)
        if file.metadata["format"] == Checkpoint.format {
            // A checkpoint serves the weights its run validated and saved: the moving average
            // (`average.*`, with `ema_decay`) where it keeps one, else the raw weights (`model.*`).
            let average = file.names.contains { $0.hasPrefix("average.") } ? WeightAverage(model, decay: 0.5) : nil
            do { try Checkpoint.load(from: url, model: model, average: average) } catch let error as CheckpointError {
                throw ModelLoadError(path: url.path, reason: error.reason)
            }
            average?.assignAverages(to: model)
        } else {
            var state: [String: Tensor] = [:]
            for name in file.names where !name.hasPrefix("optim.") { state[name] = try file.tensor(named: name) }
            do { try model.load(stateDict: state) } catch let error as ModuleError {
                throw ModelLoadError(path: url.path, reason: "does not fit its config: \(error.errorDescription ?? "\(error)")")
            }
        }
        model.setTraining(false)
        return model
    }

    /// Resolves `--model`: nil or `framegraph` -> the embedded default (an error naming the fix when
    /// none is shipped); another embedded name -> that model; anything else is a file or run folder.
    public static func resolve(_ spec: String?) throws -> FrameGraphSegmenter {
        let name = spec ?? defaultName
        let fm = FileManager.default
        if !name.contains("/"), !name.hasSuffix(".safetensors"), !fm.fileExists(atPath: name) {
            guard let folder = ModelRegistry.resourceFolder,
                  fm.fileExists(atPath: folder.appendingPathComponent(name + ".safetensors").path) else {
                if name == defaultName {
                    throw ModelLoadError(path: name, reason: "no embedded framegraph weights; train one with `vidgraph train --config configs/segment-framegraph.yaml --out runs/framegraph` and pass --model runs/framegraph")
                }
                let names = ModelRegistry.embeddedNames
                throw ModelLoadError(path: name, reason: "is neither an embedded model (embedded: \(names.isEmpty ? "none" : names.joined(separator: ", "))) nor a file")
            }
            return try load(folder.appendingPathComponent(name + ".safetensors"))
        }
        return try load(URL(fileURLWithPath: name))
    }
}
