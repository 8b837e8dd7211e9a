import Foundation
import Media

extension SyncMNIST {
    /// Relative path of clip `index` inside an export folder: `clips/<split>_<index, 6 digits>.mp4`.
    public func clipPath(index: Int) -> String {
        "clips/\(split.rawValue)_" + String(format: "%06d", index) + ".mp4"
    }

    /// Writes clips `0..<count` as near-lossless H.264 (gray as RGB, 10 fps) under `folder/clips/`,
    /// then `folder/labels.csv` (`path,label` with class names; rows of the other split kept),
    /// `folder/<split>.csv` (this split only) and `folder/classes.txt`.
    ///
    /// Resumable: the settings (seed, digits per clip, digit source) are recorded in
    /// `folder/.syncmnist-<split>` and a rerun with other settings is refused; a clip whose file exists is complete (each video is written to a temporary name
    /// and renamed when finished) and is skipped. `progress(done, count, written)` is called after
    /// each clip. Returns the number of clips written (not skipped).
    @discardableResult
    public func export(count: Int, to folder: URL, progress: ((Int, Int, Int) -> Void)? = nil) throws -> Int {
        guard count >= 0 else { throw DatasetError.invalidArgument("SyncMNIST export: count must be >= 0, got \(count)") }
        let fm = FileManager.default
        let clips = folder.appendingPathComponent("clips")
        do { try fm.createDirectory(at: clips, withIntermediateDirectories: true) } catch {
            throw DatasetError.writeFailed(clips, error.localizedDescription)
        }
        let source = digits.count == 10_000 ? "mnist10k" : "digits\(digits.count)"
        try ExportSettings.check("seed=\(seed) digits=\(digitsPerClip) source=\(source)",
                                 file: folder.appendingPathComponent(".syncmnist-\(split.rawValue)"))
        var written = 0
        var rows: [String] = []
        rows.reserveCapacity(count)
        for index in 0..<count {
            let relative = clipPath(index: index)
            let url = folder.appendingPathComponent(relative)
            if let size = (try? fm.attributesOfItem(atPath: url.path))?[.size] as? NSNumber, size.intValue > 0 {
                rows.append(relative + "," + SyncMNIST.classNames[layout(index: index).label])
            } else {
                let (frames, label) = clip(index: index)
                do {
                    let writer = try VideoWriter(url: url, width: SyncMNIST.side, height: SyncMNIST.side, fps: 10, quality: .high)
                    for frame in frames { try writer.append(frame.rgb()) }
                    try writer.finish()
                } catch {
                    throw DatasetError.writeFailed(url, (error as? LocalizedError)?.errorDescription ?? "\(error)")
                }
                rows.append(relative + "," + SyncMNIST.classNames[label])
                written += 1
            }
            progress?(index + 1, count, written)
        }
        // labels.csv: keep rows of other splits already there, replace this split's rows.
        let labelsURL = folder.appendingPathComponent("labels.csv")
        var kept: [String] = []
        if let old = try? String(contentsOf: labelsURL, encoding: .utf8) {
            let prefix = "clips/\(split.rawValue)_"
            kept = old.split(whereSeparator: \.isNewline).map(String.init)
                .filter { !$0.hasPrefix(prefix) && $0 != "path,label" && !$0.isEmpty }
        }
        try ClassificationManifest.writeAtomically((["path,label"] + kept + rows).joined(separator: "\n") + "\n", to: labelsURL)
        try ClassificationManifest.writeAtomically((["path,label"] + rows).joined(separator: "\n") + "\n",
                                                   to: folder.appendingPathComponent("\(split.rawValue).csv"))
        try ClassificationManifest.writeClassNames(SyncMNIST.classNames, to: folder.appendingPathComponent("classes.txt"))
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
