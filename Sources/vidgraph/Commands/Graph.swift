import ArgumentParser
import Foundation
import Graphs
import Media
import Tensors

/// `vidgraph graph`: decodes a video, builds its space-time graph (patch, region or frame nodes)
/// and writes the structure as JSON, optionally with a PNG of one frame showing node boxes and edges.
///
/// Features are a fixed pooling of the raw frames (mean RGB in [0, 1] over 8 x 8 pixel blocks:
/// a `[T, 3, H/8, W/8]` map); trained backbones replace it in the models.
///
/// Region nodes (Wang & Gupta) are SLIC superpixels or connected components of bright pixels
/// (`--region-source`), with both of the paper's edge types: spatial-temporal IoU edges (forward
/// t -> t+1 and backward t+1 -> t) and similarity edges, here the `--similarity-k` strongest
/// `softmax_j(x_i^T x_j)` partners of each node over all frames on the standardised pooled colour
/// (phi = identity: the models learn phi; this graph is untrained).
struct Graph: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Build the space-time graph of a video; write JSON and optionally a PNG drawing of one frame.")

    enum Nodes: String, ExpressibleByArgument, CaseIterable { case patch, region, frame }
    enum RegionSource: String, ExpressibleByArgument, CaseIterable { case slic, components }

    @Argument(help: "Video file or folder of numbered images.")
    var video: String
    @Option(help: "Node kind: patch (RSTG grids), region (SLIC superpixels), frame (AGNN).")
    var nodes: Nodes = .patch
    @Option(help: "Output JSON path.")
    var out: String
    @Option(help: "Frame drawn into the PNG (index among the decoded frames).")
    var frame: Int = 0
    @Option(help: "Write a PNG of --frame with node boxes and edges.")
    var png: String?
    @Option(help: "Number of frames to decode.")
    var frames: Int = 8
    @Option(help: "Decode every k-th frame.")
    var every: Int = 1
    @Option(help: "Longer side of the processed frames in pixels.")
    var size: Int = 320
    @Option(help: "Patch grid sizes, comma-separated.")
    var grids: String = "3,2,1"
    @Option(help: "SLIC superpixels per frame (region nodes).")
    var regions: Int = 100
    @Option(help: "SLIC compactness (region nodes).")
    var compactness: Float = 10
    @Option(help: "Region nodes from slic (superpixels) or components (connected components of pixels brighter than --threshold).")
    var regionSource: RegionSource = .slic
    @Option(help: "Luma threshold in [0, 1] for --region-source components.")
    var threshold: Float = 0.2
    @Option(help: "Similarity edges kept per region node (strongest partners over all frames; 0: none).")
    var similarityK: Int = 3

    func validate() throws {
        guard frames > 0, every > 0, size >= 16, regions > 0, compactness > 0 else {
            throw ValidationError("--frames, --every, --regions and --compactness must be positive and --size at least 16")
        }
        guard (0..<1).contains(threshold), similarityK >= 0 else {
            throw ValidationError("--threshold must lie in [0, 1) and --similarity-k must not be negative")
        }
        guard frame >= 0 && frame < frames else { throw ValidationError("--frame must lie in 0..<--frames") }
        guard parsedGrids != nil else { throw ValidationError("--grids must be positive integers, e.g. 3,2,1") }
    }

    var parsedGrids: [Int]? {
        let values = grids.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !values.isEmpty, values.allSatisfy({ ($0 ?? 0) > 0 }) else { return nil }
        return values.map { $0! }
    }

    func run() throws {
        let options = VideoReaderOptions(size: .fit(maxSide: size), every: every, maxFrames: frames)
        let reader = try VideoReader(url: URL(fileURLWithPath: video), options: options)
        var images: [RGBImage] = []
        try reader.forEachFrame { images.append($0.image) }
        guard !images.isEmpty else { throw GraphError.invalidInput("\(video): no frames decoded") }
        guard frame < images.count else {
            throw GraphError.invalidInput("\(video): --frame \(frame) but only \(images.count) frames decoded")
        }
        let map = GradMode.disabled { Self.featureMap(images, block: 8) }   // [T, 3, H/8, W/8]
        let graph: SpaceTimeGraph
        switch nodes {
        case .patch:
            graph = GradMode.disabled { PatchGraphBuilder(gridSizes: parsedGrids!).build(featureMap: map) }
        case .frame:
            graph = GradMode.disabled { FrameGraphBuilder().build(featureMap: map) }
        case .region:
            let labels: [ComponentLabels]
            switch regionSource {
            case .slic:
                let slic = SLIC(regionCount: regions, compactness: compactness)
                labels = images.map { slic.segment(rgb: $0.pixels, width: $0.width, height: $0.height) }
            case .components:
                let level = UInt8(min(254, Int(threshold * 255)))
                labels = images.map { image in
                    ComponentLabels(mask: image.luma().pixels.map { $0 > level ? 1 : 0 }, width: image.width,
                                    height: image.height, minimumPixels: 4)
                }
            }
            var regionGraph = GradMode.disabled { RegionGraphBuilder().build(labels: labels, featureMap: map) }
            if similarityK > 0 && regionGraph.nodeCount > 1 {
                regionGraph.edges[.similarity] = Self.similarityEdges(regionGraph.features, k: similarityK)
            }
            graph = regionGraph
        }
        try graph.writeJSON(to: URL(fileURLWithPath: out))
        let counts = EdgeType.allCases.compactMap { t in graph.edges[t].map { "\(t.rawValue) \($0.count)" } }.joined(separator: ", ")
        print("\(video): \(images.count) frames \(images[0].width)x\(images[0].height), \(graph.nodeCount) \(nodes.rawValue) nodes, edges: \(counts) -> \(out)")
        if let png {
            let drawing = GraphDrawing.draw(graph, frame: frame, on: images[frame],
                                            next: frame + 1 < images.count ? frame + 1 : nil,
                                            previous: frame > 0 ? frame - 1 : nil)
            try PNGCodec.write(drawing, to: URL(fileURLWithPath: png))
            print("drawing of frame \(frame) -> \(png)")
        }
    }

    /// The `k` strongest similarity partners j != i of every node i (over all frames), source j ->
    /// target i, weight `softmax_j(z_i^T z_j)` over all j, with z the features `[N, C]` standardised
    /// per channel over the nodes.
    static func similarityEdges(_ features: Tensor, k: Int) -> EdgeList {
        let n = features.shape[0], c = features.shape[1]
        var z = features.data
        for ch in 0..<c {
            var mean: Float = 0, square: Float = 0
            for i in 0..<n { mean += z[i * c + ch] }
            mean /= Float(n)
            for i in 0..<n { square += (z[i * c + ch] - mean) * (z[i * c + ch] - mean) }
            let inv = 1 / max(1e-6, (square / Float(n)).squareRoot())
            for i in 0..<n { z[i * c + ch] = (z[i * c + ch] - mean) * inv }
        }
        let g = GradMode.disabled { Tensor.matmul(Tensor(z, shape: [n, c]), Tensor(z, shape: [n, c]), transposeB: true).softmax(axis: 1) }   // [N, N]
        var list = EdgeList(sources: [], targets: [], weights: [])
        for i in 0..<n {
            let row = (0..<n).filter { $0 != i }.sorted { g.data[i * n + $0] > g.data[i * n + $1] }.prefix(k)
            for j in row { list.append(j, i, weight: g.data[i * n + j]) }
        }
        return list
    }

    /// Mean RGB in [0, 1] over `block` x `block` pixel blocks: `[T, 3, ceil(H/block), ceil(W/block)]`.
    static func featureMap(_ images: [RGBImage], block: Int) -> Tensor {
        let w = images[0].width, h = images[0].height
        let fw = (w + block - 1) / block, fh = (h + block - 1) / block
        var data = [Float](repeating: 0, count: images.count * 3 * fh * fw)
        for (t, image) in images.enumerated() {
            for fy in 0..<fh {
                for fx in 0..<fw {
                    var sums: [Float] = [0, 0, 0]
                    var n: Float = 0
                    for y in (fy * block)..<min(h, (fy + 1) * block) {
                        for x in (fx * block)..<min(w, (fx + 1) * block) {
                            for c in 0..<3 { sums[c] += Float(image.pixels[(y * w + x) * 3 + c]) }
                            n += 1
                        }
                    }
                    for c in 0..<3 { data[((t * 3 + c) * fh + fy) * fw + fx] = sums[c] / (n * 255) }
                }
            }
        }
        return Tensor(data, shape: [images.count, 3, fh, fw])
    }
}

