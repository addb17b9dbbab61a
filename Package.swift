// swift-tools-version:6.0
import PackageDescription

// Dependencies run one way: the `mimicc` executable parses arguments and calls MimicDriver,
// which calls the libraries below it, down to the C targets (three system libraries and the
// Winograd tile transform).
let package = Package(
    name: "mimicc",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "mimicc", targets: ["mimicc"]),
        .library(name: "MimicDriver", targets: ["MimicDriver"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0")
    ],
    targets: [
        .systemLibrary(
            name: "CYAML", pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"])]),
        .systemLibrary(
            name: "COpenBLAS", pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(
            name: "CSQLite", pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]),
        .target(name: "MimicBasics"),
        .target(name: "MimicVocabulary"),
        .target(name: "MimicYAML", dependencies: ["MimicBasics", "CYAML"]),
        .target(name: "MimicSpec", dependencies: ["MimicBasics", "MimicVocabulary", "MimicYAML", "MimicGraph"]),
        .target(name: "MimicSema", dependencies: ["MimicBasics", "MimicSpec"]),
        .target(name: "MimicGraph", dependencies: ["MimicBasics", "MimicVocabulary", "MimicKernels", "MimicBLAS"]),
        .target(name: "MimicCompiler", dependencies: ["MimicBasics", "MimicVocabulary", "MimicSpec", "MimicSema", "MimicGraph", "MimicRuntime"]),
        .target(name: "MimicRuntime", dependencies: ["MimicBasics", "MimicVocabulary", "MimicGraph", "MimicKernels", "MimicBLAS"]),
        .target(name: "MimicBLAS", dependencies: ["COpenBLAS"]),
        .target(
            name: "MimicTrain",
            dependencies: ["MimicBasics", "MimicSpec", "MimicSema", "MimicGraph", "MimicRuntime", "MimicKernels", "MimicData", "MimicCompiler", "MimicVocabulary"]),
        .target(name: "MimicKernels", dependencies: ["MimicBasics", "MimicVocabulary", "MimicBLAS", "CWinogradTiles"]),
        // The Winograd input transform in C: AVX2/FMA code chosen at run time, portable otherwise.
        .target(name: "CWinogradTiles"),
        .target(name: "MimicData", dependencies: ["MimicBasics", "MimicSpec"]),
        .target(name: "MimicSearch", dependencies: ["MimicBasics", "MimicSpec"]),
        .target(name: "MimicStore", dependencies: ["CSQLite"]),
        .target(
            name: "MimicStudy",
            dependencies: ["MimicBasics", "MimicYAML", "MimicSpec", "MimicSema", "MimicSearch", "MimicStore", "MimicDriver", "MimicTrain"]),
        .target(
            name: "MimicDriver",
            dependencies: ["MimicBasics", "MimicYAML", "MimicSpec", "MimicSema", "MimicGraph", "MimicRuntime", "MimicData", "MimicTrain"]),
        .executableTarget(
            name: "mimicc",
            dependencies: [
                "MimicDriver",
                "MimicStudy",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .testTarget(name: "MimicYAMLTests", dependencies: ["MimicYAML"]),
        .testTarget(
            name: "MimicSpecTests", dependencies: ["MimicSpec", "MimicSema", "MimicDriver"],
            exclude: ["Fixtures"]),
        .testTarget(name: "MimicSemaTests", dependencies: ["MimicSema", "MimicSpec"]),
        .testTarget(
            name: "MimicGraphTests", dependencies: ["MimicGraph", "MimicRuntime", "MimicKernels", "MimicSema", "MimicSpec"],
            exclude: ["Golden"]),
        .testTarget(name: "MimicBLASTests", dependencies: ["MimicBLAS"]),
        .testTarget(name: "MimicTrainTests", dependencies: ["MimicTrain", "MimicData", "MimicDriver", "MimicBasics", "MimicSpec"]),
        .testTarget(name: "MimicKernelsTests", dependencies: ["MimicKernels", "MimicBLAS", "MimicSpec", "MimicBasics", "CWinogradTiles"]),
        .testTarget(name: "MimicCLITests", dependencies: ["mimicc"]),
        .testTarget(
            name: "MimicStudyTests",
            dependencies: ["MimicStudy", "MimicSearch", "MimicStore", "MimicSpec", "MimicSema", "MimicDriver"]),
    ]
)
