import Datasets
import XCTest
@testable import Models
import Tensors
import Graphs

final class ZDebugTests: XCTestCase {
    func testStages() throws {
        let data = try SyncMNIST.procedural(digitsPerClip: 3, split: .train, seed: 4, perClass: 3)
        let batch = data.batch(indices: [0, 1])
        let clips = Tensor(batch.frames, shape: [2, 10, 1, 64, 64])
        let config = try ModelConfig(contentsOf: repoRoot.appendingPathComponent("configs/classify-rstg-syncmnist3.yaml"))
        let model = ModelFactory.make(config) as! RSTGClassifier
        func rel(_ x: Tensor, _ label: String) {
            // rows ordered (t, b, k): compare b=0 vs b=1
            let d = x.shape[1], k = 14
            var diff: Float = 0, mag: Float = 0, spreadAcross: Float = 0
            for t in 0..<10 { for n in 0..<k { for c in 0..<d {
                let a = x.data[((t * 2 + 0) * k + n) * d + c], b = x.data[((t * 2 + 1) * k + n) * d + c]
                diff += (a - b) * (a - b); mag += a * a
                let a2 = x.data[((t * 2 + 0) * k + (n + 1) % k) * d + c]; spreadAcross += (a - a2) * (a - a2)
            } } }
            print("STAGE \(label): rel diff between clips \(sqrt(diff / mag)), rel diff between nodes \(sqrt(spreadAcross / mag))")
        }
        GradMode.disabled {
            let frames = model.timeMajorFrames(clips)
            var m = frames
            for (i, conv) in model.backbone.convs.enumerated() {
                m = conv(m).relu().maxPool2d(kernel: (2, 2))
                let half = m.count / 2
                print("STAGE conv\(i): mean \(m.data.reduce(0, +) / Float(m.count)) max \(m.data.max()!) nonzero \(m.data.filter { $0 > 0 }.count * 100 / m.count)% firsthalf-vs-second \(zip(m.data[0..<half], m.data[half...]).map { abs($0 - $1) }.reduce(0, +) / Float(half))")
            }
            var (x, graph) = model.nodes(clips)
            rel(graph.features, "pooled")
            rel(x, "embed")
            let pairs = RSTGSpaceStep.framePairs(graph)
            for r in 0..<3 {
                x = model.timeSteps[r](x, frames: 10); rel(x, "time\(r)")
                x = model.spaceSteps[r](x, pairs: pairs); rel(x, "space\(r)")
            }
            x = model.finalStep!(x, frames: 10); rel(x, "final")
        }
    }
}
