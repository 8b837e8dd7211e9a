import Foundation
import Layers
import Tensors

/// The models shipped inside the binary (`Sources/Models/Resources/<name>.safetensors`, each with its
/// config in the metadata) and resolution of `--model NAME|PATH`.
public enum ModelRegistry {
    /// Default classifier name.
    public static let defaultClassifier = "rstg-sync3"

    /// The folder of embedded resources, when the bundle is present.
    public static var resourceFolder: URL? {
        // Linux's Foundation may report `resourceURL` as `<bundle>/Resources` or as the bundle itself.
        let bundle = Bundle.module
        let candidates = [bundle.resourceURL?.appendingPathComponent("Resources"), bundle.resourceURL,
                          bundle.bundleURL.appendingPathComponent("Resources")].compactMap { $0 }
        return candidates.first { url in
            (try? FileManager.default.contentsOfDirectory(atPath: url.path))?.contains { $0.hasSuffix(".safetensors") } == true
        } ?? candidates.first
    }

    /// Names of the embedded models (sorted).
    public static var embeddedNames: [String] {
        guard let folder = resourceFolder,
              let files = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { return [] }
        return files.filter { $0.hasSuffix(".safetensors") }.map { String($0.dropLast(".safetensors".count)) }.sorted()
    }

    /// One line of `vidgraph models`.
    public struct Entry: Sendable {
        public var name: String
        public var kind: String
        public var parameters: Int
        public var classes: Int
        public var trainedWith: String
        public var accuracy: String?
        public var path: String
    }

    /// Descriptions of the embedded models (reads each file's header and weights): classifiers report
    /// their validation accuracy, the frame-graph segmenter its validation J&F (`accuracy` holds it).
    public static func entries() throws -> [Entry] {
        try embeddedNames.map { name in
            let url = resourceFolder!.appendingPathComponent(name + ".safetensors")
            let header = try SafeTensors.read(url)
            if header.metadata["kind"] == SegmentationConfig.kind {
                let model = try SegmentationWeights.load(url)
                return Entry(name: name, kind: SegmentationConfig.kind, parameters: model.parameterCount, classes: 1,
                             trainedWith: header.metadata["trained_with"] ?? "",
                             accuracy: header.metadata["val_jf"].map { "J&F \($0)" }, path: url.path)
            }
            let loaded = try load(name)
            return Entry(name: name, kind: loaded.config.kind, parameters: loaded.model.parameterCount,
                         classes: loaded.labels.count, trainedWith: loaded.trainedWith,
                         accuracy: loaded.metadata["val_accuracy"], path: loaded.url.path)
        }
    }

    /// Resolves `spec`: an embedded model name, a `.safetensors` file (config from its metadata, or
    /// from a `.yaml` of the same stem / `config.yaml` beside it when the metadata has none), or a
    /// folder holding `model.safetensors` (e.g. a training run folder).
    public static func load(_ spec: String) throws -> LoadedModel {
        let fm = FileManager.default
        if !spec.contains("/"), !spec.hasSuffix(".safetensors"), let folder = resourceFolder {
            let url = folder.appendingPathComponent(spec + ".safetensors")
            if fm.fileExists(atPath: url.path) { return try ModelWeights.load(url) }
            if !fm.fileExists(atPath: spec) {
                let names = embeddedNames
                throw ModelLoadError(path: spec, reason: "is neither an embedded model (embedded: \(names.isEmpty ? "none" : names.joined(separator: ", "))) nor a file")
            }
        }
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: spec, isDirectory: &isDir) else {
            throw ModelLoadError(path: spec, reason: "no such file or embedded model")
        }
        var url = URL(fileURLWithPath: spec)
        if isDir.boolValue {
            url = url.appendingPathComponent("model.safetensors")
            guard fm.fileExists(atPath: url.path) else {
                throw ModelLoadError(path: spec, reason: "folder has no model.safetensors")
            }
        }
        // A config beside the weights is used only when the weights carry none.
        let file = try? SafeTensors.read(url)
        if file?.metadata["config"] == nil {
            let candidates = [url.deletingPathExtension().appendingPathExtension("yaml"),
                              url.deletingLastPathComponent().appendingPathComponent("config.yaml")]
            if let yaml = candidates.first(where: { fm.fileExists(atPath: $0.path) }) {
                return try ModelWeights.load(url, configOverride: try ModelConfig(contentsOf: yaml))
            }
        }
        return try ModelWeights.load(url)
    }
}
