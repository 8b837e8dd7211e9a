import ArgumentParser

/// `vidgraph synth`: generators of synthetic videos with labels or masks.
struct Synth: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Generate synthetic videos (sample clips, SyncMNIST, VOS) with labels or masks.",
        subcommands: [SynthClips.self, SynthSyncMNIST.self, SynthVOS.self])
}
