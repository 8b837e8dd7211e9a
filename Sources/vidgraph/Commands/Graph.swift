import ArgumentParser
import Foundation
import Graphs

/// `vidgraph graph`: builds a space-time graph for a video and writes JSON (+ a PNG drawing).
struct Graph: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Build the space-time graph of a video; write JSON and a PNG drawing.")
    func run() throws {}
}
