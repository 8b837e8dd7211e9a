import Foundation
import XCTest
@testable import Tensors

/// A flattened tensor in a golden fixture.
struct FixtureTensor: Decodable {
    let shape: [Int]
    let data: [Float]
    var tensor: Tensor { Tensor(data, shape: shape) }
}

/// A layer golden written by tools/reference/graph_goldens.py.
struct LayerGolden: Decodable {
    let x: FixtureTensor
    let state: [String: FixtureTensor]
    let output: FixtureTensor
    let seed: FixtureTensor
    let grad_x: FixtureTensor
    let grads: [String: FixtureTensor]
    let edge_index: [Int32]?
    let edge_count: Int?
    let edge_weight: [Float]?
    let attention_edge_index: [Int32]?
    let attention: FixtureTensor?
    let extra: [String: FixtureTensor]?

    static func load(_ name: String) throws -> LayerGolden {
        guard let url = Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures") else {
            throw XCTSkip("fixture \(name).json missing")
        }
        return try JSONDecoder().decode(LayerGolden.self, from: Data(contentsOf: url))
    }

    var sources: [Int32] { Array(edge_index![0..<edge_count!]) }
    var targets: [Int32] { Array(edge_index![edge_count!...]) }
}
