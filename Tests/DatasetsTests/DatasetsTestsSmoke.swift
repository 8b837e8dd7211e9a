import XCTest
@testable import Datasets

final class DatasetsTestsSmoke: XCTestCase {
    func testModuleLinks() { XCTAssertEqual(String(describing: DatasetsModule.self), "DatasetsModule") }
}
