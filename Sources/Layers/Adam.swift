import Foundation
import Tensors

/// Adam and AdamW (Kingma & Ba 2015; Loshchilov & Hutter 2019; PyTorch torch.optim.Adam / AdamW).
///
/// With t the step: Adam folds weight decay into the gradient, g = grad + wd p; AdamW decays the
/// parameter directly, p *= 1 - lr wd. Then m = b1 m + (1 - b1) g, v = b2 v + (1 - b2) g^2,
/// p -= (lr / (1 - b1^t)) m / (sqrt(v) / sqrt(1 - b2^t) + eps)  (eps added after bias correction,
/// as PyTorch). State: `<param>.exp_avg`, `<param>.exp_avg_sq`, `step`. The update is one fused loop
/// over unsafe buffers per parameter.
public final class Adam: Optimizer {
    public struct Config: Sendable {
        public var learningRate: Float = 1e-3
        public var beta1: Float = 0.9
        public var beta2: Float = 0.999
        public var eps: Float = 1e-8
        public var weightDecay: Float = 0
        /// AdamW: decoupled weight decay.
        public var decoupledWeightDecay: Bool = false
        public init(learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999, eps: Float = 1e-8,
                    weightDecay: Float = 0, decoupledWeightDecay: Bool = false) {
            self.learningRate = learningRate
            self.beta1 = beta1
            self.beta2 = beta2
            self.eps = eps
            self.weightDecay = weightDecay
            self.decoupledWeightDecay = decoupledWeightDecay
        }

        /// AdamW defaults as PyTorch (weight decay 0.01, decoupled).
        public static func adamW(learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999, eps: Float = 1e-8,
                                 weightDecay: Float = 0.01) -> Config {
            Config(learningRate: learningRate, beta1: beta1, beta2: beta2, eps: eps, weightDecay: weightDecay, decoupledWeightDecay: true)
        }
    }

    public let config: Config
    public let parameters: [(name: String, tensor: Tensor)]
    public var learningRate: Float
    public private(set) var stepCount = 0
    /// Per parameter: first moments (nil until its first update).
    var expAvg: [[Float]?]
    /// Per parameter: second moments.
    var expAvgSq: [[Float]?]

    public init(_ parameters: [(name: String, tensor: Tensor)], _ config: Config = Config()) {
        self.config = config
        self.parameters = parameters
        learningRate = config.learningRate
        expAvg = [[Float]?](repeating: nil, count: parameters.count)
        expAvgSq = expAvg
    }

    /// Optimises every parameter of `module`.
    public convenience init(_ module: any Module, _ config: Config = Config()) { self.init(module.namedParameters(), config) }

    public func step() {
        stepCount += 1
        let t = Float(stepCount)
        let b1 = config.beta1, b2 = config.beta2, eps = config.eps, lr = learningRate
        let stepSize = lr / (1 - Foundation.pow(b1, t))
        let invSqrtBC2 = 1 / (1 - Foundation.pow(b2, t)).squareRoot()
        let l2 = config.decoupledWeightDecay ? 0 : config.weightDecay
        let decay = config.decoupledWeightDecay ? 1 - lr * config.weightDecay : 1
        for i in parameters.indices {
            let p = parameters[i].tensor
            guard let grad = p.grad else { continue }
            var m = expAvg[i] ?? [Float](repeating: 0, count: p.count)
            var v = expAvgSq[i] ?? [Float](repeating: 0, count: p.count)
            expAvg[i] = nil; expAvgSq[i] = nil   // keep the arrays uniquely referenced (no copy on write)
            p.withMutableData { data in
                data.withUnsafeMutableBufferPointer { pp in
                    grad.data.withUnsafeBufferPointer { pg in
                        m.withUnsafeMutableBufferPointer { pm in
                            v.withUnsafeMutableBufferPointer { pv in
                                let base = (p: pp.baseAddress!, g: pg.baseAddress!, m: pm.baseAddress!, v: pv.baseAddress!)
                                // Large tensors: two halves on the two cores (aligned to the SIMD width).
                                let pieces = pp.count >= Adam.parallelThreshold ? Adam.workers : 1
                                DispatchQueue.concurrentPerform(iterations: pieces) { t in
                                    let start = (pp.count * t / pieces) & ~15
                                    let end = t == pieces - 1 ? pp.count : (pp.count * (t + 1) / pieces) & ~15
                                    Adam.update(base.p + start, base.g + start, base.m + start, base.v + start, count: end - start,
                                                b1: b1, b2: b2, eps: eps, stepSize: stepSize, invSqrtBC2: invSqrtBC2,
                                                l2: l2, decay: decay)
                                }
                            }
                        }
                    }
                }
            }
            expAvg[i] = m; expAvgSq[i] = v
        }
    }

