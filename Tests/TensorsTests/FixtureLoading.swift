import Foundation
import XCTest
@testable import Tensors

/// Locates a committed fixture in the test bundle.
func fixtureURL(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws -> URL {
    let parts = name.split(separator: ".", maxSplits: 1).map(String.init)
    guard let url = Bundle.module.url(forResource: parts[0], withExtension: parts.count > 1 ? parts[1] : nil,
                                      subdirectory: "Fixtures") else {
        XCTFail("fixture \(name) missing from the test bundle", file: file, line: line)
        throw XCTSkip("fixture \(name) missing")
    }
    return url
}
