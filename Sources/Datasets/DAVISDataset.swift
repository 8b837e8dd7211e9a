import Foundation

/// Reads the DAVIS folder layout (Perazzi et al., CVPR 2016; Pont-Tuset et al., 2017).
///
/// ```
/// root/JPEGImages/<resolution>/<seq>/00000.jpg ...
/// root/Annotations/<resolution>/<seq>/00000.png ...   single-object {0, 255} or indexed ids
/// root/ImageSets/<...>.txt                            optional sequence lists
/// root/videos/<seq>.mp4                               optional (vidgraph's shared copy has them)
/// ```
/// Sequences come from an image-set list when one is given, else from the folders of
/// `JPEGImages/<resolution>`, else from those of `Annotations/<resolution>`. Frames and annotations
/// are paired by index and must carry the same frame name.
public struct DAVISDataset: Sendable {
    /// The dataset root (the folder holding `JPEGImages`, `Annotations`, ...).
    public let root: URL
    /// The resolution folder name, `480p` or `Full-Resolution`.
    public let resolution: String
    /// The sequence names, in list order (image set) or sorted (folders).
    public let sequences: [String]

    /// `root/JPEGImages/<resolution>`.
    public var imagesFolder: URL { root.appendingPathComponent("JPEGImages").appendingPathComponent(resolution) }
    /// `root/Annotations/<resolution>`.
    public var annotationsFolder: URL { root.appendingPathComponent("Annotations").appendingPathComponent(resolution) }

