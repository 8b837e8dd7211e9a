import Foundation
import XCTest
@testable import Media

final class VideoWriterTests: XCTestCase {
    /// A smooth moving pattern (compresses well, changes every frame).
    static func pattern(width: Int, height: Int, t: Int) -> RGBImage {
        var img = RGBImage(width: width, height: height)
        for y in 0..<height {
            for x in 0..<width {
                let i = (y * width + x) * 3
                img.pixels[i] = UInt8((x * 4 + t * 3) & 255)
                img.pixels[i + 1] = UInt8((y * 4) & 255)
                img.pixels[i + 2] = (x / 8 + y / 8 + t) % 2 == 0 ? 40 : 200
            }
        }
        return img
    }

    func testStandardRoundTrip() throws {
        let dir = try TestPaths.tempDir(self)
        let url = dir.appendingPathComponent("a.mp4")
        let w = try VideoWriter(url: url, width: 64, height: 48, fps: 12, quality: .high)
        for t in 0..<20 { try w.append(Self.pattern(width: 64, height: 48, t: t)) }
        XCTAssertFalse(FileManager.default.fileExists(atPath: url.path), "output must appear only at finish()")
        try w.finish()
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["a.mp4"])
        let r = try VideoReader(url: url)
        XCTAssertEqual(r.metadata.width, 64)
        XCTAssertEqual(r.metadata.height, 48)
        XCTAssertEqual(r.metadata.fps, 12, accuracy: 0.01)
        XCTAssertEqual(r.metadata.frameCount, 20)
        XCTAssertEqual(r.metadata.codec, w.encoderName == "mpeg4" ? "mpeg4" : "h264")
        var n = 0
        while let f = try r.nextFrame() {
            let ref = Self.pattern(width: 64, height: 48, t: n)
            var err = 0
            for i in ref.pixels.indices { err += abs(Int(ref.pixels[i]) - Int(f.image.pixels[i])) }
            XCTAssertLessThan(Double(err) / Double(ref.pixels.count), 6, "frame \(n)")
            XCTAssertEqual(f.timestamp, Double(n) / 12, accuracy: 1e-3)
            n += 1
        }
        XCTAssertEqual(n, 20)
    }

    func testLosslessIsExactAndOddSizesWork() throws {
        let dir = try TestPaths.tempDir(self)
        let url = dir.appendingPathComponent("l.mp4")
        let w = try VideoWriter(url: url, width: 33, height: 17, fps: 25, quality: .lossless)
        for t in 0..<5 { try w.append(Self.pattern(width: 33, height: 17, t: t)) }
        try w.finish()
        let r = try VideoReader(url: url)
        for t in 0..<5 {
            let f = try XCTUnwrap(r.nextFrame())
            if w.encoderName == "libx264rgb" {  // this FFmpeg build: libx264rgb (checked by testEncoderChoice)
                XCTAssertEqual(f.image, Self.pattern(width: 33, height: 17, t: t), "frame \(t)")
            }
        }
        XCTAssertNil(try r.nextFrame())
        // Odd size with the standard 4:2:0 setting falls back to 4:4:4 and still decodes.
        let odd = dir.appendingPathComponent("odd.mp4")
        let w2 = try VideoWriter(url: odd, width: 31, height: 15, fps: 24)
        for t in 0..<3 { try w2.append(Self.pattern(width: 31, height: 15, t: t)) }
        try w2.finish()
        XCTAssertEqual(try VideoReader.countFrames(odd), 3)
        XCTAssertEqual(try VideoReader.probe(odd).width, 31)
    }

    func testAbortAndErrors() throws {
        let dir = try TestPaths.tempDir(self)
        let url = dir.appendingPathComponent("x.mp4")
        do {
            let w = try VideoWriter(url: url, width: 16, height: 16, fps: 10)
            try w.append(RGBImage(width: 16, height: 16))
            XCTAssertThrowsError(try w.append(RGBImage(width: 8, height: 8)))
            w.abort()
            XCTAssertThrowsError(try w.append(RGBImage(width: 16, height: 16)))
        }
        do {
            // Dropped without finish(): temp removed.
            let w = try VideoWriter(url: url, width: 16, height: 16, fps: 10)
            try w.append(RGBImage(width: 16, height: 16))
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), [])
        let empty = try VideoWriter(url: url, width: 16, height: 16, fps: 10)
        XCTAssertThrowsError(try empty.finish())
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), [])
        XCTAssertThrowsError(try VideoWriter(url: url, width: 0, height: 16, fps: 10))
        XCTAssertThrowsError(try VideoWriter(url: url, width: 20000, height: 16, fps: 10))
        XCTAssertThrowsError(try VideoWriter(url: url, width: 16, height: 16, fps: 0))
        XCTAssertThrowsError(try VideoWriter(url: dir.appendingPathComponent("no/dir/x.mp4"), width: 16, height: 16, fps: 10))
    }

    func testEncoderChoiceFollowsBuild() throws {
        let dir = try TestPaths.tempDir(self)
        let lossless = try VideoWriter(url: dir.appendingPathComponent("a.mp4"), width: 16, height: 16, fps: 10, quality: .lossless)
        let standard = try VideoWriter(url: dir.appendingPathComponent("b.mp4"), width: 16, height: 16, fps: 10)
        // The ffmpeg CLI of the same installation tells whether x264 is there.
        var hasX264 = false
        if TestPaths.ffmpegCLI != nil {
            hasX264 = try TestPaths.runFFmpeg(["-f", "lavfi", "-i", "color=s=16x16:d=0.1", "-c:v", "libx264rgb", "-f", "null", "-"]) == 0
        }
        if hasX264 {
            XCTAssertEqual(lossless.encoderName, "libx264rgb")
            XCTAssertEqual(standard.encoderName, "libx264")
        } else {
            XCTAssertEqual(standard.encoderName, "mpeg4")
        }
    }
}
