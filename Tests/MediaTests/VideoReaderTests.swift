import Foundation
import XCTest
@testable import Media

final class VideoReaderTests: XCTestCase {
    func testDAVISVideoMetadataAndFrames() throws {
        let url = try TestPaths.davis().appendingPathComponent("videos/blackswan.mp4")
        let r = try VideoReader(url: url)
        let m = r.metadata
        XCTAssertEqual(m.width, 854)
        XCTAssertEqual(m.height, 480)
        XCTAssertEqual(m.fps, 24, accuracy: 0.01)
        XCTAssertEqual(m.frameCount, 50)
        XCTAssertFalse(m.frameCountIsEstimate)
        XCTAssertEqual(m.codec, "h264")
        XCTAssertEqual(m.rotation, 0)
        XCTAssertTrue(m.hasVideo)
        XCTAssertFalse(m.isImageSequence)
        var n = 0
        var last = -1.0
        while let f = try r.nextFrame() {
            XCTAssertEqual(f.index, n)
            XCTAssertGreaterThan(f.timestamp, last)
            XCTAssertEqual(f.timestamp, Double(n) / 24, accuracy: 1e-3)
            XCTAssertEqual(f.image.width, 854)
            last = f.timestamp
            n += 1
        }
        XCTAssertEqual(n, 50)
        XCTAssertEqual(r.decodeErrors, 0)
        XCTAssertEqual(try VideoReader.countFrames(url), 50)
    }

    func testVideoMatchesJPEGFolderRoughly() throws {
        let davis = try TestPaths.davis()
        let video = try VideoReader(url: davis.appendingPathComponent("videos/blackswan.mp4"),
                                    options: VideoReaderOptions(size: .exact(width: 64, height: 36)))
        let folder = try VideoReader(url: davis.appendingPathComponent("JPEGImages/480p/blackswan"),
                                     options: VideoReaderOptions(size: .exact(width: 64, height: 36)))
        XCTAssertTrue(folder.metadata.isImageSequence)
        XCTAssertEqual(folder.metadata.frameCount, 50)
        XCTAssertEqual(folder.metadata.codec, "mjpeg")
        for _ in 0..<3 {
            let a = try XCTUnwrap(video.nextFrame()), b = try XCTUnwrap(folder.nextFrame())
            XCTAssertEqual(a.index, b.index)
            XCTAssertEqual(a.timestamp, b.timestamp, accuracy: 1e-6)
            var diff = 0
            for i in a.image.pixels.indices { diff += abs(Int(a.image.pixels[i]) - Int(b.image.pixels[i])) }
            // Same picture through two lossy codecs: small mean difference.
            XCTAssertLessThan(Double(diff) / Double(a.image.pixels.count), 8)
        }
    }

    func testSamplingOptions() throws {
        let url = try TestPaths.davis().appendingPathComponent("videos/blackswan.mp4")
        func indices(_ o: VideoReaderOptions) throws -> [Int] {
            let r = try VideoReader(url: url, options: o)
            var out: [Int] = []
            var img = RGBImage(width: 1, height: 1)
            while let info = try r.nextFrame(into: &img) { out.append(info.index) }
            return out
        }
        XCTAssertEqual(try indices(VideoReaderOptions(size: .fit(maxSide: 32), every: 10)), [0, 10, 20, 30, 40])
        XCTAssertEqual(try indices(VideoReaderOptions(size: .fit(maxSide: 32), targetFPS: 6)), Array(stride(from: 0, to: 50, by: 4)))
        XCTAssertEqual(try indices(VideoReaderOptions(size: .fit(maxSide: 32), maxFrames: 3)), [0, 1, 2])
        XCTAssertEqual(try indices(VideoReaderOptions(size: .fit(maxSide: 32), start: 1.0, end: 1.5)), Array(24..<36))
        XCTAssertEqual(try indices(VideoReaderOptions(size: .fit(maxSide: 32), every: 2, start: 1.0, maxFrames: 4)), [24, 26, 28, 30])
        // Seeking on a JPEG folder too.
        let folder = try TestPaths.davis().appendingPathComponent("JPEGImages/480p/blackswan")
        let r = try VideoReader(url: folder, options: VideoReaderOptions(size: .fit(maxSide: 32), start: 1.0, maxFrames: 2))
        XCTAssertEqual(try r.nextFrame()?.index, 24)
        XCTAssertEqual(try r.nextFrame()?.index, 25)
        XCTAssertNil(try r.nextFrame())
    }

    func testSeekReturnsSameFrameAsSequentialRead() throws {
        let url = try TestPaths.davis().appendingPathComponent("videos/dog.mp4")
        let o = VideoReaderOptions(size: .exact(width: 48, height: 32))
        let seq = try VideoReader(url: url, options: o)
        var frames: [VideoFrame] = []
        while let f = try seq.nextFrame() { frames.append(f) }
        let r = try VideoReader(url: url, options: o)
        try r.seek(to: 1.5)
        let f = try XCTUnwrap(r.nextFrame())
        XCTAssertEqual(f.index, 36)
        XCTAssertEqual(f.image, frames[36].image)
        try r.seek(to: 0)
        XCTAssertEqual(try r.nextFrame(), frames[0])
    }

