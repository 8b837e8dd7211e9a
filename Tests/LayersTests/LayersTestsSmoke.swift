import XCTest
@testable import Layers

final class LayersTestsSmoke: XCTestCase {
    func testModuleLinks() { XCTAssertEqual(String(describing: LayersModule.self), "LayersModule") }
}
