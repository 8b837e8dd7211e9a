// swift-tools-version:6.0
// vidgraph: video understanding with space-time graphs, FFmpeg + OpenBLAS, no Python at run time.
import PackageDescription

let optimise: [SwiftSetting] = [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))].filter { _ in false }

let package = Package(
    name: "vidgraph",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "vidgraph", targets: ["vidgraph"]),
        .library(name: "VidGraphKit", targets: ["Tensors", "Layers", "Media", "Graphs", "Models", "Datasets", "Evaluation"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
    ],
    targets: [
        // System libraries (apt providers named; found through pkg-config).
        .systemLibrary(
            name: "CFFmpeg", pkgConfig: "libavformat",
            providers: [.apt(["libavformat-dev", "libavcodec-dev", "libswscale-dev", "libavutil-dev"])]),
        .systemLibrary(
            name: "COpenBLAS", pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(
            name: "CZlib", pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]),

        // Library modules; dependencies only point down the list in DESIGN.md.
        .target(name: "Tensors", dependencies: ["COpenBLAS"]),
        .target(name: "Layers", dependencies: ["Tensors"]),
        .target(name: "Media", dependencies: ["CFFmpeg"]),
        .target(name: "Graphs", dependencies: ["Tensors", "Layers"]),
        .target(name: "Datasets", dependencies: ["Media", "CZlib"]),
        .target(name: "Evaluation", dependencies: ["Media", "Datasets"]),
        .target(
            name: "Models",
            dependencies: ["Tensors", "Layers", "Media", "Graphs", "Datasets", "Evaluation", "Yams"],
            resources: [.copy("Resources")]),
        .executableTarget(
            name: "vidgraph",
            dependencies: [
                "Tensors", "Layers", "Media", "Graphs", "Models", "Datasets", "Evaluation",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        // Tensor micro-benchmarks (tools/bench-tensors); not part of the CLI.
        .executableTarget(name: "vidgraph-bench", dependencies: ["Tensors"]),

        // Tests.
        .testTarget(name: "TensorsTests", dependencies: ["Tensors"], resources: [.copy("Fixtures")]),
        .testTarget(name: "LayersTests", dependencies: ["Layers", "Tensors"], resources: [.copy("Fixtures")]),
        .testTarget(name: "MediaTests", dependencies: ["Media"]),
        .testTarget(name: "GraphsTests", dependencies: ["Graphs", "Layers", "Tensors", "Media"], resources: [.copy("Fixtures")]),
        .testTarget(name: "DatasetsTests", dependencies: ["Datasets", "Media"]),
        .testTarget(name: "EvaluationTests", dependencies: ["Evaluation", "Datasets", "Media"], resources: [.copy("Fixtures")]),
        .testTarget(name: "ModelsTests", dependencies: ["Models", "Tensors", "Layers", "Graphs"], resources: [.copy("Fixtures")]),
        .testTarget(name: "CLITests", dependencies: ["Media"]),
    ],
    swiftLanguageModes: [.v5]
)
