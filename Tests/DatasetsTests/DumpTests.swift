import Foundation
import XCTest
@testable import Datasets
import Media

/// Writes PGM contact sheets when VIDGRAPH_DUMP is set (manual inspection only).
final class DumpTests: XCTestCase {
    func testDumpSheets() throws {
        guard let out = ProcessInfo.processInfo.environment["VIDGRAPH_DUMP"] else { throw XCTSkip("VIDGRAPH_DUMP not set") }
        var sources: [(String, SyncMNIST)] = [("proc", try SyncMNIST.procedural(digitsPerClip: 5, split: .train, seed: 1))]
        if let dir = try? sharedMNISTDirectory(), let m = try? MNIST(directory: dir) {
            sources.append(("mnist", try SyncMNIST(digits: m, digitsPerClip: 5, split: .train, seed: 1)))
        }
        for (name, g) in sources {
            var sheet = [UInt8](repeating: 128, count: 6 * 66 * 10 * 66)
            var labels: [String] = []
            for row in 0..<6 {
                let (frames, label) = g.clip(index: row)
                labels.append(SyncMNIST.classNames[label] + " " + "\(g.layout(index: row).classes)")
                for (t, f) in frames.enumerated() { for y in 0..<64 { for x in 0..<64 {
                    sheet[(row * 66 + y + 1) * 660 + t * 66 + x + 1] = f.pixels[y * 64 + x]
                } } }
            }
            try (Data("P5\n660 396\n255\n".utf8) + Data(sheet)).write(to: URL(fileURLWithPath: "\(out)/\(name).pgm"))
            try labels.joined(separator: "\n").write(toFile: "\(out)/\(name).txt", atomically: true, encoding: .utf8)
        }
        let digits = ProceduralDigits.makeSet(perClass: 8, seed: 5)
        var sheet = [UInt8](repeating: 0, count: 8 * 30 * 10 * 30)
        for i in 0..<80 { let g = digits.image(at: i).gray.pixels; for y in 0..<28 { for x in 0..<28 {
            sheet[((i / 10) * 30 + y + 1) * 300 + (i % 10) * 30 + x + 1] = g[y * 28 + x]
        } } }
        try (Data("P5\n300 240\n255\n".utf8) + Data(sheet)).write(to: URL(fileURLWithPath: "\(out)/glyphs.pgm"))
    }
}

/// Writes a PNG sheet of synthetic VOS frames and masks when VIDGRAPH_DUMP is set.
final class VOSDumpTests: XCTestCase {
    func testDumpVOS() throws {
        guard let out = ProcessInfo.processInfo.environment["VIDGRAPH_DUMP"] else { throw XCTSkip("VIDGRAPH_DUMP not set") }
        let g = try SyntheticVOS(width: 160, height: 120, frameCount: 12, seed: 2)
        let cols = 6, rows = 6  // 3 clips x (frames row, masks row), frames 0,2,...,10
        var sheet = RGBImage(width: cols * 162, height: rows * 122)
        for c in 0..<3 {
            let (frames, masks) = g.clip(index: c)
            for j in 0..<cols {
                let f = frames[j * 2], m = masks[j * 2]
                for y in 0..<120 { for x in 0..<160 {
                    let p = y * 160 + x
                    for ch in 0..<3 {
                        sheet.pixels[(((c * 2) * 122 + y + 1) * sheet.width + j * 162 + x + 1) * 3 + ch] = f.pixels[p * 3 + ch]
                        let over = m.pixels[p] == 255 ? UInt8(min(255, Int(f.pixels[p * 3 + ch]) / 2 + (ch == 0 ? 127 : 0))) : f.pixels[p * 3 + ch] / 3
                        sheet.pixels[(((c * 2 + 1) * 122 + y + 1) * sheet.width + j * 162 + x + 1) * 3 + ch] = over
                    }
                } }
            }
        }
        try PNGCodec.write(sheet, to: URL(fileURLWithPath: "\(out)/vos.png"))
    }
}

/// Prints generation speed when VIDGRAPH_BENCH is set (a measurement, not a test of speed).
final class GeneratorSpeedReport: XCTestCase {
    func testReportSpeed() throws {
        guard ProcessInfo.processInfo.environment["VIDGRAPH_BENCH"] != nil else { throw XCTSkip("VIDGRAPH_BENCH not set") }
        let g = try SyncMNIST.procedural(digitsPerClip: 5, split: .train, seed: 1)
        var buffer = [Float](repeating: 0, count: 40960)
        let n = 2000
        var start = Date()
        var sum = 0
        for i in 0..<n { sum += buffer.withUnsafeMutableBufferPointer { g.fill(index: i, into: $0) } }
        let fillTime = Date().timeIntervalSince(start)
        start = Date()
        for i in 0..<n { sum += g.layout(index: i).label }
        print("SyncMNIST.layout: \(String(format: "%.1f", Date().timeIntervalSince(start) / Double(n) * 1e6)) us/clip")
        print("SyncMNIST.fill: \(String(format: "%.1f", fillTime / Double(n) * 1e6)) us/clip (checksum \(sum))")
        start = Date()
        let v = try SyntheticVOS(width: 320, height: 240, frameCount: 30, seed: 1)
        for i in 0..<3 { _ = v.clip(index: i) }
        print("SyntheticVOS.clip 320x240x30: \(String(format: "%.0f", Date().timeIntervalSince(start) / 3 * 1e3)) ms/clip")
    }
}
