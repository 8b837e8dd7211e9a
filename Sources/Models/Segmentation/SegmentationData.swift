import Datasets
import Foundation
import Media

/// Loads the clips a `SegmentationConfig` trains and validates on: in-memory SyntheticVOS clips
/// (textured with DAVIS frames when the DAVIS folder is present) plus the DAVIS training sequences,
/// and the DAVIS validation sequences. Training clips are stored at `training.clip_scale` x the input size
/// (default 1.25) for crop augmentation.
public enum SegmentationData {
    /// The DAVIS root of `config` (relative: working directory, then relative to `base`), nil when absent.
    public static func davisRoot(_ config: SegmentationConfig, base: URL?) -> URL? {
        guard let spec = config.data.davis else { return nil }
        var candidates = [URL(fileURLWithPath: spec)]
        if !spec.hasPrefix("/"), let base { candidates.append(base.appendingPathComponent(spec)) }
        return candidates.first { DAVISDataset.isDAVISRoot($0) }
    }

    /// (training clips, number of synthetic ones among them first, validation clips).
    public static func load(_ config: SegmentationConfig, base: URL?, log: (String) -> Void = { _ in }) throws
        -> (train: [SegmentationClip], synthetic: Int, val: [SegmentationClip]) {
        let sw = Int((Double(config.width) * config.training.clipScale).rounded()), sh = Int((Double(config.height) * config.training.clipScale).rounded())
        let motion = config.architecture.motion, warp = config.architecture.motionWarp
        var train: [SegmentationClip] = []
        var val: [SegmentationClip] = []
        let davis = try davisRoot(config, base: base).map { try DAVISDataset(root: $0) }
        var textures: [RGBImage] = []
        if let davis {
            for seq in config.data.train.prefix(5) {
                if let first = try davis.frames(of: seq).first?.image { textures.append(try PNGOrJPEG.read(first)) }
            }
        }
        if config.data.syntheticClips > 0 {
            let synth = try SyntheticVOS(width: max(32, sw), height: max(32, sh), frameCount: config.data.syntheticFrames,
                                         seed: UInt64(config.training.seed), textures: textures)
            for i in 0..<config.data.syntheticClips {
                let (frames, masks) = synth.clip(index: i)
                train.append(SegmentationClip(name: SyntheticVOS.sequenceName(index: i), images: frames, masks: masks,
                                              width: sw, height: sh, motion: motion, motionWarp: warp))
            }
            log("data: \(config.data.syntheticClips) synthetic clips of \(config.data.syntheticFrames) frames\(textures.isEmpty ? "" : " (DAVIS textures)")")
        }
        let synthetic = train.count
        if let davis {
            for seq in config.data.train { train.append(try clip(davis, seq, width: sw, height: sh, motion: motion, motionWarp: warp)) }
            for seq in config.data.val { val.append(try clip(davis, seq, width: config.width, height: config.height, motion: motion, motionWarp: warp)) }
            log("data: DAVIS \(davis.root.path): train \(config.data.train.joined(separator: ",")); val \(config.data.val.isEmpty ? "4 held-out synthetic clips" : config.data.val.joined(separator: ","))")
        } else {
            log("data: no DAVIS folder (\(config.data.davis ?? "none")); synthetic clips only, validation on 4 held-out synthetic clips")
        }
        if val.isEmpty {   // no DAVIS, or `val: []` (every real sequence used for training)
            let synth = try SyntheticVOS(width: max(32, config.width), height: max(32, config.height), frameCount: config.data.syntheticFrames,
                                         seed: UInt64(config.training.seed) &+ 1_000_003)
            for i in 0..<4 {
                let (frames, masks) = synth.clip(index: i)
                val.append(SegmentationClip(name: "val-" + SyntheticVOS.sequenceName(index: i), images: frames, masks: masks,
                                            width: config.width, height: config.height, motion: motion, motionWarp: warp))
            }
        }
        return (train, synthetic, val)
    }

    static func clip(_ davis: DAVISDataset, _ seq: String, width: Int, height: Int, motion: Bool,
                     motionWarp: OpticalFlow.Warp = .pixelwise) throws -> SegmentationClip {
        let frames = try davis.frames(of: seq)
        var images: [RGBImage] = [], masks: [GrayImage] = []
        for f in frames {
            guard let image = f.image, let annotation = f.annotation else { continue }
            images.append(try PNGOrJPEG.read(image))
            masks.append(try PNGCodec.readGray(annotation))
        }
        return SegmentationClip(name: seq, images: images, masks: masks, width: width, height: height, motion: motion, motionWarp: motionWarp)
    }
}

/// Reads a still image (JPEG or PNG) through the video reader (FFmpeg decodes both).
enum PNGOrJPEG {
    static func read(_ url: URL) throws -> RGBImage {
        if url.pathExtension.lowercased() == "png" { return try PNGCodec.readRGB(url) }
        let reader = try VideoReader(url: url)
        guard let frame = try reader.nextFrame() else { throw MediaError.invalidArgument("no image in \(url.path)") }
        return frame.image
    }
}
