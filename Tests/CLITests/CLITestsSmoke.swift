import XCTest
@testable import Media

final class CLITestsSmoke: XCTestCase {
    func testModuleLinks() { XCTAssertEqual(String(describing: MediaModule.self), "MediaModule") }
}
