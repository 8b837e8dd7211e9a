import Foundation
import XCTest
import Tensors
@testable import Layers

/// A golden fixture written by tools/reference/layer_goldens.py (safetensors, read with `SafeTensors`).
/// Keys: `param.<name>`, `input.<name>`, `input.seed_<out>`, `output.<name>`, `grad.<name>`, `state.<name>`.
struct Fixture {
    let tensors: [String: Tensor]

    init(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let url = try XCTUnwrap(Bundle.module.url(forResource: name, withExtension: "safetensors", subdirectory: "Fixtures"),
                                "fixture \(name).safetensors missing; run tools/reference/layer_goldens.py", file: file, line: line)
        tensors = try SafeTensors.read(url).tensors()
    }

    subscript(_ key: String) -> Tensor {
        guard let t = tensors[key] else { preconditionFailure("fixture has no \(key); keys: \(tensors.keys.sorted())") }
        return t
    }

    /// A fresh copy (so tests can set requiresGrad without touching the fixture).
    func input(_ name: String) -> Tensor { Tensor(self["input." + name].data, shape: self["input." + name].shape, requiresGrad: true) }

    /// The `param.*` entries with the prefix removed (a PyTorch state_dict).
    var parameters: [String: Tensor] {
        var dict: [String: Tensor] = [:]
        for (k, v) in tensors where k.hasPrefix("param.") { dict[String(k.dropFirst(6))] = v }
        return dict
    }
}

/// Asserts two tensors have the same shape and values within atol + rtol |expected|.
func assertClose(_ actual: Tensor?, _ expected: Tensor, atol: Float = 1e-5, rtol: Float = 1e-4, _ what: String = "",
                 file: StaticString = #filePath, line: UInt = #line) {
    guard let actual else { XCTFail("\(what): missing tensor", file: file, line: line); return }
    XCTAssertEqual(actual.count, expected.count, "\(what): element count", file: file, line: line)
    guard actual.count == expected.count else { return }
    var worst: Float = 0, worstIndex = 0
    for i in 0..<actual.count {
        let excess = abs(actual.data[i] - expected.data[i]) - (atol + rtol * abs(expected.data[i]))
        if excess > worst { worst = excess; worstIndex = i }
    }
    XCTAssertEqual(worst, 0, "\(what): element \(worstIndex) is \(actual.data[worstIndex]), expected \(expected.data[worstIndex])",
                   file: file, line: line)
}

/// Loads a module case: parameters by PyTorch name (strict), runs `forward` on fresh inputs,
/// back-propagates the saved seeds and compares outputs and gradients of inputs and parameters.
func checkModuleGolden(_ name: String, module: any Module, inputs: [String], atol: Float = 1e-5, rtol: Float = 1e-4,
                       file: StaticString = #filePath, line: UInt = #line,
                       _ forward: ([String: Tensor]) -> [String: Tensor]) throws {
    let fixture = try Fixture(name)
    try module.load(stateDict: fixture.parameters.filter { !$0.key.hasPrefix("state.") }, strict: true)
    var xs: [String: Tensor] = [:]
    for key in inputs { xs[key] = fixture.input(key) }
    let outputs = forward(xs)
    var loss: Tensor?
    for (key, y) in outputs {
        assertClose(y, fixture["output." + key], atol: atol, rtol: rtol, "\(name) output \(key)", file: file, line: line)
        let term = (y * fixture["input.seed_" + key]).sum()
        loss = loss.map { $0 + term } ?? term
    }
    module.zeroGrad()
    loss!.backward()
    for key in inputs where fixture.tensors["grad." + key] != nil {
        assertClose(xs[key]!.grad, fixture["grad." + key], atol: atol, rtol: rtol, "\(name) grad \(key)", file: file, line: line)
    }
    for (pname, p) in module.namedParameters() {
        assertClose(p.grad, fixture["grad." + pname], atol: atol, rtol: rtol, "\(name) grad \(pname)", file: file, line: line)
    }
}
