import Foundation
import XCTest
@testable import Tensors

/// safetensors: round trips, a file from the official Python writer, and malformed files.
final class SafeTensorsTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("vidgraph-safetensors-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    func testRoundTrip() throws {
        var rng = RandomGenerator(seed: 1)
        let tensors: [String: Tensor] = [
            "encoder.conv1.weight": Tensor.normal([4, 3, 3, 3], generator: &rng),
            "encoder.conv1.bias": Tensor.normal([4], generator: &rng),
            "scalar": Tensor(scalar: -1.5),
            "empty": Tensor.zeros([0, 3]),
            "name \"quoted\" é": Tensor([1, 2], shape: [2]),
        ]
        let url = directory.appendingPathComponent("model.safetensors")
        try SafeTensors.write(tensors, metadata: ["epoch": "3", "note": "line\nbreak"], to: url)
        let bytes = try Data(contentsOf: url)
        let headerLength = bytes.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        XCTAssertEqual(headerLength % 8, 0, "header padded to 8 bytes")
        let file = try SafeTensors.read(url)
        XCTAssertEqual(file.names, tensors.keys.sorted())
        XCTAssertEqual(file.metadata, ["epoch": "3", "note": "line\nbreak"])
        for (name, t) in tensors {
            let back = try file.tensor(named: name)
            XCTAssertEqual(back.shape, t.shape, name)
            XCTAssertEqual(back.data, t.data, name)
        }
        XCTAssertThrowsError(try file.tensor(named: "missing")) { error in
            XCTAssertEqual((error as? SafeTensorsError)?.kind, .missingTensor)
        }
        // In-memory reading gives the same.
        let again = try SafeTensors.read(data: bytes)
        XCTAssertEqual(try again.tensor(named: "encoder.conv1.bias").data, tensors["encoder.conv1.bias"]!.data)
        // No temporary file is left behind.
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), ["model.safetensors"])
    }

    func testReadsOfficialPythonWriter() throws {
        let file = try SafeTensors.read(fixtureURL("safetensors_python.safetensors"))
        XCTAssertEqual(file.metadata["format"], "pt")
        XCTAssertEqual(file.metadata["note"], "written by safetensors")
        let ramp: [Float] = (0..<6).map { Float($0) / 4 - 0.5 }
        for name in ["f32", "f16", "bf16", "f64"] {
            let t = try file.tensor(named: name)
            XCTAssertEqual(t.shape, [2, 3], name)
            XCTAssertEqual(t.data, ramp, name)  // exactly representable in every dtype
        }
        XCTAssertEqual(file.entries["f16"]?.dtype, .f16)
        XCTAssertEqual(try file.tensor(named: "i64").data, [-3, 0, 7])
        XCTAssertEqual(try file.tensor(named: "scalar").shape, [])
        XCTAssertEqual(try file.tensor(named: "scalar").item, 2.5)
        XCTAssertEqual(try file.tensor(named: "empty").shape, [0, 4])
    }

    func testHalfConversion() {
        XCTAssertEqual(SafeTensorsFile.halfToFloat(0x3C00), 1)
        XCTAssertEqual(SafeTensorsFile.halfToFloat(0xC000), -2)
        XCTAssertEqual(SafeTensorsFile.halfToFloat(0x0001), Float(sign: .plus, exponent: -24, significand: 1))
        XCTAssertEqual(SafeTensorsFile.halfToFloat(0x7C00), .infinity)
        XCTAssertTrue(SafeTensorsFile.halfToFloat(0x7E00).isNaN)
    }

    /// A file with the given header text and data bytes (header length as written unless given).
    func file(header: String, data: Int, declaredLength: UInt64? = nil) -> Data {
        var out = Data()
        let h = Array(header.utf8)
        withUnsafeBytes(of: (declaredLength ?? UInt64(h.count)).littleEndian) { out.append(contentsOf: $0) }
        out.append(contentsOf: h)
        out.append(contentsOf: [UInt8](repeating: 0, count: data))
        return out
    }

    func assertRejects(_ data: Data, _ kind: SafeTensorsError.Kind, _ fragment: String,
                       file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try SafeTensors.read(data: data), file: file, line: line) { error in
            guard let e = error as? SafeTensorsError else { return XCTFail("untyped error \(error)", file: file, line: line) }
            XCTAssertEqual(e.kind, kind, e.message, file: file, line: line)
            XCTAssertTrue(e.localizedDescription.contains(fragment), "message: \(e.localizedDescription)", file: file, line: line)
            XCTAssertTrue(e.localizedDescription.contains("<data>"), file: file, line: line)
        }
    }

    func testRejectsMalformedFiles() throws {
        let good = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#
        XCTAssertNoThrow(try SafeTensors.read(data: file(header: good, data: 8)))
        assertRejects(Data([1, 2, 3]), .truncated, "fewer than the 8-byte")
        // Header longer than the file.
        assertRejects(file(header: good, data: 8, declaredLength: 500), .truncated, "past the end")
        assertRejects(file(header: good, data: 0, declaredLength: 1 << 40), .headerTooLarge, "limit")
        // Truncated data.
        assertRejects(file(header: good, data: 4), .invalidOffsets, "outside")
        // Data longer than the tensors (gap at the end).
        assertRejects(file(header: good, data: 12), .invalidOffsets, "cover 8 bytes")
        assertRejects(file(header: "not json at all", data: 0), .invalidHeader, "start with")
        assertRejects(file(header: #"{"a": [1, 2"#, data: 0), .invalidHeader, "not valid JSON")
        assertRejects(file(header: #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, data: 8),
                      .invalidHeader, "duplicate key")
        var badUTF8 = file(header: good, data: 8)
        badUTF8[12] = 0xFF
        assertRejects(badUTF8, .invalidHeader, "UTF-8")
        // Overlapping offsets.
        assertRejects(file(header: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, data: 8),
                      .invalidOffsets, "overlap")
        // Wrong byte count for the dtype.
        assertRejects(file(header: #"{"a":{"dtype":"F64","shape":[2],"data_offsets":[0,8]}}"#, data: 8), .invalidShape, "needs 16 bytes")
        assertRejects(file(header: #"{"a":{"dtype":"C64","shape":[1],"data_offsets":[0,8]}}"#, data: 8), .unsupportedDType, "C64")
        // Absurd shapes overflow the element count.
        assertRejects(file(header: #"{"a":{"dtype":"F32","shape":[1099511627776,1099511627776],"data_offsets":[0,8]}}"#, data: 8),
                      .invalidShape, "too large")
        assertRejects(file(header: #"{"a":{"dtype":"F32","shape":[99999999999999999999],"data_offsets":[0,8]}}"#, data: 8),
                      .invalidShape, "non-negative integer")
        assertRejects(file(header: #"{"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}"#, data: 8), .invalidShape, "non-negative")
        // Offsets past the end of the data.
        assertRejects(file(header: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}"#, data: 8), .invalidOffsets, "outside")
        assertRejects(file(header: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0]}}"#, data: 8), .invalidOffsets, "pair")
        assertRejects(file(header: #"{"a":{"dtype":"F32","shape":[2]}}"#, data: 8), .invalidHeader, "needs dtype")
        assertRejects(file(header: #"{"__metadata__":{"k":3}}"#, data: 0), .invalidHeader, "not a string")
    }

    func testTruncatedRealFile() throws {
        let url = directory.appendingPathComponent("t.safetensors")
        try SafeTensors.write(["w": Tensor.ones([16])], to: url)
        let bytes = try Data(contentsOf: url)
        assertRejects(bytes.prefix(bytes.count - 5), .invalidOffsets, "outside")
        assertRejects(bytes.prefix(20), .truncated, "past the end")
        XCTAssertThrowsError(try SafeTensors.read(directory.appendingPathComponent("absent.safetensors"))) { error in
            XCTAssertEqual((error as? SafeTensorsError)?.kind, .io)
            XCTAssertTrue(error.localizedDescription.contains("absent.safetensors"))
        }
    }
}
