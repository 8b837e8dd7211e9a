import ArgumentParser
import Foundation
import Graphs
import Tensors

/// `vidgraph bench-graphs` (hidden): times GCNConv and GATConv forward + backward on a random graph,
/// printing one JSON line per layer with the median milliseconds. Driven by tools/bench-graphs.
struct BenchGraphs: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-graphs", abstract: "Time graph layers (forward + backward).", shouldDisplay: false)

    @Option(help: "Nodes.") var nodes = 10_000
    @Option(help: "Edges.") var edges = 60_000
    @Option(help: "Input and output channels.") var channels = 128
    @Option(help: "GAT heads (output channels per head = channels / heads).") var heads = 4
    @Option(help: "Timed repetitions (after one warm-up).") var repeats = 10
    @Option(help: "Threads (OpenBLAS and segment ops).") var threads = 2

    func run() throws {
        ComputeThreads.count = threads
        SegmentParallel.maxThreads = threads
        var rng = RandomGenerator(seed: 0)
        let sources = (0..<edges).map { _ in Int32(rng.next() % UInt64(nodes)) }
        let targets = (0..<edges).map { _ in Int32(rng.next() % UInt64(nodes)) }
        let list = EdgeList(sources: sources, targets: targets)
        let x = Tensor.normal([nodes, channels], generator: &rng)
        let gcn = GCNConv(channels, channels, generator: &rng)
        let gat = GATConv(.init(inChannels: channels, outChannels: channels / heads, heads: heads), generator: &rng)

        func cpuMs() -> Double {
            var ts = timespec()
            clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
            return Double(ts.tv_sec) * 1e3 + Double(ts.tv_nsec) / 1e6
        }
        /// Median wall-clock ms and median process CPU ms (all threads) per run.
        func time(_ body: () -> Void) -> (wall: Double, cpu: Double) {
            body()
            var walls: [Double] = [], cpus: [Double] = []
            for _ in 0..<repeats {
                let start = DispatchTime.now().uptimeNanoseconds, cpu0 = cpuMs()
                body()
                cpus.append(cpuMs() - cpu0)
                walls.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
            }
            return (walls.sorted()[walls.count / 2], cpus.sorted()[cpus.count / 2])
        }
        let gcnMs = time {
            let out = gcn(x, edges: list)
            out.backward(seed: Tensor.ones(out.shape))
            gcn.zeroGrad()
        }
        let gatMs = time {
            let out = gat(x, edges: list)
            out.backward(seed: Tensor.ones(out.shape))
            gat.zeroGrad()
        }
        for (name, ms) in [("gcnconv_fwd_bwd", gcnMs), ("gatconv4_fwd_bwd", gatMs)] {
            print("{\"name\":\"\(name)\",\"ours_ms\":\(String(format: "%.3f", ms.wall)),\"ours_cpu_ms\":\(String(format: "%.3f", ms.cpu)),"
                  + "\"nodes\":\(nodes),\"edges\":\(edges),\"channels\":\(channels),\"threads\":\(threads)}")
        }
    }
}
