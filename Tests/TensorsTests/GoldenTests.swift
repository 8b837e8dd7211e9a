import XCTest
@testable import Tensors

/// Forward outputs and input gradients against PyTorch (tools/reference/tensor_goldens.py).
/// Each case: inputs `<case>.in<i>`, output `<case>.out`, loss weights `<case>.w`, gradients of
/// sum(out * w) `<case>.grad<i>`. Tolerance: max |ours - torch| / max(max |torch|, 1) < 1e-4
/// (Float32 sums of at most a few hundred terms against float64 references).
final class GoldenTests: XCTestCase {
    static let ops: [String: ([Tensor]) -> Tensor] = [
        "add": { $0[0] + $0[1] },
        "sub": { $0[0] - $0[1] },
        "mul": { $0[0] * $0[1] },
        "div": { $0[0] / $0[1] },
        "exp": { $0[0].exp() },
        "log": { $0[0].log() },
        "sqrt": { $0[0].sqrt() },
        "pow": { $0[0].pow(2.5) },
        "abs": { $0[0].abs() },
        "relu": { $0[0].relu() },
        "leaky_relu": { $0[0].leakyRelu(0.1) },
        "sigmoid": { $0[0].sigmoid() },
        "tanh": { $0[0].tanh() },
        "gelu": { $0[0].gelu() },
        "clamp": { $0[0].clamp(min: -0.5, max: 0.7) },
        "sum": { $0[0].sum(axes: [0, 2], keepDims: true) },
        "mean": { $0[0].mean(axis: 1) },
        "max": { $0[0].max(axis: -1) },
        "matmul": { Tensor.matmul($0[0], $0[1]) },
        "matmul_ta_tb": { Tensor.matmul($0[0], $0[1], transposeA: true, transposeB: true) },
        "bmm": { Tensor.matmul($0[0], $0[1]) },
        "matmul_shared": { Tensor.matmul($0[0], $0[1]) },
        "conv_basic": { Tensor.conv2d($0[0], weight: $0[1], bias: $0[2], padding: (1, 1)) },
        "conv_stride_dilation": {
            Tensor.conv2d($0[0], weight: $0[1], bias: $0[2], stride: (2, 1), padding: (2, 1), dilation: (2, 3))
        },
        "conv_groups": { Tensor.conv2d($0[0], weight: $0[1], bias: $0[2], stride: (2, 2), padding: (1, 1), groups: 2) },
        "conv_depthwise": { Tensor.conv2d($0[0], weight: $0[1], bias: $0[2], padding: (1, 1), groups: 3) },
        "conv_pointwise": { Tensor.conv2d($0[0], weight: $0[1], bias: $0[2]) },
        "max_pool": { $0[0].maxPool2d(kernel: (2, 2)) },
        "max_pool_pad": { $0[0].maxPool2d(kernel: (3, 3), stride: (2, 2), padding: (1, 1)) },
        "avg_pool": { $0[0].avgPool2d(kernel: (3, 3), stride: (2, 2), padding: (1, 1)) },
        "avg_pool_exclude_pad": { $0[0].avgPool2d(kernel: (3, 3), stride: (2, 2), padding: (1, 1), countIncludePad: false) },
        "adaptive_avg_pool": { $0[0].adaptiveAvgPool2d(outputSize: (3, 4)) },
        "area_down": { $0[0].areaResize(to: (4, 3)) },
        "area_up": { $0[0].areaResize(to: (7, 6)) },
        "bilinear_up": { $0[0].upsampleBilinear(size: (9, 7)) },
        "bilinear_down": { $0[0].upsampleBilinear(size: (4, 3)) },
        "bilinear_align": { $0[0].upsampleBilinear(size: (7, 9), alignCorners: true) },
        "softmax": { $0[0].softmax(axis: 1) },
        "log_softmax": { $0[0].logSoftmax(axis: 0) },
        "concat": { Tensor.concat([$0[0], $0[1]], axis: 1) },
        "slice": { $0[0].slice(axis: 1, start: 1, end: 4) },
        "permute": { $0[0].permuted([2, 0, 1]) },
        "pad": { $0[0].padded([(1, 0), (0, 3), (2, 1)], value: 0.25) },
    ]

    func assertClose(_ ours: Tensor, _ reference: Tensor, _ label: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(ours.shape, reference.shape, "\(label): shape", file: file, line: line)
        guard ours.shape == reference.shape else { return }
        var worst: Float = 0, scale: Float = 1
        for i in 0..<ours.count {
            worst = max(worst, abs(ours.data[i] - reference.data[i]))
            scale = max(scale, abs(reference.data[i]))
        }
        XCTAssertLessThan(worst / scale, 1e-4, "\(label): max error \(worst) (scale \(scale))", file: file, line: line)
    }

    func testAllOpsMatchPyTorch() throws {
        let file = try SafeTensors.read(fixtureURL("tensor_goldens.safetensors"))
        let cases = Set(file.names.compactMap { $0.hasSuffix(".out") ? String($0.dropLast(4)) : nil })
        XCTAssertGreaterThanOrEqual(cases.count, 40)
        XCTAssertEqual(cases, Set(Self.ops.keys), "fixture cases and Swift ops differ")
        for name in cases.sorted() {
            guard let op = Self.ops[name] else { continue }
            var inputs: [Tensor] = []
            while file.entries["\(name).in\(inputs.count)"] != nil {
                let t = try file.tensor(named: "\(name).in\(inputs.count)")
                t.requiresGrad = true
                inputs.append(t)
            }
            let out = op(inputs)
            assertClose(out, try file.tensor(named: "\(name).out"), "\(name) forward")
            (out * (try file.tensor(named: "\(name).w"))).sum().backward()
            for (i, t) in inputs.enumerated() {
                guard let grad = t.grad else { XCTFail("\(name): input \(i) got no gradient"); continue }
                assertClose(grad, try file.tensor(named: "\(name).grad\(i)"), "\(name) grad\(i)")
            }
        }
    }
}