/// Draws a graph's nodes of one frame onto the frame: boxes (colour by scale), region mask outlines,
/// within-frame edges as lines between box centres, temporal-forward edges to the next frame (orange)
/// and temporal-backward edges to the previous frame (magenta) as dashed lines toward the linked
/// node's centre, and similarity edges into this frame's nodes (cyan: solid within the frame, dashed
/// to the partner's position in another frame).
enum GraphDrawing {
    static let palette: [(UInt8, UInt8, UInt8)] = [(255, 64, 64), (64, 220, 64), (64, 128, 255), (255, 200, 0), (255, 0, 255)]

    static func draw(_ graph: SpaceTimeGraph, frame: Int, on image: RGBImage, next: Int?, previous: Int? = nil) -> RGBImage {
        var canvas = image
        // Dim the frame so the overlay reads well.
        for i in 0..<canvas.pixels.count { canvas.pixels[i] = UInt8(Int(canvas.pixels[i]) * 3 / 5) }
        let w = image.width, h = image.height
        func centre(_ b: NodeBox) -> (Int, Int) {
            (Int((b.x0 + b.x1) / 2 * Float(w)), Int((b.y0 + b.y1) / 2 * Float(h)))
        }
        let inFrame = Set(graph.nodesByFrame[frame])
        // Edges first (under the boxes).
        for type in [EdgeType.spatial, .crossScale, .frameToFrame] {
            guard let list = graph.edges[type] else { continue }
            let colour: (UInt8, UInt8, UInt8) = type == .spatial ? (255, 255, 255) : (0, 230, 230)
            for e in 0..<list.count where inFrame.contains(Int(list.sources[e])) && inFrame.contains(Int(list.targets[e])) {
                let a = centre(graph.nodes[Int(list.sources[e])].box), b = centre(graph.nodes[Int(list.targets[e])].box)
                line(&canvas, a, b, colour, dashed: false)
            }
        }
        if let list = graph.edges[.similarity] {
            for e in 0..<list.count where inFrame.contains(Int(list.targets[e])) {
                let source = Int(list.sources[e])
                let a = centre(graph.nodes[source].box), b = centre(graph.nodes[Int(list.targets[e])].box)
                line(&canvas, a, b, (0, 230, 230), dashed: !inFrame.contains(source))
                if !inFrame.contains(source) { marker(&canvas, a, (0, 230, 230)) }
            }
        }
        for (type, other, colour) in [(EdgeType.temporalForward, next, (UInt8(255), UInt8(160), UInt8(0))),
                                      (.temporalBackward, previous, (255, 0, 200))] {
            guard let other, let list = graph.edges[type] else { continue }
            for e in 0..<list.count where inFrame.contains(Int(list.sources[e])) && graph.nodes[Int(list.targets[e])].time == other {
                let a = centre(graph.nodes[Int(list.sources[e])].box), b = centre(graph.nodes[Int(list.targets[e])].box)
                line(&canvas, a, b, colour, dashed: true)
                marker(&canvas, b, colour)   // visible even when the linked centre barely moved
            }
        }
        for i in graph.nodesByFrame[frame] {
            let node = graph.nodes[i]
            let colour = palette[node.scale % palette.count]
            if let mask = node.mask, mask.width == w, mask.height == h {
                outline(&canvas, mask, colour)
            } else {
                let b = node.box
                rectangle(&canvas, x0: Int(b.x0 * Float(w)), y0: Int(b.y0 * Float(h)),
                          x1: Int((b.x1 * Float(w)).rounded()) - 1, y1: Int((b.y1 * Float(h)).rounded()) - 1,
                          colour, inset: node.scale)
            }
            let c = centre(node.box)
            for dy in -1...1 { for dx in -1...1 { set(&canvas, c.0 + dx, c.1 + dy, (255, 255, 255)) } }
        }
        return canvas
    }

