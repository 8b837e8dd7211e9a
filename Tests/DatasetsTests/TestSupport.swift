import Foundation
import XCTest

/// Locates ../shared/data (or $VIDGRAPH_SHARED_DATA); nil when absent.
func sharedDataDirectory() -> URL? {
    if let env = ProcessInfo.processInfo.environment["VIDGRAPH_SHARED_DATA"], !env.isEmpty {
        let url = URL(fileURLWithPath: env)
        return FileManager.default.fileExists(atPath: url.path) ? url : nil
    }
    // Tests/DatasetsTests/<file> -> repository root -> ../shared/data
    let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let url = repo.deletingLastPathComponent().appendingPathComponent("shared/data")
    return FileManager.default.fileExists(atPath: url.path) ? url : nil
}

/// The MNIST folder of ../shared/data, or an XCTSkip saying it is absent.
func sharedMNISTDirectory() throws -> URL {
    guard let data = sharedDataDirectory() else { throw XCTSkip("../shared/data not present: MNIST tests skipped") }
    let url = data.appendingPathComponent("mnist")
    guard FileManager.default.fileExists(atPath: url.appendingPathComponent("t10k-labels-idx1-ubyte.gz").path) else {
        throw XCTSkip("../shared/data/mnist not present: MNIST tests skipped")
    }
    return url
}

/// A fresh temporary folder removed at the end of the test.
func temporaryDirectory(_ test: XCTestCase) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("vidgraph-datasets-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
}
