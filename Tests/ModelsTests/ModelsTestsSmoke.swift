import XCTest
@testable import Models

final class ModelsTestsSmoke: XCTestCase {
    func testModuleLinks() { XCTAssertEqual(String(describing: ModelsModule.self), "ModelsModule") }
}
