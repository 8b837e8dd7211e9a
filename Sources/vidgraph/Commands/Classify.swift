import ArgumentParser
import Foundation
import Models

/// `vidgraph classify`: clip labels for videos (placeholder while being written).
struct Classify: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Classify clips.")
    func run() throws {}
}