    static func set(_ image: inout RGBImage, _ x: Int, _ y: Int, _ c: (UInt8, UInt8, UInt8)) {
        guard x >= 0, y >= 0, x < image.width, y < image.height else { return }
        let p = (y * image.width + x) * 3
        image.pixels[p] = c.0; image.pixels[p + 1] = c.1; image.pixels[p + 2] = c.2
    }

    /// A small hollow square marking a linked node's centre in another frame.
    static func marker(_ image: inout RGBImage, _ c: (Int, Int), _ colour: (UInt8, UInt8, UInt8)) {
        for d in -3...3 {
            set(&image, c.0 + d, c.1 - 3, colour); set(&image, c.0 + d, c.1 + 3, colour)
            set(&image, c.0 - 3, c.1 + d, colour); set(&image, c.0 + 3, c.1 + d, colour)
        }
    }

    /// Bresenham line.
    static func line(_ image: inout RGBImage, _ a: (Int, Int), _ b: (Int, Int), _ c: (UInt8, UInt8, UInt8), dashed: Bool) {
        var (x, y) = a
        let dx = abs(b.0 - x), dy = -abs(b.1 - y), sx = x < b.0 ? 1 : -1, sy = y < b.1 ? 1 : -1
        var err = dx + dy, step = 0
        while true {
            if !dashed || (step / 4) % 2 == 0 { set(&image, x, y, c) }
            if x == b.0 && y == b.1 { break }
            let e2 = 2 * err
            if e2 >= dy { err += dy; x += sx }
            if e2 <= dx { err += dx; y += sy }
            step += 1
        }
    }

    /// Rectangle outline, drawn `inset` pixels inside the box so nested scales stay visible.
    static func rectangle(_ image: inout RGBImage, x0: Int, y0: Int, x1: Int, y1: Int, _ c: (UInt8, UInt8, UInt8), inset: Int) {
        let a = x0 + inset * 2, b = y0 + inset * 2, e = x1 - inset * 2, f = y1 - inset * 2
        guard a <= e, b <= f else { return }
        for x in a...e { set(&image, x, b, c); set(&image, x, f, c) }
        for y in b...f { set(&image, a, y, c); set(&image, e, y, c) }
    }

    /// Mask boundary pixels (a mask pixel with a 4-neighbour outside the mask).
    static func outline(_ image: inout RGBImage, _ mask: RegionMask, _ c: (UInt8, UInt8, UInt8)) {
        let inside = Set(mask.pixels)
        for p in mask.pixels {
            let x = Int(p) % mask.width, y = Int(p) / mask.width
            var border = false
            for (nx, ny) in [(x - 1, y), (x + 1, y), (x, y - 1), (x, y + 1)] {
                if nx < 0 || ny < 0 || nx >= mask.width || ny >= mask.height { border = true; break }
                if !inside.contains(Int32(ny * mask.width + nx)) { border = true; break }
            }
            if border { set(&image, x, y, c) }
        }
    }
}
