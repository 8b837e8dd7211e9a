import Foundation
import Layers
import Tensors

/// Two-layer perceptron `Linear -> ReLU -> Linear` used inside graph layers, with PyTorch
/// `nn.Sequential` parameter names (`0.weight`, `0.bias`, `2.weight`, `2.bias`).
final class GraphMLP: Module {
    let first: Linear
    let second: Linear
    var isTraining = true

    init(_ input: Int, _ hidden: Int, _ output: Int, generator: inout RandomGenerator) {
        first = Linear(input, hidden, generator: &generator)
        second = Linear(hidden, output, generator: &generator)
    }

    var children: [(name: String, module: any Module)] { [("0", first), ("2", second)] }

    /// `[..., input]` -> `[..., output]`.
    func callAsFunction(_ x: Tensor) -> Tensor { second(first(x).relu()) }
}
