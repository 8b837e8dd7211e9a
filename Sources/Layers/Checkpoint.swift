import Foundation
import Tensors

/// Training progress saved with a checkpoint (stored as JSON in the safetensors metadata).
public struct TrainingMetadata: Codable, Equatable, Sendable {
    /// Optimizer steps taken.
    public var step: Int
    /// Completed epochs.
    public var epoch: Int
    /// The model/training configuration text (YAML or JSON) the run used, if any.
    public var config: String?
    /// Anything else (best score, dataset, git revision...).
    public var extra: [String: String]

    public init(step: Int = 0, epoch: Int = 0, config: String? = nil, extra: [String: String] = [:]) {
        self.step = step
        self.epoch = epoch
        self.config = config
        self.extra = extra
    }
}

/// Saves and restores a whole training state in one safetensors file: the model's state_dict as
/// `model.<name>`, the optimizer state as `optim.<name>` (`optim.step`,
/// `optim.encoder.conv1.weight.exp_avg`, ...), a `WeightAverage` (when the run keeps one) as
/// `average.<name>` and `TrainingMetadata` as JSON under the metadata key
/// `training` (plus `format` = `vidgraph.checkpoint.v1` and `optimizer` = its type name).
/// Files are written to a temporary name and renamed (SafeTensors.write).
public enum Checkpoint {
    /// The format tag written into the metadata.
    public static let format = "vidgraph.checkpoint.v1"

    /// Writes model parameters and buffers, the optimizer state (when given) and `metadata` to `url`.
    public static func save(model: any Module, optimizer: (any Optimizer)? = nil, average: WeightAverage? = nil,
                            metadata: TrainingMetadata = TrainingMetadata(), to url: URL) throws {
        var tensors: [String: Tensor] = [:]
        for (name, tensor) in model.stateDict() { tensors["model." + name] = tensor }
        if let optimizer {
            for (name, tensor) in optimizer.stateDict() { tensors["optim." + name] = tensor }
        }
        if let average {
            for (name, tensor) in average.stateDict() { tensors["average." + name] = tensor }
        }
        let json = try JSONEncoder().encode(metadata)
        var header = ["format": format, "training": String(decoding: json, as: UTF8.self)]
        if let optimizer { header["optimizer"] = String(describing: type(of: optimizer)) }
        try SafeTensors.write(tensors, metadata: header, to: url)
    }

    /// Loads `url` into `model` (and `optimizer` when given) and returns the training metadata.
    /// - Parameter strict: the model and the file must hold the same parameter/buffer names.
    /// - Throws: `CheckpointError` naming the file (not a checkpoint, wrong optimizer, mismatched
    ///   tensors) or `SafeTensorsError` when the file cannot be read.
    @discardableResult
    public static func load(from url: URL, model: any Module, optimizer: (any Optimizer)? = nil, average: WeightAverage? = nil,
                            strict: Bool = true) throws -> TrainingMetadata {
        let file = try SafeTensors.read(url)
        let path = url.path
        guard file.metadata["format"] == format, let json = file.metadata["training"] else {
            throw CheckpointError(path: path, reason: "is not a vidgraph checkpoint (no '\(format)' metadata)")
        }
        let metadata: TrainingMetadata
        do {
            metadata = try JSONDecoder().decode(TrainingMetadata.self, from: Data(json.utf8))
        } catch {
            throw CheckpointError(path: path, reason: "has unreadable training metadata")
        }
        var modelState: [String: Tensor] = [:], optimizerState: [String: Tensor] = [:], averageState: [String: Tensor] = [:]
        for name in file.names {
            if name.hasPrefix("model.") { modelState[String(name.dropFirst(6))] = try file.tensor(named: name) }
            else if name.hasPrefix("optim.") { optimizerState[String(name.dropFirst(6))] = try file.tensor(named: name) }
            else if name.hasPrefix("average.") { averageState[String(name.dropFirst(8))] = try file.tensor(named: name) }
        }
        do {
            try model.load(stateDict: modelState, strict: strict)
        } catch let error as ModuleError {
            throw CheckpointError(path: path, reason: "does not fit the model: \(error.errorDescription ?? "\(error)")")
        }
        if let optimizer {
            let expected = String(describing: type(of: optimizer))
            guard !optimizerState.isEmpty, file.metadata["optimizer"] == expected else {
                throw CheckpointError(path: path, reason: "has no \(expected) optimizer state (found \(file.metadata["optimizer"] ?? "none"))")
            }
            do {
                try optimizer.load(stateDict: optimizerState)
            } catch let error as OptimizerError {
                throw CheckpointError(path: path, reason: "does not fit the optimizer: \(error.errorDescription ?? "\(error)")")
            }
        }
        if let average {
            guard !averageState.isEmpty else {
                throw CheckpointError(path: path, reason: "has no averaged weights (the run was started without a weight average)")
            }
            do {
                try average.load(stateDict: averageState)
            } catch let error as ModuleError {
                throw CheckpointError(path: path, reason: "has averaged weights that do not fit the model: \(error.errorDescription ?? "\(error)")")
            }
        }
        return metadata
    }
}

/// A checkpoint file that cannot be used for this model or optimizer.
public struct CheckpointError: LocalizedError, Equatable {
    /// The checkpoint file.
    public let path: String
    /// What is wrong with it.
    public let reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var errorDescription: String? { "checkpoint \(path) \(reason)" }
}
