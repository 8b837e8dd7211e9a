import XCTest
@testable import Evaluation

final class EvaluationTestsSmoke: XCTestCase {
    func testModuleLinks() { XCTAssertEqual(String(describing: EvaluationModule.self), "EvaluationModule") }
}
