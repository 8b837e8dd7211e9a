import Foundation
import XCTest

/// Locations shared by the evaluation tests.
enum TestSupport {
    /// The committed fixtures folder.
    static var fixtures: URL {
        Bundle.module.resourceURL!.appendingPathComponent("Fixtures")
    }

    /// The repository root (this file is Tests/EvaluationTests/TestSupport.swift).
    static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// `../shared/data` (or $VIDGRAPH_SHARED_DATA), or a skip when absent.
    static func sharedData() throws -> URL {
        let url = ProcessInfo.processInfo.environment["VIDGRAPH_SHARED_DATA"].map { URL(fileURLWithPath: $0) }
            ?? repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/data")
        guard FileManager.default.fileExists(atPath: url.appendingPathComponent("davis16-dev").path) else {
            throw XCTSkip("../shared/data not present: \(url.path)")
        }
        return url
    }

    /// A fresh temporary folder, removed when `test` ends.
    static func temporaryFolder(_ test: XCTestCase) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("vidgraph-eval-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    /// The golden JSON written by tools/reference/davis_eval_golden.py.
    static func golden() throws -> [String: Any] {
        let data = try Data(contentsOf: fixtures.appendingPathComponent("davis_golden.json"))
        return try JSONSerialization.jsonObject(with: data) as! [String: Any]
    }
}
