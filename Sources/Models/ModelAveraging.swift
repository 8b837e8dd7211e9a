import Foundation
import Layers
import Tensors

/// Uniform average of model files of one architecture: stochastic weight averaging over saved epochs
/// (Izmailov et al., "Averaging Weights Leads to Wider Optima and Better Generalization", 2018),
///   w_avg = (1/n) sum_i w_i,
/// or a "model soup" of runs that share an architecture. Every tensor is averaged, buffers included
/// (BatchNorm running statistics become the mean of the runs' statistics, an approximation of the
/// recomputation SWA prescribes; the frame-graph segmenter uses GroupNorm and has no such buffers).
public enum ModelAveraging {
    /// Metadata keys that describe one file's own validation and step, dropped from the average.
    static let perFileKeys: Set<String> = ["val_j", "val_f", "val_jf", "val_accuracy", "val_sequences", "step", "epoch"]

    /// Averages the model files at `urls` (format `vidgraph.model.v1`, same kind, same tensor names
    /// and shapes). Returns the tensors and the first file's metadata with `averaged_from` (the
    /// file paths, comma-separated) and `averaged_count` added and the per-file validation keys removed.
    public static func average(_ urls: [URL]) throws -> (tensors: [String: Tensor], metadata: [String: String]) {
        guard let firstURL = urls.first else { throw ModelLoadError(path: "-", reason: "no model files to average") }
        var sums: [String: [Float]] = [:]
        var shapes: [String: [Int]] = [:]
        var metadata: [String: String] = [:]
        for (index, url) in urls.enumerated() {
            guard FileManager.default.fileExists(atPath: url.path) else { throw ModelLoadError(path: url.path, reason: "no such file") }
            let file: SafeTensorsFile
            do { file = try SafeTensors.read(url) } catch {
                throw ModelLoadError(path: url.path, reason: "cannot be read as safetensors: \(error.localizedDescription)")
            }
            guard file.metadata["format"] == ModelWeights.format else {
                let hint = file.metadata["format"] == Checkpoint.format ? " (a training checkpoint: average the model files, e.g. OUT/epochs/epoch-NNN.safetensors)" : ""
                throw ModelLoadError(path: url.path, reason: "is not a vidgraph model file\(hint)")
            }
            if index == 0 {
                metadata = file.metadata
                for name in file.names {
                    let t = try file.tensor(named: name)
                    sums[name] = t.data
                    shapes[name] = t.shape
                }
                continue
            }
            guard file.metadata["kind"] == metadata["kind"] else {
                throw ModelLoadError(path: url.path, reason: "is a '\(file.metadata["kind"] ?? "?")' model, \(firstURL.path) a '\(metadata["kind"] ?? "?")' one")
            }
            guard Set(file.names) == Set(sums.keys) else {
                throw ModelLoadError(path: url.path, reason: "has other tensors than \(firstURL.path) (a different architecture)")
            }
            for name in file.names {
                let t = try file.tensor(named: name)
                guard t.shape == shapes[name] else {
                    throw ModelLoadError(path: url.path, reason: "tensor \(name) has shape \(t.shape), \(shapes[name]!) in \(firstURL.path)")
                }
                let data = t.data
                sums[name]!.withUnsafeMutableBufferPointer { sum in
                    for i in 0..<sum.count { sum[i] += data[i] }
                }
            }
        }
        let scale = 1 / Float(urls.count)
        var tensors: [String: Tensor] = [:]
        for (name, sum) in sums { tensors[name] = Tensor(sum.map { $0 * scale }, shape: shapes[name]!) }
        for key in perFileKeys { metadata[key] = nil }
        metadata["averaged_from"] = urls.map(\.path).joined(separator: ",")
        metadata["averaged_count"] = String(urls.count)
        return (tensors, metadata)
    }

    /// Writes the average of `urls` to `out` (temporary name, then renamed: no half-written file).
    public static func write(_ urls: [URL], to out: URL, command: String = "") throws {
        var (tensors, metadata) = try average(urls)
        if !command.isEmpty { metadata["averaged_with"] = command }
        try SafeTensors.write(tensors, metadata: metadata, to: out)
    }
}
