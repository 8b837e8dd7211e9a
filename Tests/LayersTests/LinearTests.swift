import XCTest
import Tensors
@testable import Layers

final class LinearTests: XCTestCase {
    func testLinearShapesNamesAndValues() throws {
        var rng = RandomGenerator(seed: 1)
        let layer = Linear(3, 2, generator: &rng)
        XCTAssertEqual(layer.namedParameters().map(\.name), ["weight", "bias"])
        XCTAssertEqual(layer.parameterCount, 8)
        layer.weight.assign([1, 0, 0, 0, 1, 1])
        layer.bias!.assign([0.5, -0.5])
        let y = layer(Tensor([1, 2, 3, 4, 5, 6], shape: [2, 1, 3]))
        XCTAssertEqual(y.shape, [2, 1, 2])
        XCTAssertEqual(y.data, [1.5, 4.5, 4.5, 10.5])
    }

    func testStateDictRoundTripAndErrors() throws {
        var rng = RandomGenerator(seed: 2)
        let a = Linear(4, 3, generator: &rng), b = Linear(4, 3, generator: &rng)
        try b.load(stateDict: a.stateDict())
        XCTAssertEqual(a.weight.data, b.weight.data)
        XCTAssertThrowsError(try b.load(stateDict: ["weight": a.weight])) {
            XCTAssertEqual($0 as? ModuleError, .missingParameter("bias"))
        }
        XCTAssertThrowsError(try b.load(stateDict: ["weight": Tensor.zeros([3, 3]), "bias": a.bias!]))
    }
}
