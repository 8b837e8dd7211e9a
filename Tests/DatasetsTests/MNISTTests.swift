import Foundation
import XCTest
@testable import Datasets

final class MNISTTests: XCTestCase {
    func testReadsSharedT10k() throws {
        let dir = try sharedMNISTDirectory()
        let mnist = try MNIST(directory: dir)
        XCTAssertEqual(mnist.count, 10_000)
        XCTAssertEqual(mnist.pixels.count, 10_000 * 784)
        XCTAssertEqual(Array(mnist.labels.prefix(5)), [7, 2, 1, 0, 4])
        // Every class is present in both the train and the test range.
        XCTAssertTrue(mnist.indicesByClass(in: MNIST.trainRange).allSatisfy { $0.count > 500 })
        XCTAssertTrue(mnist.indicesByClass(in: MNIST.testRange).allSatisfy { $0.count > 100 })
        // The first digit (a 7) has ink in its centre rows and a black border.
        let seven = mnist.image(at: 0).gray
        XCTAssertEqual(seven.width, 28)
        XCTAssertEqual(seven.pixels[0], 0)
        XCTAssertGreaterThan(seven.pixels.filter { $0 > 128 }.count, 50)
    }

    /// Writes an idx file with the given header words and body, optionally gzip-compressed by `gzip`.
    private func writeIdx(_ url: URL, words: [UInt32], body: [UInt8]) throws {
        var bytes = [UInt8]()
        for w in words { bytes += [UInt8(w >> 24), UInt8((w >> 16) & 0xFF), UInt8((w >> 8) & 0xFF), UInt8(w & 0xFF)] }
        try Data(bytes + body).write(to: url)
    }

    func testPlainIdxRoundTrip() throws {
        let dir = try temporaryDirectory(self)
        let img = dir.appendingPathComponent("a-images"), lab = dir.appendingPathComponent("a-labels")
        try writeIdx(img, words: [0x803, 2, 28, 28], body: [UInt8](repeating: 9, count: 784) + [UInt8](repeating: 200, count: 784))
        try writeIdx(lab, words: [0x801, 2], body: [3, 9])
        let m = try MNIST(images: img, labels: lab)
        XCTAssertEqual(m.labels, [3, 9])
        XCTAssertEqual(m.image(at: 1).gray.pixels[0], 200)
        XCTAssertEqual(m.image(at: 1).label, 9)
    }

    func testGzipIdxIsInflated() throws {
        let dir = try temporaryDirectory(self)
        let img = dir.appendingPathComponent("t10k-images-idx3-ubyte"), lab = dir.appendingPathComponent("t10k-labels-idx1-ubyte")
        var body = [UInt8](); for i in 0..<(3 * 784) { body.append(UInt8(i % 251)) }
        try writeIdx(img, words: [0x803, 3, 28, 28], body: body)
        try writeIdx(lab, words: [0x801, 3], body: [0, 5, 9])
        for url in [img, lab] {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            p.arguments = ["gzip", "-f", url.path]
            try p.run(); p.waitUntilExit()
            try XCTSkipIf(p.terminationStatus != 0, "gzip not available")
        }
        let m = try MNIST(directory: dir)
        XCTAssertEqual(m.labels, [0, 5, 9])
        XCTAssertEqual(m.pixels, body)
    }

    func testBadMagicIsReported() throws {
        let dir = try temporaryDirectory(self)
        let img = dir.appendingPathComponent("img"), lab = dir.appendingPathComponent("lab")
        try writeIdx(img, words: [0x801, 1], body: [1])  // a labels file given as images
        try writeIdx(lab, words: [0x801, 1], body: [1])
        XCTAssertThrowsError(try MNIST(images: img, labels: lab)) { error in
            let message = (error as? LocalizedError)?.errorDescription ?? ""
            XCTAssertTrue(message.contains("bad idx magic"), message)
            XCTAssertTrue(message.contains(img.path), message)
        }
    }

    func testTruncatedBodyIsReported() throws {
        let dir = try temporaryDirectory(self)
        let img = dir.appendingPathComponent("img"), lab = dir.appendingPathComponent("lab")
        try writeIdx(img, words: [0x803, 2, 28, 28], body: [UInt8](repeating: 0, count: 784 + 10))
        try writeIdx(lab, words: [0x801, 2], body: [1, 2])
        XCTAssertThrowsError(try MNIST(images: img, labels: lab)) { error in
            XCTAssertEqual(error as? DatasetError, .corrupt(img, "idx body has 794 bytes, header sizes [2, 28, 28] need 1568"))
        }
    }

    func testCountMismatchAndBadLabelAreReported() throws {
        let dir = try temporaryDirectory(self)
        let img = dir.appendingPathComponent("img"), lab = dir.appendingPathComponent("lab")
        try writeIdx(img, words: [0x803, 1, 28, 28], body: [UInt8](repeating: 0, count: 784))
        try writeIdx(lab, words: [0x801, 2], body: [1, 2])
        XCTAssertThrowsError(try MNIST(images: img, labels: lab)) { error in
            XCTAssertTrue((error as? LocalizedError)?.errorDescription?.contains("2 labels for 1 images") == true)
        }
        try writeIdx(lab, words: [0x801, 1], body: [12])
        XCTAssertThrowsError(try MNIST(images: img, labels: lab)) { error in
            XCTAssertTrue((error as? LocalizedError)?.errorDescription?.contains("label 12") == true)
        }
    }

    func testDamagedGzipAndMissingFilesAreReported() throws {
        let dir = try temporaryDirectory(self)
        let img = dir.appendingPathComponent("img.gz")
        try Data([0x1F, 0x8B, 0x08, 0x00, 0x01, 0x02, 0x03]).write(to: img)
        XCTAssertThrowsError(try MNIST.readIdx(img, expectedMagic: 0x803)) { error in
            guard case .corrupt(let url, _)? = error as? DatasetError else { return XCTFail("\(error)") }
            XCTAssertEqual(url, img)
        }
        // A truncated gzip stream is reported as such.
        let whole = dir.appendingPathComponent("whole")
        try Data([UInt8](repeating: 7, count: 5000)).write(to: whole)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["gzip", "-f", whole.path]
        try p.run(); p.waitUntilExit()
        if p.terminationStatus == 0 {
            let gz = dir.appendingPathComponent("whole.gz")
            let bytes = try Data(contentsOf: gz)
            try bytes.prefix(bytes.count - 12).write(to: gz)
            XCTAssertThrowsError(try MNIST.readIdx(gz, expectedMagic: 0x803)) { error in
                XCTAssertEqual(error as? DatasetError, .corrupt(gz, "gzip data ends early (truncated file)"))
            }
        }
        let missing = dir.appendingPathComponent("nope")
        XCTAssertThrowsError(try MNIST(directory: missing)) { error in
            XCTAssertEqual(error as? DatasetError, .missingFile(missing))
        }
    }
}
