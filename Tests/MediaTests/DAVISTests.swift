import Foundation
import XCTest
@testable import Media

/// Every davis16-dev video and JPEG folder decodes with the right frame count and size.
final class DAVISTests: XCTestCase {
    static let expected: [(String, Int)] = [
        ("blackswan", 50), ("breakdance", 84), ("car-roundabout", 75), ("cows", 104), ("dog", 60),
        ("drift-straight", 50), ("horsejump-high", 50), ("libby", 49), ("paragliding-launch", 80), ("scooter-black", 43),
    ]

    func testVideosDecodeWithRightCounts() throws {
        let davis = try TestPaths.davis()
        for (name, frames) in Self.expected {
            let url = davis.appendingPathComponent("videos/\(name).mp4")
            let r = try VideoReader(url: url, options: VideoReaderOptions(size: .fit(maxSide: 64)))
            XCTAssertEqual(r.metadata.width, 854, name)
            XCTAssertEqual(r.metadata.height, 480, name)
            XCTAssertEqual(r.metadata.frameCount, frames, name)
            XCTAssertEqual(r.metadata.fps, 24, accuracy: 0.01, name)
            var n = 0
            var img = RGBImage(width: 1, height: 1)
            while let info = try r.nextFrame(into: &img) {
                XCTAssertEqual(info.index, n, name)
                n += 1
            }
            XCTAssertEqual(n, frames, name)
            XCTAssertEqual(r.decodeErrors, 0, name)
            XCTAssertEqual(img.width, 64)
            XCTAssertEqual(img.height, 36)
        }
    }

    func testJPEGFoldersDecodeWithRightCounts() throws {
        let davis = try TestPaths.davis()
        for (name, frames) in Self.expected {
            let url = davis.appendingPathComponent("JPEGImages/480p/\(name)")
            XCTAssertEqual(ImageHeader.size(of: url.appendingPathComponent("00000.jpg"))?.width, 854, name)
            let r = try VideoReader(url: url, options: VideoReaderOptions(size: .fit(maxSide: 64)))
            XCTAssertTrue(r.metadata.isImageSequence)
            XCTAssertEqual(r.metadata.width, 854, name)
            XCTAssertEqual(r.metadata.height, 480, name)
            XCTAssertEqual(r.metadata.frameCount, frames, name)
            var n = 0
            var img = RGBImage(width: 1, height: 1)
            while try r.nextFrame(into: &img) != nil { n += 1 }
            XCTAssertEqual(n, frames, name)
            XCTAssertEqual(r.decodeErrors, 0, name)
            // Annotations: one {0,255} PNG per frame.
            let ann = davis.appendingPathComponent("Annotations/480p/\(name)/00000.png")
            let mask = try PNGCodec.readGray(ann)
            XCTAssertEqual(mask.width, 854)
            XCTAssertTrue(Set(mask.pixels).isSubset(of: [0, 255]), name)
        }
    }
}
