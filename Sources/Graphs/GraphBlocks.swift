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

/// Layer normalisation over the last axis (PyTorch `nn.LayerNorm(features)`): names `weight`, `bias`.
/// Composite of primitive ops (mean, variance with the biased estimator, eps 1e-5).
final class GraphLayerNorm: Module {
    let weight: Tensor
    let bias: Tensor
    let eps: Float
    var isTraining = true

    init(_ features: Int, eps: Float = 1e-5) {
        weight = Tensor.ones([features], requiresGrad: true)
        bias = Tensor.zeros([features], requiresGrad: true)
        self.eps = eps
    }

    var ownParameters: [(name: String, tensor: Tensor)] { [("weight", weight), ("bias", bias)] }

    /// `[..., F]` -> `[..., F]`.
    func callAsFunction(_ x: Tensor) -> Tensor {
        let centred = x - x.mean(axis: -1, keepDims: true)
        let variance = (centred * centred).mean(axis: -1, keepDims: true)
        return centred / (variance + eps).sqrt() * weight + bias
    }
}

/// LSTM cell with PyTorch `nn.LSTMCell` semantics and names (`weight_ih` `[4H, I]`, `weight_hh`
/// `[4H, H]`, `bias_ih`, `bias_hh` `[4H]`; gate order input, forget, cell, output).
final class GraphLSTMCell: Module {
    let inputSize: Int
    let hiddenSize: Int
    let weightIH: Tensor
    let weightHH: Tensor
    let biasIH: Tensor
    let biasHH: Tensor
    var isTraining = true

    init(_ inputSize: Int, _ hiddenSize: Int, generator: inout RandomGenerator) {
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        let b = 1 / Float(hiddenSize).squareRoot()
        weightIH = Tensor.uniform([4 * hiddenSize, inputSize], low: -b, high: b, generator: &generator, requiresGrad: true)
        weightHH = Tensor.uniform([4 * hiddenSize, hiddenSize], low: -b, high: b, generator: &generator, requiresGrad: true)
        biasIH = Tensor.uniform([4 * hiddenSize], low: -b, high: b, generator: &generator, requiresGrad: true)
        biasHH = Tensor.uniform([4 * hiddenSize], low: -b, high: b, generator: &generator, requiresGrad: true)
    }

    var ownParameters: [(name: String, tensor: Tensor)] {
        [("weight_ih", weightIH), ("weight_hh", weightHH), ("bias_ih", biasIH), ("bias_hh", biasHH)]
    }

    /// One step: x `[B, I]`, (h, c) `[B, H]` -> (h', c').
    func step(_ x: Tensor, _ state: (h: Tensor, c: Tensor)) -> (h: Tensor, c: Tensor) {
        let gates = Tensor.matmul(x, weightIH, transposeB: true) + biasIH
            + Tensor.matmul(state.h, weightHH, transposeB: true) + biasHH      // [B, 4H]
        let parts = gates.split(axis: 1, sizes: [hiddenSize, hiddenSize, hiddenSize, hiddenSize])
        let i = parts[0].sigmoid(), f = parts[1].sigmoid(), g = parts[2].tanh(), o = parts[3].sigmoid()
        let c = f * state.c + i * g
        return (o * c.tanh(), c)
    }
}