    func testSizesAndFloatOutput() throws {
        let url = try TestPaths.davis().appendingPathComponent("videos/blackswan.mp4")
        let fit = try VideoReader(url: url, options: VideoReaderOptions(size: .fit(maxSide: 224)))
        XCTAssertEqual(fit.outputWidth, 224)
        XCTAssertEqual(fit.outputHeight, 126)
        let a = try VideoReader(url: url, options: VideoReaderOptions(size: .exact(width: 33, height: 17)))
        let b = try VideoReader(url: url, options: VideoReaderOptions(size: .exact(width: 33, height: 17), threads: 1))
        let rgb = try XCTUnwrap(a.nextFrame()).image
        var chw = [Float](repeating: -1, count: 3 * 33 * 17)
        let info = try XCTUnwrap(b.nextFrame(intoCHW: &chw))
        XCTAssertEqual(info.index, 0)
        XCTAssertEqual(info.pictureType, "I")
        for y in [0, 8, 16] {
            for x in [0, 13, 32] {
                for c in 0..<3 {
                    XCTAssertEqual(chw[c * 33 * 17 + y * 33 + x], Float(rgb.pixels[(y * 33 + x) * 3 + c]) / 255, accuracy: 1e-6)
                }
            }
        }
        XCTAssertTrue(chw.allSatisfy { $0 >= 0 && $0 <= 1 })
    }

    func testMotionField() throws {
        let url = try TestPaths.davis().appendingPathComponent("videos/blackswan.mp4")
        let plain = try VideoReader(url: url)
        _ = try plain.nextFrame()
        XCTAssertEqual(plain.motionField(), .unavailable(.notRequested))
        let r = try VideoReader(url: url, options: VideoReaderOptions(size: .exact(width: 64, height: 36), exportMotionVectors: true))
        XCTAssertEqual(r.motionField(), .unavailable(.noFrame))
        var sawP = false
        while let f = try r.nextFrame() {
            let m = r.motionField(width: 107, height: 60)
            if f.info.pictureType == "I" {
                XCTAssertEqual(m, .unavailable(.intraFrame))
            } else if f.info.pictureType == "P" {
                let field = try XCTUnwrap(m.field, "P-frame \(f.index) without a field: \(m)")
                XCTAssertEqual(field.width, 107)
                XCTAssertEqual(field.dx.count, 107 * 60)
                XCTAssertGreaterThan(field.vectorCount, 0)
                XCTAssertTrue(field.dx.contains { $0 != 0 } || field.dy.contains { $0 != 0 })
                XCTAssertTrue(field.dx.allSatisfy { $0.isFinite && abs($0) < 107 })
                sawP = true
            }
        }
        XCTAssertTrue(sawP)
        // Image folders have no vectors: reported, not zero-filled.
        let folder = try TestPaths.davis().appendingPathComponent("JPEGImages/480p/blackswan")
        let fr = try VideoReader(url: folder, options: VideoReaderOptions(size: .fit(maxSide: 32), exportMotionVectors: true))
        _ = try fr.nextFrame()
        _ = try fr.nextFrame()
        XCTAssertNil(fr.motionField().field)
    }

    func testInvalidOptions() throws {
        let url = try TestPaths.davis().appendingPathComponent("videos/blackswan.mp4")
        XCTAssertThrowsError(try VideoReader(url: url, options: VideoReaderOptions(every: 0)))
        XCTAssertThrowsError(try VideoReader(url: url, options: VideoReaderOptions(start: 2, end: 1)))
        XCTAssertThrowsError(try VideoReader(url: url, options: VideoReaderOptions(size: .exact(width: 0, height: 4))))
    }

    func testThreadedScalingMatchesSingleThreaded() throws {
        let url = try TestPaths.davis().appendingPathComponent("videos/breakdance.mp4")
        let a = try VideoReader(url: url, options: VideoReaderOptions(size: .exact(width: 224, height: 224), threads: 2, maxFrames: 5))
        let b = try VideoReader(url: url, options: VideoReaderOptions(size: .exact(width: 224, height: 224), threads: 1,
                                                                     maxFrames: 5, scaleThreads: 1))
        let c = try VideoReader(url: url, options: VideoReaderOptions(size: .original, threads: 2, maxFrames: 2, scaleThreads: 3))
        let d = try VideoReader(url: url, options: VideoReaderOptions(size: .original, threads: 1, maxFrames: 2, scaleThreads: 1))
        for _ in 0..<5 { XCTAssertEqual(try a.nextFrame(), try b.nextFrame()) }
        XCTAssertNil(try a.nextFrame())
        for _ in 0..<2 { XCTAssertEqual(try c.nextFrame(), try d.nextFrame()) }
    }

    func testDecodeAheadMatchesSynchronousAndStopsCleanly() throws {
        let url = try TestPaths.davis().appendingPathComponent("videos/scooter-black.mp4")
        let o = VideoReaderOptions(size: .exact(width: 40, height: 30), exportMotionVectors: true)
        var sync = o
        sync.decodeAhead = false
        let a = try VideoReader(url: url, options: o), b = try VideoReader(url: url, options: sync)
        var n = 0
        while let fa = try a.nextFrame() {
            XCTAssertEqual(fa, try b.nextFrame())
            XCTAssertEqual(a.motionField(width: 20, height: 15), b.motionField(width: 20, height: 15), "frame \(n)")
            n += 1
        }
        XCTAssertNil(try b.nextFrame())
        XCTAssertEqual(n, 43)
        // Seek while frames are decoded ahead, then abandon readers mid-stream (deinit joins the thread).
        for _ in 0..<20 {
            let r = try VideoReader(url: url, options: o)
            _ = try r.nextFrame()
            try r.seek(to: 1.0)
            XCTAssertEqual(try r.nextFrame()?.index, 24)
        }
    }
}