    /// Opens a DAVIS root.
    ///
    /// - Parameters:
    ///   - imageSet: a list relative to `root/ImageSets` (e.g. `2017/val.txt`, or the DAVIS-2016
    ///     `480p/val.txt` whose lines are frame paths); nil lists the sequence folders.
    /// - Throws: `DAVISDatasetError` when the root has neither images nor annotations, or the list
    ///   is missing.
    public init(root: URL, resolution: String = "480p", imageSet: String? = nil) throws {
        self.root = root
        self.resolution = resolution
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: root.path, isDirectory: &isDir), isDir.boolValue else {
            throw DAVISDatasetError.missingRoot(root.path)
        }
        let images = root.appendingPathComponent("JPEGImages").appendingPathComponent(resolution)
        let annotations = root.appendingPathComponent("Annotations").appendingPathComponent(resolution)
        if let imageSet {
            let list = root.appendingPathComponent("ImageSets").appendingPathComponent(imageSet)
            guard let text = try? String(contentsOf: list, encoding: .utf8) else {
                throw DAVISDatasetError.missingImageSet(list.path)
            }
            sequences = Self.sequenceNames(fromImageSet: text, resolution: resolution)
        } else if let names = Self.subfolders(images) {
            sequences = names
        } else if let names = Self.subfolders(annotations) {
            sequences = names
        } else {
            throw DAVISDatasetError.notDAVIS(root.path)
        }
    }

    /// The frames of a sequence with their annotations, paired by index.
    ///
    /// - Parameter requireAnnotations: when true (the default) every frame must have an
    ///   annotation; when false, frames past the last annotation get `annotation == nil` (DAVIS-2017
    ///   test sets annotate only the first frame).
    /// - Throws: `DAVISDatasetError` for an unknown sequence, missing files, a different number of
    ///   frames and annotations, or frame names that do not line up.
    public func frames(of sequence: String, requireAnnotations: Bool = true) throws -> [DAVISFrame] {
        let imageFolder = imagesFolder.appendingPathComponent(sequence)
        let annotationFolder = annotationsFolder.appendingPathComponent(sequence)
        let images = Self.files(in: imageFolder, extension: "jpg")
        let annotations = Self.files(in: annotationFolder, extension: "png")
        if images == nil && annotations == nil { throw DAVISDatasetError.unknownSequence(sequence, root.path) }
        let imageList = images ?? []
        let annotationList = annotations ?? []
        if imageList.isEmpty {
            // Annotations only (an evaluation root): frames are the annotations.
            return annotationList.enumerated().map { i, url in
                DAVISFrame(index: i, name: url.deletingPathExtension().lastPathComponent, image: nil, annotation: url)
            }
        }
        if annotationList.count > imageList.count || (requireAnnotations && annotationList.count != imageList.count) {
            throw DAVISDatasetError.countMismatch(sequence: sequence, images: imageList.count, annotations: annotationList.count,
                                                  folder: annotationFolder.path)
        }
        var out = [DAVISFrame]()
        for (i, image) in imageList.enumerated() {
            let name = image.deletingPathExtension().lastPathComponent
            var annotation: URL? = nil
            if i < annotationList.count {
                annotation = annotationList[i]
                let other = annotationList[i].deletingPathExtension().lastPathComponent
                guard other == name else {
                    throw DAVISDatasetError.nameMismatch(image: image.path, annotation: annotationList[i].path)
                }
            }
            out.append(DAVISFrame(index: i, name: name, image: image, annotation: annotation))
        }
        return out
    }

    /// `root/videos/<sequence>.mp4` when that file exists.
    public func video(of sequence: String) -> URL? {
        let url = root.appendingPathComponent("videos").appendingPathComponent(sequence + ".mp4")
        return FileManager.default.fileExists(atPath: url.path) ? url : nil
    }

    /// Whether `url` looks like a DAVIS root (has `JPEGImages/<res>` or `Annotations/<res>`).
    public static func isDAVISRoot(_ url: URL, resolution: String = "480p") -> Bool {
        let fm = FileManager.default
        return fm.fileExists(atPath: url.appendingPathComponent("Annotations").appendingPathComponent(resolution).path)
            || fm.fileExists(atPath: url.appendingPathComponent("JPEGImages").appendingPathComponent(resolution).path)
    }

    /// Sequence names from an image-set list: a name per line, or DAVIS-2016 frame-path lines.
    static func sequenceNames(fromImageSet text: String, resolution: String) -> [String] {
        var seen = Set<String>()
        var names = [String]()
        for raw in text.split(whereSeparator: \.isNewline) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            guard let first = line.split(separator: " ").first, !first.isEmpty else { continue }
            var name = String(first)
            if first.contains("/") {
                let parts = first.split(separator: "/").map(String.init)
                if let r = parts.firstIndex(of: resolution), r + 1 < parts.count { name = parts[r + 1] }
                else if parts.count >= 2 { name = parts[parts.count - 2] }
            }
            if seen.insert(name).inserted { names.append(name) }
        }
        return names
    }

    /// The sorted subfolder names of a folder, or nil when it does not exist or has none.
    static func subfolders(_ url: URL) -> [String]? {
        guard let items = try? FileManager.default.contentsOfDirectory(at: url, includingPropertiesForKeys: [.isDirectoryKey]) else {
            return nil
        }
        let names = items.filter { (try? $0.resourceValues(forKeys: [.isDirectoryKey]).isDirectory) == true }
            .map(\.lastPathComponent).filter { !$0.hasPrefix(".") }.sorted()
        return names.isEmpty ? nil : names
    }

    /// The sorted files with an extension in a folder, or nil when the folder does not exist.
    static func files(in url: URL, extension ext: String) -> [URL]? {
        guard let items = try? FileManager.default.contentsOfDirectory(at: url, includingPropertiesForKeys: nil) else {
            return nil
        }
        return items.filter { $0.pathExtension.lowercased() == ext && !$0.lastPathComponent.hasPrefix(".") }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }
}

/// One frame of a DAVIS sequence.
public struct DAVISFrame: Equatable, Sendable {
    /// 0-based position in the sequence.
    public var index: Int
    /// The frame name without extension (`00000`).
    public var name: String
    /// The JPEG frame, nil in annotation-only roots.
    public var image: URL?
    /// The annotation PNG, nil where the dataset has none for this frame.
    public var annotation: URL?
}

/// Problems with a DAVIS folder that a user can cause.
public enum DAVISDatasetError: Error, LocalizedError, Equatable {
    case missingRoot(String)
    case notDAVIS(String)
    case missingImageSet(String)
    case unknownSequence(String, String)
    case countMismatch(sequence: String, images: Int, annotations: Int, folder: String)
    case nameMismatch(image: String, annotation: String)

    public var errorDescription: String? {
        switch self {
        case .missingRoot(let p): return "\(p): no such DAVIS folder"
        case .notDAVIS(let p): return "\(p): not a DAVIS root (no JPEGImages/480p or Annotations/480p sequence folders)"
        case .missingImageSet(let p): return "\(p): image set list not found"
        case let .unknownSequence(s, root): return "\(root): no sequence '\(s)'"
        case let .countMismatch(s, i, a, folder):
            return "\(folder): sequence '\(s)' has \(i) frames but \(a) annotations"
        case let .nameMismatch(image, annotation): return "\(annotation): does not match frame \(image)"
        }
    }
}
