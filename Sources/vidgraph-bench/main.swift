// Tensor micro-benchmarks, run by tools/bench-tensors next to a PyTorch peer
// (tools/bench/tensors_peer.py). Prints one JSON object per case: {"name", "ms", "threads", ...}.
// Usage: vidgraph-bench [--threads N] [--repeats R] [--memory-steps S] [--only NAME]
import Foundation
import Tensors

var threads = 2, repeats = 20, memorySteps = 10_000
var only: String?
var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let flag = arguments.next() {
    switch flag {
    case "--threads": threads = Int(arguments.next() ?? "") ?? threads
    case "--repeats": repeats = Int(arguments.next() ?? "") ?? repeats
    case "--memory-steps": memorySteps = Int(arguments.next() ?? "") ?? memorySteps
    case "--only": only = arguments.next()
    default:
        FileHandle.standardError.write("vidgraph-bench: unknown argument \(flag)\n".data(using: .utf8)!)
        exit(2)
    }
}
ComputeThreads.count = threads

func now() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}

func cpuNow() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}

/// CPU time (all threads) of the last `measure`, median over the repeats, in milliseconds.
var lastCPUms = 0.0

/// Median wall time in milliseconds over `repeats` runs after 3 warm-up runs (also sets `lastCPUms`).
func measure(_ body: () -> Void) -> Double {
    for _ in 0..<3 { body() }
    var times: [Double] = [], cpu: [Double] = []
    for _ in 0..<repeats {
        let t = now(), c = cpuNow()
        body()
        times.append((now() - t) * 1000)
        cpu.append((cpuNow() - c) * 1000)
    }
    times.sort()
    cpu.sort()
    lastCPUms = cpu[cpu.count / 2]
    return times[times.count / 2]
}

func report(_ name: String, _ ms: Double, extra: [String: Double] = [:]) {
    var fields = ["\"name\":\"\(name)\"", "\"ms\":\(String(format: "%.4f", ms))", "\"cpu_ms\":\(String(format: "%.4f", lastCPUms))",
                  "\"threads\":\(threads)"]
    for (k, v) in extra.sorted(by: { $0.key < $1.key }) { fields.append("\"\(k)\":\(String(format: "%.3f", v))") }
    print("{\(fields.joined(separator: ","))}")
    fflush(stdout)
}

func wanted(_ name: String) -> Bool { only == nil || name.hasPrefix(only!) }

var rng = RandomGenerator(seed: 0)

// sgemm 1024^3.
if wanted("sgemm") {
    let n = 1024
    let a = Tensor.normal([n, n], generator: &rng), b = Tensor.normal([n, n], generator: &rng)
    var c = [Float](repeating: 0, count: n * n)
    let ms = measure {
        a.data.withUnsafeBufferPointer { pa in b.data.withUnsafeBufferPointer { pb in c.withUnsafeMutableBufferPointer { pc in
            BLAS.sgemm(transposeA: false, transposeB: false, m: n, n: n, k: n, a: pa.baseAddress!, lda: n,
                       b: pb.baseAddress!, ldb: n, c: pc.baseAddress!, ldc: n)
        } } }
    }
    report("sgemm_1024", ms, extra: ["gflops": 2 * pow(1024, 3) / ms / 1e6])
}

// 3x3 conv 64 -> 64 on 1x64x64x64.
if wanted("conv") {
    let x = Tensor.normal([1, 64, 64, 64], generator: &rng)
    let w = Tensor.normal([64, 64, 3, 3], std: 0.05, generator: &rng)
    let b = Tensor.normal([64], generator: &rng)
    let flops = 2.0 * 64 * 64 * 9 * 64 * 64
    let fwd = measure { _ = GradMode.disabled { Tensor.conv2d(x, weight: w, bias: b, padding: (1, 1)) } }
    report("conv3x3_64_fwd", fwd, extra: ["gflops": flops / fwd / 1e6])
    x.requiresGrad = true; w.requiresGrad = true; b.requiresGrad = true
    let bwd = measure {
        let y = Tensor.conv2d(x, weight: w, bias: b, padding: (1, 1))
        y.sum().backward()
        x.zeroGrad(); w.zeroGrad(); b.zeroGrad()
    }
    report("conv3x3_64_fwd_bwd", bwd)
}

/// A ConvGRU cell from raw ops: [z, r] = sigmoid(conv([x, h])), n = tanh(conv([x, r * h])),
/// h' = (1 - z) * h + z * n.
struct ConvGRUCell {
    let wGates: Tensor, bGates: Tensor, wCand: Tensor, bCand: Tensor
    let hidden: Int

    init(input: Int, hidden: Int, generator: inout RandomGenerator) {
        self.hidden = hidden
        wGates = Tensor.normal([2 * hidden, input + hidden, 3, 3], std: 0.03, generator: &generator)  // [2H, Cin+H, 3, 3]
        bGates = Tensor.zeros([2 * hidden])
        wCand = Tensor.normal([hidden, input + hidden, 3, 3], std: 0.03, generator: &generator)       // [H, Cin+H, 3, 3]
        bCand = Tensor.zeros([hidden])
    }

