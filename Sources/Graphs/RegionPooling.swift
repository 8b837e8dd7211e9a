import Foundation
import Tensors

/// A set of pixels of one frame of a feature map to average: `frame` indexes axis 0 of a
/// `[T, C, H, W]` map, `pixels` are flat `y * W + x` indices (duplicates count twice).
public struct PoolingRegion: Sendable, Equatable {
    public var frame: Int
    /// `y * W + x` on the feature map's grid.
    public var pixels: [Int32]

    public init(frame: Int, pixels: [Int32]) {
        self.frame = frame; self.pixels = pixels
    }

    /// The pixels of the rectangle rows `y0..<y1`, columns `x0..<x1` on a map `width` wide.
    public static func rectangle(frame: Int, y0: Int, y1: Int, x0: Int, x1: Int, width: Int) -> PoolingRegion {
        var pixels: [Int32] = []
        pixels.reserveCapacity(Swift.max(0, (y1 - y0) * (x1 - x0)))
        for y in y0..<y1 { for x in x0..<x1 { pixels.append(Int32(y * width + x)) } }
        return PoolingRegion(frame: frame, pixels: pixels)
    }
}

/// Differentiable average pooling of a feature map `[T, C, H, W]` under regions (cells, masks) -> `[N, C]`.
///
/// `out[n, c] = mean_{p in region n} map[frame(n), c, p]` (0 for an empty region). Backward:
/// `dmap[frame(n), c, p] += g[n, c] / |region n|` for every pixel p of region n.
public enum RegionPooling {
    public static func pool(_ map: Tensor, regions: [PoolingRegion]) -> Tensor {
        precondition(map.rank == 4, "RegionPooling.pool: map \(map.shape) is not [T, C, H, W]")
        let t = map.shape[0], c = map.shape[1], hw = map.shape[2] * map.shape[3]
        for r in regions {
            precondition(r.frame >= 0 && r.frame < t, "RegionPooling.pool: frame \(r.frame) out of range for \(map.shape)")
            precondition(r.pixels.allSatisfy { $0 >= 0 && Int($0) < hw }, "RegionPooling.pool: pixel out of range for \(map.shape)")
        }
        let n = regions.count
        var out = [Float](repeating: 0, count: n * c)
        map.data.withUnsafeBufferPointer { src in
            for (i, r) in regions.enumerated() where !r.pixels.isEmpty {
                let inv = 1 / Float(r.pixels.count)
                for ch in 0..<c {
                    let plane = src.baseAddress! + (r.frame * c + ch) * hw
                    var total: Float = 0
                    for p in r.pixels { total += plane[Int(p)] }
                    out[i * c + ch] = total * inv
                }
            }
        }
        return Tensor.record(Tensor(out, shape: [n, c]), inputs: [map]) { g in
            map.accumulateGrad { dst in
                for (i, r) in regions.enumerated() where !r.pixels.isEmpty {
                    let inv = 1 / Float(r.pixels.count)
                    for ch in 0..<c {
                        let plane = dst.baseAddress! + (r.frame * c + ch) * hw
                        let v = g.data[i * c + ch] * inv
                        for p in r.pixels { plane[Int(p)] += v }
                    }
                }
            }
        }
    }

    /// Adaptive-average-pool cell bounds: cell i of n over `extent` covers
    /// `floor(i * extent / n) ..< ceil((i + 1) * extent / n)` (as PyTorch's adaptive_avg_pool2d).
    public static func cellBounds(_ i: Int, of n: Int, extent: Int) -> Range<Int> {
        let start = (i * extent) / n
        let end = ((i + 1) * extent + n - 1) / n
        return start..<end
    }
}
