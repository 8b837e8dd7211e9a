import Foundation
import XCTest
@testable import Media

/// Broken and unusual inputs: each must give a clear typed error or a correct result, never a crash or hang.
final class BadInputTests: XCTestCase {
    /// The project's own sample clip (mp4 with the index at the front).
    func clip(_ name: String = "orbit") throws -> URL {
        let url = TestPaths.repoRoot.appendingPathComponent("clips/\(name).mp4")
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw XCTSkip("clips/\(name).mp4 missing (run `vidgraph synth clips --out clips`)")
        }
        return url
    }

    func readAll(_ url: URL, size: FrameSize = .exact(width: 32, height: 24)) throws -> (frames: [VideoFrame], reader: VideoReader) {
        let r = try VideoReader(url: url, options: VideoReaderOptions(size: size))
        var out: [VideoFrame] = []
        while let f = try r.nextFrame() { out.append(f) }
        return (out, r)
    }

    func assertError(_ expression: @autoclosure () throws -> Any, _ expected: MediaError, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try expression(), file: file, line: line) { e in
            XCTAssertEqual(e as? MediaError, expected, file: file, line: line)
            XCTAssertFalse((e as? LocalizedError)?.errorDescription?.contains("\n") ?? true, "one-line message", file: file, line: line)
        }
    }

    func testMissingFileAndEmptyFolders() throws {
        let dir = try TestPaths.tempDir(self)
        let missing = dir.appendingPathComponent("missing.mp4")
        assertError(try VideoReader(url: missing), .fileNotFound(path: missing.path))
        let empty = dir.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        assertError(try VideoReader(url: empty), .noImages(path: empty.path))
        try Data("notes".utf8).write(to: empty.appendingPathComponent("readme.txt"))
        try Data("x".utf8).write(to: empty.appendingPathComponent("cover.jpg"))  // no number
        assertError(try VideoReader(url: empty), .noImages(path: empty.path))
    }

    func testTextAndZeroByteFiles() throws {
        let dir = try TestPaths.tempDir(self)
        let text = dir.appendingPathComponent("notes.mp4")
        try Data(String(repeating: "this is a text file, not a video\n", count: 20).utf8).write(to: text)
        XCTAssertThrowsError(try VideoReader(url: text)) { e in
            guard case .unreadable(let p, _)? = e as? MediaError else { return XCTFail("\(e)") }
            XCTAssertEqual(p, text.path)
        }
        let zero = dir.appendingPathComponent("zero.mp4")
        XCTAssertTrue(FileManager.default.createFile(atPath: zero.path, contents: Data()))
        XCTAssertThrowsError(try VideoReader(url: zero)) { e in
            guard case .unreadable(let p, _)? = e as? MediaError else { return XCTFail("\(e)") }
            XCTAssertEqual(p, zero.path)
            XCTAssertTrue(e.localizedDescription.contains("zero.mp4"))
        }
    }

    func testTruncatedMP4() throws {
        let dir = try TestPaths.tempDir(self)
        let src = try clip()
        let full = try readAll(src).frames
        XCTAssertEqual(full.count, 60)
        let bytes = try Data(contentsOf: src)
        let cut = dir.appendingPathComponent("cut.mp4")
        try bytes.prefix(bytes.count / 2).write(to: cut)
        // Index at the front: the first part still decodes, identical to the full file.
        let (frames, _) = try readAll(cut)
        XCTAssertGreaterThan(frames.count, 10)
        XCTAssertLessThan(frames.count, 60)
        for i in 0..<10 { XCTAssertEqual(frames[i], full[i], "frame \(i)") }
        // Index at the end (remuxed by the ffmpeg CLI without faststart): cut at half, no index -> typed error.
        let tail = dir.appendingPathComponent("tail.mp4")
        guard try TestPaths.runFFmpeg(["-i", src.path, "-c", "copy", tail.path]) == 0 else { return XCTFail("remux failed") }
        let tailBytes = try Data(contentsOf: tail)
        let cut2 = dir.appendingPathComponent("cut2.mp4")
        try tailBytes.prefix(tailBytes.count / 2).write(to: cut2)
        XCTAssertThrowsError(try VideoReader(url: cut2)) { e in
            guard case .unreadable(let p, _)? = e as? MediaError else { return XCTFail("\(e)") }
            XCTAssertEqual(p, cut2.path)
        }
    }

    func testFlippedBytesKeepEarlierFrames() throws {
        let dir = try TestPaths.tempDir(self)
        let src = try clip()
        let full = try readAll(src, size: .original).frames
        var bytes = [UInt8](try Data(contentsOf: src))
        let start = bytes.count * 6 / 10
        for i in start..<(start + 3000) { bytes[i] ^= 0xFF }
        let bad = dir.appendingPathComponent("flipped.mp4")
        try Data(bytes).write(to: bad)
        let (frames, reader) = try readAll(bad, size: .original)
        XCTAssertGreaterThanOrEqual(frames.count, 24)
        XCTAssertLessThanOrEqual(frames.count, 60)
        // Frames stored before the corruption decode exactly as in the intact file.
        for i in 0..<24 { XCTAssertEqual(frames[i], full[i], "frame \(i)") }
        _ = reader.decodeErrors
    }

    func testAudioOnly() throws {
        let dir = try TestPaths.tempDir(self)
        let audio = dir.appendingPathComponent("tone.m4a")
        guard try TestPaths.runFFmpeg(["-f", "lavfi", "-i", "sine=frequency=440:duration=1", "-c:a", "aac", audio.path]) == 0 else {
            return XCTFail("ffmpeg CLI could not make an audio file")
        }
        assertError(try VideoReader(url: audio), .noVideoStream(path: audio.path))
        assertError(try VideoReader.probe(audio), .noVideoStream(path: audio.path))
    }

    func testHugeDimensionsAreRefused() throws {
        let dir = try TestPaths.tempDir(self)
        // A PNG header claiming 20000x20000 opened as a one-image video.
        var small = GrayImage(width: 8, height: 8, fill: 3)
        small.pixels[5] = 77
        let big = dir.appendingPathComponent("big.png")
        try PNGCodec.write(small, to: big)
        var pngBytes = [UInt8](try Data(contentsOf: big))
        for (i, b) in [UInt8(0), 0, 0x4E, 0x20, 0, 0, 0x4E, 0x20].enumerated() { pngBytes[16 + i] = b }
        try Data(pngBytes).write(to: big)
        assertError(try VideoReader(url: big), .invalidSize(path: big.path, width: 20000, height: 20000))
        // 100000x100000: refused (by FFmpeg's own size check or ours) with an error naming the file.
        let y4m2 = dir.appendingPathComponent("huge.y4m")
        try Data("YUV4MPEG2 W100000 H100000 F25:1 Ip A1:1 C420jpeg\nFRAME\n".utf8).write(to: y4m2)
        XCTAssertThrowsError(try VideoReader(url: y4m2)) { e in
            XCTAssertNotNil(e as? MediaError)
            XCTAssertTrue(e.localizedDescription.contains("huge.y4m"), e.localizedDescription)
        }
        // A folder of PNGs whose header claims 100000x100000.
        let folder = dir.appendingPathComponent("frames")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var img = GrayImage(width: 8, height: 8, fill: 9)
        img.pixels[3] = 200
        let png = folder.appendingPathComponent("00000.png")
        try PNGCodec.write(img, to: png)
        var bytes = [UInt8](try Data(contentsOf: png))
        for (i, b) in [UInt8(0), 1, 0x86, 0xA0, 0, 1, 0x86, 0xA0].enumerated() { bytes[16 + i] = b }
        try Data(bytes).write(to: png)
        assertError(try VideoReader(url: folder), .invalidSize(path: folder.path, width: 100000, height: 100000))
        XCTAssertTrue(MediaError.invalidSize(path: folder.path, width: 100000, height: 100000).localizedDescription
            .contains("frames: unsupported frame size 100000x100000"))
    }

    func testOddSizesAndOneFrameVideo() throws {
        let dir = try TestPaths.tempDir(self)
        let odd = dir.appendingPathComponent("odd.mp4")
        let w = try VideoWriter(url: odd, width: 97, height: 55, fps: 24)
        for t in 0..<4 { try w.append(VideoWriterTests.pattern(width: 97, height: 55, t: t)) }
        try w.finish()
        let (frames, _) = try readAll(odd, size: .original)
        XCTAssertEqual(frames.count, 4)
        XCTAssertEqual(frames[0].image.width, 97)
        XCTAssertEqual(frames[0].image.height, 55)
        let fit = try VideoReader(url: odd, options: VideoReaderOptions(size: .fit(maxSide: 33)))
        XCTAssertEqual(fit.outputWidth, 33)
        XCTAssertEqual(fit.outputHeight, 19)
        var chw = [Float]()
        XCTAssertNotNil(try fit.nextFrame(intoCHW: &chw))
        XCTAssertEqual(chw.count, 3 * 33 * 19)

        let one = dir.appendingPathComponent("one.mp4")
        let w1 = try VideoWriter(url: one, width: 64, height: 48, fps: 24)
        try w1.append(VideoWriterTests.pattern(width: 64, height: 48, t: 0))
        try w1.finish()
        let m = try VideoReader.probe(one)
        XCTAssertEqual(m.frameCount, 1)
        XCTAssertEqual(try VideoReader.countFrames(one), 1)
        let r = try VideoReader(url: one, options: VideoReaderOptions(exportMotionVectors: true))
        let f = try XCTUnwrap(r.nextFrame())
        XCTAssertEqual(f.index, 0)
        XCTAssertEqual(r.motionField(), .unavailable(.intraFrame))
        XCTAssertNil(try r.nextFrame())
        XCTAssertNil(try r.nextFrame(), "reading past the end stays at the end")
    }

    func testFolderWithOneCorruptImage() throws {
        let dir = try TestPaths.tempDir(self)
        for i in 0..<5 {
            var img = RGBImage(width: 20, height: 12)
            for k in img.pixels.indices { img.pixels[k] = UInt8((k + i * 40) % 256) }
            try PNGCodec.write(img, to: dir.appendingPathComponent(String(format: "frame_%03d.png", i + 1)))
        }
        try Data("garbage".utf8).write(to: dir.appendingPathComponent("frame_003.png"))
        let r = try VideoReader(url: dir, options: VideoReaderOptions(size: .original))
        XCTAssertEqual(r.metadata.frameCount, 5)
        var got: [Int] = []
        while let f = try r.nextFrame() { got.append(f.index) }
        XCTAssertEqual(got.count, 4, "the corrupt image is skipped: \(got)")
        XCTAssertGreaterThan(r.decodeErrors, 0)
    }

    func testImageSequencePatterns() throws {
        let dir = try TestPaths.tempDir(self)
        for i in [1, 2, 3, 10, 11] {
            try PNGCodec.write(GrayImage(width: 4, height: 4, fill: UInt8(i)), to: dir.appendingPathComponent("img\(i).png"))
        }
        let seq = try ImageSequence.detect(in: dir)
        XCTAssertEqual(seq.pattern, "img%d.png")
        XCTAssertEqual(seq.startNumber, 1)
        XCTAssertEqual(seq.count, 3)
        let dir2 = try TestPaths.tempDir(self)
        for i in 5..<9 {
            try PNGCodec.write(GrayImage(width: 4, height: 4), to: dir2.appendingPathComponent(String(format: "%05d.png", i)))
        }
        try Data("x".utf8).write(to: dir2.appendingPathComponent("notes.txt"))
        let seq2 = try ImageSequence.detect(in: dir2)
        XCTAssertEqual(seq2.pattern, "%05d.png")
        XCTAssertEqual(seq2.startNumber, 5)
        XCTAssertEqual(seq2.count, 4)
        let r = try VideoReader(url: dir2)
        XCTAssertEqual(r.metadata.frameCount, 4)
        var n = 0
        while try r.nextFrame() != nil { n += 1 }
        XCTAssertEqual(n, 4)
    }
}
