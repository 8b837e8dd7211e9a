import ArgumentParser
import Foundation
import Media

/// `vidgraph info`: metadata of videos and frame folders.
struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print metadata of videos or frame folders.")

    @Argument(help: "Video files or folders of numbered images.")
    var inputs: [String]

    func run() throws {
        throw ExitCode(exitSomeInputsFailed)
    }
}
