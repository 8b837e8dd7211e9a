import Foundation
import XCTest
@testable import Media

final class PNGCodecTests: XCTestCase {
    func testGrayRoundTrip() throws {
        let dir = try TestPaths.tempDir(self)
        var img = GrayImage(width: 37, height: 21)
        for i in img.pixels.indices { img.pixels[i] = UInt8((i * 7 + i / 37) % 256) }
        let url = dir.appendingPathComponent("g.png")
        try PNGCodec.write(img, to: url)
        XCTAssertEqual(try PNGCodec.readGray(url), img)
        // No temporary files left behind.
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["g.png"])
        // Gray read as RGB replicates the value.
        let rgb = try PNGCodec.readRGB(url)
        XCTAssertEqual(rgb.width, 37)
        for i in [0, 100, 776] {
            XCTAssertEqual(rgb.pixels[i * 3], img.pixels[i])
            XCTAssertEqual(rgb.pixels[i * 3 + 1], img.pixels[i])
            XCTAssertEqual(rgb.pixels[i * 3 + 2], img.pixels[i])
        }
    }

    func testRGBRoundTripAndOverwrite() throws {
        let dir = try TestPaths.tempDir(self)
        var img = RGBImage(width: 16, height: 9)
        for i in img.pixels.indices { img.pixels[i] = UInt8((i * 13) % 251) }
        let url = dir.appendingPathComponent("c.png")
        try PNGCodec.write(RGBImage(width: 3, height: 3), to: url)
        try PNGCodec.write(img, to: url)
        XCTAssertEqual(try PNGCodec.readRGB(url), img)
    }

    func testBinaryMaskSurvivesGrayConversionOfColourAndPalette() throws {
        let dir = try TestPaths.tempDir(self)
        var mask = GrayImage(width: 20, height: 10)
        for y in 0..<10 { for x in 5..<12 { mask.pixels[y * 20 + x] = 255 } }
        let gray = dir.appendingPathComponent("m.png")
        try PNGCodec.write(mask, to: gray)
        // RGB version of the mask must read back as {0,255} gray.
        var rgb = RGBImage(width: 20, height: 10)
        for i in mask.pixels.indices { for c in 0..<3 { rgb.pixels[i * 3 + c] = mask.pixels[i] } }
        let rgbURL = dir.appendingPathComponent("rgb.png")
        try PNGCodec.write(rgb, to: rgbURL)
        XCTAssertEqual(try PNGCodec.readGray(rgbURL), mask)
        // Palette and 16-bit variants made by the ffmpeg CLI.
        let pal = dir.appendingPathComponent("pal.png")
        let g16 = dir.appendingPathComponent("g16.png")
        guard try TestPaths.runFFmpeg(["-i", rgbURL.path, "-vf",
                                        "split[a][b];[a]palettegen=max_colors=4:reserve_transparent=0[p];[b][p]paletteuse=dither=none",
                                        pal.path]) == 0,
              try TestPaths.runFFmpeg(["-i", gray.path, "-pix_fmt", "gray16be", g16.path]) == 0 else {
            return XCTFail("ffmpeg CLI could not make palette/gray16 PNGs")
        }
        XCTAssertEqual(try PNGCodec.readGray(pal), mask)
        XCTAssertEqual(try PNGCodec.readGray(g16), mask)
    }

    func testDAVISAnnotation() throws {
        let url = try TestPaths.davis().appendingPathComponent("Annotations/480p/blackswan/00000.png")
        let img = try PNGCodec.readGray(url)
        XCTAssertEqual(img.width, 854)
        XCTAssertEqual(img.height, 480)
        let values = Set(img.pixels)
        XCTAssertEqual(values, [0, 255])
    }

    func testErrors() throws {
        let dir = try TestPaths.tempDir(self)
        let missing = dir.appendingPathComponent("nope.png")
        XCTAssertThrowsError(try PNGCodec.readGray(missing)) { e in
            XCTAssertEqual(e as? MediaError, .fileNotFound(path: missing.path))
        }
        let text = dir.appendingPathComponent("text.png")
        try Data("hello, not a png".utf8).write(to: text)
        XCTAssertThrowsError(try PNGCodec.readRGB(text)) { e in
            XCTAssertTrue((e as? LocalizedError)?.errorDescription?.contains("text.png") ?? false)
        }
        // A valid PNG cut in half.
        var img = GrayImage(width: 64, height: 64)
        for i in img.pixels.indices { img.pixels[i] = UInt8.random(in: 0...255) }
        let good = dir.appendingPathComponent("good.png")
        try PNGCodec.write(img, to: good)
        let bytes = try Data(contentsOf: good)
        let cut = dir.appendingPathComponent("cut.png")
        try bytes.prefix(bytes.count / 2).write(to: cut)
        XCTAssertThrowsError(try PNGCodec.readGray(cut))
        // A header claiming 100000x100000.
        var huge = [UInt8](bytes)
        for (i, b) in [UInt8(0), 1, 0x86, 0xA0, 0, 1, 0x86, 0xA0].enumerated() { huge[16 + i] = b }
        let hugeURL = dir.appendingPathComponent("huge.png")
        try Data(huge).write(to: hugeURL)
        XCTAssertThrowsError(try PNGCodec.readGray(hugeURL)) { e in
            XCTAssertEqual(e as? MediaError, .invalidSize(path: hugeURL.path, width: 100000, height: 100000))
        }
        // Writing into a missing folder fails with a typed error.
        XCTAssertThrowsError(try PNGCodec.write(img, to: dir.appendingPathComponent("no/such/dir.png")))
    }
}
