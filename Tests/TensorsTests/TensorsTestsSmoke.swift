import XCTest
@testable import Tensors

final class TensorsTestsSmoke: XCTestCase {
    func testModuleLinks() { XCTAssertEqual(String(describing: TensorsModule.self), "TensorsModule") }
}
