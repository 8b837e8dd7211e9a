import XCTest
@testable import Media

final class MediaTestsSmoke: XCTestCase {
    func testModuleLinks() { XCTAssertEqual(String(describing: MediaModule.self), "MediaModule") }
}