    var parameters: [Tensor] { [wGates, bGates, wCand, bCand] }

    func step(_ x: Tensor, _ h: Tensor) -> Tensor {
        let gates = Tensor.conv2d(Tensor.concat([x, h], axis: 1), weight: wGates, bias: bGates, padding: (1, 1)).sigmoid()
        let zr = gates.split(axis: 1, sizes: [hidden, hidden])
        let candidate = Tensor.conv2d(Tensor.concat([x, zr[1] * h], axis: 1), weight: wCand, bias: bCand, padding: (1, 1)).tanh()
        return (1 - zr[0]) * h + zr[0] * candidate
    }
}

if wanted("convgru") {
    let cell = ConvGRUCell(input: 64, hidden: 64, generator: &rng)
    let x = Tensor.normal([1, 64, 64, 64], generator: &rng), h = Tensor.normal([1, 64, 64, 64], generator: &rng)
    let fwd = measure { _ = GradMode.disabled { cell.step(x, h) } }
    report("convgru_64_fwd", fwd)
    for p in cell.parameters { p.requiresGrad = true }
    x.requiresGrad = true; h.requiresGrad = true
    let bwd = measure {
        cell.step(x, h).sum().backward()
        for t in cell.parameters + [x, h] { t.zeroGrad() }
    }
    report("convgru_64_fwd_bwd", bwd)
}

// Attention between two 64x32x32 maps: softmax(Q K^T / 8) V with Q, K, V = the flattened maps.
if wanted("attention") {
    let a = Tensor.normal([64, 32, 32], generator: &rng, requiresGrad: true)
    let b = Tensor.normal([64, 32, 32], generator: &rng, requiresGrad: true)
    let ms = measure {
        let q = a.reshaped([64, 1024]), k = b.reshaped([64, 1024])                   // [C, HW]
        let scores = Tensor.matmul(q, k, transposeA: true) * (1 / 8)                  // [HW, HW]
        let attn = scores.softmax(axis: -1)
        let out = Tensor.matmul(attn, k, transposeB: true)                            // [HW, C]
        out.sum().backward()
        a.zeroGrad(); b.zeroGrad()
    }
    report("attention_64x32x32_fwd_bwd", ms)
}

// Adam over 10M parameters, flat arrays.
if wanted("adam") {
    let n = 10_000_000
    var p = [Float](repeating: 0.5, count: n), m = [Float](repeating: 0, count: n), v = [Float](repeating: 0, count: n)
    let g = (0..<n).map { Float($0 % 97) * 0.01 - 0.4 }
    var t = 0
    let (lr, b1, b2, eps): (Float, Float, Float, Float) = (1e-3, 0.9, 0.999, 1e-8)
    let ms = measure {
        t += 1
        let c1 = 1 / (1 - Foundation.pow(b1, Float(t))), c2 = 1 / (1 - Foundation.pow(b2, Float(t)))
        p.withUnsafeMutableBufferPointer { pp in m.withUnsafeMutableBufferPointer { mp in v.withUnsafeMutableBufferPointer { vp in
            g.withUnsafeBufferPointer { gp in
                let pieces = threads
                DispatchQueue.concurrentPerform(iterations: pieces) { piece in
                    let lo = n * piece / pieces, hi = n * (piece + 1) / pieces
                    for i in lo..<hi {
                        let gi = gp[i]
                        let mi = b1 * mp[i] + (1 - b1) * gi
                        let vi = b2 * vp[i] + (1 - b2) * gi * gi
                        mp[i] = mi; vp[i] = vi
                        pp[i] -= lr * (mi * c1) / ((vi * c2).squareRoot() + eps)
                    }
                }
            }
        } } }
    }
    report("adam_10M", ms)
}

// Memory: inference steps of the ConvGRU cell under GradMode.disabled must not grow RSS.
if wanted("memory") && memorySteps > 0 {
    func rssMB() -> Double {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return -1 }
        let pages = Double(text.split(separator: " ")[1]) ?? -1
        return pages * Double(sysconf(Int32(_SC_PAGESIZE))) / 1_048_576
    }
    let cell = ConvGRUCell(input: 32, hidden: 32, generator: &rng)
    let x = Tensor.normal([1, 32, 16, 16], generator: &rng)
    var h = Tensor.zeros([1, 32, 16, 16])
    GradMode.disabled { for _ in 0..<100 { h = cell.step(x, h) } }
    let before = rssMB()
    let t = now()
    GradMode.disabled { for _ in 0..<memorySteps { h = cell.step(x, h) } }
    let elapsed = (now() - t) * 1000
    let after = rssMB()
    report("convgru_memory_steps", elapsed / Double(memorySteps),
           extra: ["steps": Double(memorySteps), "rss_before_mb": before, "rss_after_mb": after])
}
