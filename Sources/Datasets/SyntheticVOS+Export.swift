import Foundation
import Media

extension SyntheticVOS {
    /// Writes clips `0..<count` in the DAVIS layout under `folder`:
    /// `JPEGImages/480p/<seq>/%05d.png` (PNG frames: the project has no JPEG encoder),
    /// `Annotations/480p/<seq>/%05d.png` ({0, 255}), `videos/<seq>.mp4` (H.264, CRF 16, 24 fps),
    /// and `sequences.txt` (one sequence name per line).
    ///
    /// Resumable (settings recorded in `folder/.synthvos`; a rerun with other settings is refused):
    /// each sequence's frame and mask folders are written under temporary names and
    /// renamed when complete, the video last; a sequence whose video exists is skipped.
    /// Returns the number of sequences written.
    @discardableResult
    public func export(count: Int, to folder: URL, progress: ((Int, Int, Int) -> Void)? = nil) throws -> Int {
        guard count >= 0 else { throw DatasetError.invalidArgument("SyntheticVOS export: count must be >= 0, got \(count)") }
        let fm = FileManager.default
        let images = folder.appendingPathComponent("JPEGImages/480p")
        let annotations = folder.appendingPathComponent("Annotations/480p")
        let videos = folder.appendingPathComponent("videos")
        for dir in [images, annotations, videos] {
            do { try fm.createDirectory(at: dir, withIntermediateDirectories: true) } catch {
                throw DatasetError.writeFailed(dir, error.localizedDescription)
            }
        }
        try ExportSettings.check("seed=\(seed) size=\(width)x\(height) frames=\(frameCount) textures=\(textures.count)",
                                 file: folder.appendingPathComponent(".synthvos"))
        var written = 0
        var names: [String] = []
        for index in 0..<count {
            let name = SyntheticVOS.sequenceName(index: index)
            names.append(name)
            let video = videos.appendingPathComponent(name + ".mp4")
            let frameDir = images.appendingPathComponent(name), maskDir = annotations.appendingPathComponent(name)
            if fm.fileExists(atPath: video.path) && fm.fileExists(atPath: frameDir.path) && fm.fileExists(atPath: maskDir.path) {
                progress?(index + 1, count, written)
                continue
            }
            let (frames, masks) = clip(index: index)
            do {
                let tmpFrames = images.appendingPathComponent(".\(name).tmp"), tmpMasks = annotations.appendingPathComponent(".\(name).tmp")
                for dir in [tmpFrames, tmpMasks, frameDir, maskDir] where fm.fileExists(atPath: dir.path) { try fm.removeItem(at: dir) }
                try fm.createDirectory(at: tmpFrames, withIntermediateDirectories: true)
                try fm.createDirectory(at: tmpMasks, withIntermediateDirectories: true)
                let writer = try VideoWriter(url: video, width: width, height: height, fps: 24, quality: .high)
                for (t, (frame, mask)) in zip(frames, masks).enumerated() {
                    let file = String(format: "%05d.png", t)
                    try PNGCodec.write(frame, to: tmpFrames.appendingPathComponent(file))
                    try PNGCodec.write(mask, to: tmpMasks.appendingPathComponent(file))
                    try writer.append(frame)
                }
                try fm.moveItem(at: tmpFrames, to: frameDir)
                try fm.moveItem(at: tmpMasks, to: maskDir)
                try writer.finish()
            } catch let error as DatasetError {
                throw error
            } catch {
                throw DatasetError.writeFailed(video, (error as? LocalizedError)?.errorDescription ?? "\(error)")
            }
            written += 1
            progress?(index + 1, count, written)
        }
        try ClassificationManifest.writeAtomically(names.joined(separator: "\n") + "\n", to: folder.appendingPathComponent("sequences.txt"))
        return written
    }

    /// Loads texture images from a DAVIS root (`JPEGImages/480p/<seq>/`), a folder of sequence
    /// folders, or a folder of images: up to `perSequence` frames of each sequence, fitted to
    /// `maxSide` pixels. Throws when nothing could be read.
    public static func loadTextures(from root: URL, perSequence: Int = 3, maxSide: Int = 480) throws -> [RGBImage] {
        let fm = FileManager.default
        guard fm.fileExists(atPath: root.path) else { throw DatasetError.missingFile(root) }
        var base = root
        for sub in ["JPEGImages/480p", "JPEGImages"] where fm.fileExists(atPath: root.appendingPathComponent(sub).path) {
            base = root.appendingPathComponent(sub)
            break
        }
        var folders = ((try? fm.contentsOfDirectory(atPath: base.path)) ?? []).sorted().filter { !$0.hasPrefix(".") }.compactMap { name -> URL? in
            var isDir: ObjCBool = false
            let url = base.appendingPathComponent(name)
            return fm.fileExists(atPath: url.path, isDirectory: &isDir) && isDir.boolValue ? url : nil
        }
        if folders.isEmpty { folders = [base] }
        var textures: [RGBImage] = []
        for folder in folders {
            guard let reader = try? VideoReader(url: folder, options: VideoReaderOptions(size: .fit(maxSide: maxSide), threads: 1)) else { continue }
            let total = max(reader.metadata.frameCount, 1)
            let step = max(1, total / max(perSequence, 1))
            var k = 0
            while let frame = try? reader.nextFrame() {
                if k % step == 0 && textures.count < 10_000 { textures.append(frame.image) }
                k += 1
                if k >= step * perSequence { break }
            }
        }
        guard !textures.isEmpty else { throw DatasetError.corrupt(root, "no readable images for textures") }
        return textures
    }
}
