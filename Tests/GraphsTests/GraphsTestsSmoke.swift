import XCTest
@testable import Graphs

final class GraphsTestsSmoke: XCTestCase {
    func testModuleLinks() { XCTAssertEqual(String(describing: GraphsModule.self), "GraphsModule") }
}
