import Foundation
import Media

extension SyncMNIST {
    /// Relative path of clip `index` inside an export folder: `clips/<split>_<index, 6 digits>.mp4`.
    public func clipPath(index: Int) -> String {
        "clips/\(split.rawValue)_" + String(format: "%06d", index) + ".mp4"
    }

    /// One line of `<split>-layouts.jsonl`: the ground truth behind clip `index` — the class of each
    /// digit slot (slots 0 and 1 are the synchronous pair when `synchronous`), and per frame each
    /// digit's top-left corner and offset in output pixels (canvas coordinates x 64/100; a digit
    /// covers 28 x 0.64 = 17.92 output pixels).
    /// `{"path":..., "label":..., "synchronous":..., "classes":[...], "positions":[[[x,y],...],...], "offsets":[...]}`
    public func layoutLine(index: Int) -> String {
        let l = layout(index: index)
        let scale = Double(SyncMNIST.side) / Double(SyncMNIST.canvasSide)
        func points(_ frames: [[SIMD2<Int>]]) -> String {
            "[" + frames.map { frame in
                "[" + frame.map { String(format: "[%.2f,%.2f]", Double($0.x) * scale, Double($0.y) * scale) }.joined(separator: ",") + "]"
            }.joined(separator: ",") + "]"
        }
        return "{\"path\":\"\(clipPath(index: index))\",\"label\":\"\(SyncMNIST.classNames[l.label])\",\"synchronous\":\(l.synchronous),"
            + "\"classes\":[\(l.classes.map(String.init).joined(separator: ","))],\"positions\":\(points(l.positions)),\"offsets\":\(points(l.offsets))}"
    }

    /// Writes clips `0..<count`; see `export(indices:to:progress:)`.
    @discardableResult
    public func export(count: Int, to folder: URL, progress: ((Int, Int, Int) -> Void)? = nil) throws -> Int {
        guard count >= 0 else { throw DatasetError.invalidArgument("SyncMNIST export: count must be >= 0, got \(count)") }
        return try export(indices: 0..<count, to: folder, progress: progress)
    }

    /// Writes clips `indices` as near-lossless H.264 (CRF 16, gray as RGB, 10 fps) under `folder/clips/`,
    /// then `folder/<split>.csv` (`path,label` with class names, every clip of this split present in
    /// the folder), `folder/labels.csv` (the same rows plus those of the other split already there),
    /// `folder/classes.txt` and `folder/<split>-layouts.jsonl` (each clip's digits and their tracks,
    /// `layoutLine(index:)`, for per-digit error analysis or detection and tracking ground truth).
    ///
    /// Resumable and shardable: the settings (seed, digits per clip, digit source) are recorded in
    /// `folder/.syncmnist-<split>` and a run with other settings is refused; each video is written to
    /// a temporary name and renamed when finished, so a clip whose file exists is complete and is
    /// skipped; shards (disjoint `indices`) may write into one folder, the last to finish lists all.
    /// `progress(done, total, written)` is called after each clip. Returns the number of clips written.
    @discardableResult
    public func export(indices: Range<Int>, to folder: URL, progress: ((Int, Int, Int) -> Void)? = nil) throws -> Int {
        guard indices.lowerBound >= 0, indices.upperBound <= 999_999 else {
            throw DatasetError.invalidArgument("SyncMNIST export: clip indices must lie in 0...999999, got \(indices.lowerBound)..<\(indices.upperBound)")
        }
        let fm = FileManager.default
        let clips = folder.appendingPathComponent("clips")
        do { try fm.createDirectory(at: clips, withIntermediateDirectories: true) } catch {
            throw DatasetError.writeFailed(clips, error.localizedDescription)
        }
        try ExportSettings.check("seed=\(seed) digits=\(digitsPerClip) source=\(sourceDescription)",
                                 file: folder.appendingPathComponent(".syncmnist-\(split.rawValue)"))
        var written = 0
        for (done, index) in indices.enumerated() {
            let url = folder.appendingPathComponent(clipPath(index: index))
            let size = (try? fm.attributesOfItem(atPath: url.path))?[.size] as? NSNumber
            if (size?.intValue ?? 0) == 0 {
                let (frames, _) = clip(index: index)
                do {
                    let writer = try VideoWriter(url: url, width: SyncMNIST.side, height: SyncMNIST.side, fps: 10, quality: .high)
                    for frame in frames { try writer.append(frame.rgb()) }
                    try writer.finish()
                } catch {
                    throw DatasetError.writeFailed(url, (error as? LocalizedError)?.errorDescription ?? "\(error)")
                }
                written += 1
            }
            progress?(done + 1, indices.count, written)
        }
        // Rows for every finished clip of this split in the folder (labels are a function of the index).
        let prefix = "\(split.rawValue)_"
        let present = ((try? fm.contentsOfDirectory(atPath: clips.path)) ?? []).compactMap { name -> Int? in
            guard name.hasPrefix(prefix), name.hasSuffix(".mp4") else { return nil }
            return Int(name.dropFirst(prefix.count).dropLast(4))
        }.sorted()
        let rows = present.map { clipPath(index: $0) + "," + SyncMNIST.classNames[layout(index: $0).label] }
        let labelsURL = folder.appendingPathComponent("labels.csv")
        var kept: [String] = []
        if let old = try? String(contentsOf: labelsURL, encoding: .utf8) {
            kept = old.split(whereSeparator: \.isNewline).map(String.init)
                .filter { !$0.hasPrefix("clips/" + prefix) && $0 != "path,label" && !$0.isEmpty }
        }
        try ClassificationManifest.writeAtomically((["path,label"] + kept + rows).joined(separator: "\n") + "\n", to: labelsURL)
        try ClassificationManifest.writeAtomically((["path,label"] + rows).joined(separator: "\n") + "\n",
                                                   to: folder.appendingPathComponent("\(split.rawValue).csv"))
        try ClassificationManifest.writeClassNames(SyncMNIST.classNames, to: folder.appendingPathComponent("classes.txt"))
        try ClassificationManifest.writeAtomically(present.map { layoutLine(index: $0) + "\n" }.joined(),
                                                   to: folder.appendingPathComponent("\(split.rawValue)-layouts.jsonl"))
        return written
    }
}

extension GrayImage {
    /// The image with its gray value copied to R, G and B.
    public func rgb() -> RGBImage {
        var out = [UInt8](repeating: 0, count: pixels.count * 3)
        for (k, v) in pixels.enumerated() { out[k * 3] = v; out[k * 3 + 1] = v; out[k * 3 + 2] = v }
        return RGBImage(width: width, height: height, pixels: out)
    }
}