    /// Tensors with at least this many elements are updated by `workers` threads.
    static let parallelThreshold = 1 << 16
    static let workers = Swift.max(1, Swift.min(2, ProcessInfo.processInfo.activeProcessorCount))

    /// The fused update loop over raw buffers, 16 lanes at a time (explicit SIMD: the compiler cannot
    /// prove the four buffers do not alias, so it would not vectorise the scalar loop).
    @inline(never)
    static func update(_ p: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>, _ m: UnsafeMutablePointer<Float>,
                       _ v: UnsafeMutablePointer<Float>, count: Int, b1: Float, b2: Float, eps: Float,
                       stepSize: Float, invSqrtBC2: Float, l2: Float, decay: Float) {
        typealias V = SIMD16<Float>
        let c1 = 1 - b1, c2 = 1 - b2
        let vectorEnd = count - count % V.scalarCount
        let rp = UnsafeMutableRawPointer(p), rg = UnsafeRawPointer(g)
        let rm = UnsafeMutableRawPointer(m), rv = UnsafeMutableRawPointer(v)
        var j = 0
        while j < vectorEnd {
            let offset = j * MemoryLayout<Float>.stride
            let pj = rp.loadUnaligned(fromByteOffset: offset, as: V.self)
            let grad = rg.loadUnaligned(fromByteOffset: offset, as: V.self) + l2 * pj
            let mj = b1 * rm.loadUnaligned(fromByteOffset: offset, as: V.self) + c1 * grad
            let vj = b2 * rv.loadUnaligned(fromByteOffset: offset, as: V.self) + c2 * grad * grad
            rm.storeBytes(of: mj, toByteOffset: offset, as: V.self)
            rv.storeBytes(of: vj, toByteOffset: offset, as: V.self)
            rp.storeBytes(of: pj * decay - stepSize * mj / (vj.squareRoot() * invSqrtBC2 + eps), toByteOffset: offset, as: V.self)
            j += V.scalarCount
        }
        while j < count {
            let grad = g[j] + l2 * p[j]
            let mj = b1 * m[j] + c1 * grad
            let vj = b2 * v[j] + c2 * grad * grad
            m[j] = mj; v[j] = vj
            p[j] = p[j] * decay - stepSize * mj / (vj.squareRoot() * invSqrtBC2 + eps)
            j += 1
        }
    }

    public func stateDict() -> [String: Tensor] {
        var dict: [String: Tensor] = ["step": Tensor(scalar: Float(stepCount))]
        for (i, (name, p)) in parameters.enumerated() {
            if let m = expAvg[i] { dict["\(name).exp_avg"] = Tensor(m, shape: p.shape) }
            if let v = expAvgSq[i] { dict["\(name).exp_avg_sq"] = Tensor(v, shape: p.shape) }
        }
        return dict
    }

    public func load(stateDict: [String: Tensor]) throws {
        var buffers = OptimizerBuffers(kinds: ["exp_avg", "exp_avg_sq"], parameterCount: parameters.count)
        stepCount = try buffers.load(stateDict, parameters: parameters)
        expAvg = buffers.values["exp_avg"]!
        expAvgSq = buffers.values["exp_avg_sq"]!
    }
}
