// swift-tools-version:6.0
import PackageDescription

// Dependencies run one way, from the `mimicc` executable down to the C targets; every
// target lists each project module it imports (scripts/check-imports.py checks this).
// ARCHITECTURE.md draws the pipeline and says which module does what.
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
        // C: three system libraries, the Winograd tile transforms (AVX2/FMA chosen at run
        // time, portable otherwise), dense products against packed weights (AVX-512 or
        // AVX2/FMA chosen at run time, BLAS otherwise) and GELU over arrays (the same choice,
        // Swift's eight lanes otherwise).
        .systemLibrary(name: "CYAML", pkgConfig: "yaml-0.1", providers: [.apt(["libyaml-dev"])]),
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .target(name: "CWinogradTiles", cSettings: [.unsafeFlags(["-O2"])]),
        // Built optimised even in debug builds: at -O0 the packed kernel ran 47x slower than at
        // -O2 (48.5 against 1.04 ms for 128 x 3072 x 193), which the debug-built CLI tests would
        // feel in every evaluation of a dense network.
        .target(name: "CPackedGEMM", cSettings: [.unsafeFlags(["-O2"])]),
        .target(name: "CVectorMath", cSettings: [.unsafeFlags(["-O2"])]),

        // Floors shared by every stage.
        .target(name: "MimicBasics"),
        .target(name: "MimicVocabulary"),
        .target(name: "MimicBLAS", dependencies: ["COpenBLAS"]),
        .target(name: "MimicKernels", dependencies: ["MimicBasics", "MimicVocabulary", "MimicBLAS", "CWinogradTiles", "CPackedGEMM", "CVectorMath"]),

        // The graph IR and its op kinds, then the spec language that lowers to it.
        .target(name: "MimicGraph", dependencies: ["MimicBasics", "MimicVocabulary", "MimicBLAS", "MimicKernels"]),
        .target(name: "MimicYAML", dependencies: ["MimicBasics", "CYAML"]),
        .target(name: "MimicSpec", dependencies: ["MimicBasics", "MimicVocabulary", "MimicYAML", "MimicGraph"]),
        .target(name: "MimicSema", dependencies: ["MimicBasics", "MimicSpec"]),

        // Plans and their execution, and the one compile function above them.
        .target(name: "MimicRuntime", dependencies: ["MimicBasics", "MimicVocabulary", "MimicBLAS", "MimicKernels", "MimicGraph"]),
        .target(name: "MimicCompiler", dependencies: ["MimicBasics", "MimicVocabulary", "MimicGraph", "MimicSpec", "MimicSema", "MimicRuntime"]),

        // Data, training, search, results, and the pipeline as commands.
        .target(name: "MimicData", dependencies: ["MimicBasics", "MimicSpec"]),
        .target(
            name: "MimicTrain",
            dependencies: ["MimicBasics", "MimicVocabulary", "MimicKernels", "MimicGraph", "MimicSpec", "MimicSema", "MimicRuntime",
                           "MimicCompiler", "MimicData"]),
        .target(name: "MimicSearch", dependencies: ["MimicBasics", "MimicSpec"]),
        .target(name: "MimicONNX", dependencies: ["MimicVocabulary", "MimicKernels", "MimicGraph"]),
        .target(name: "MimicStore", dependencies: ["CSQLite"]),
        .target(
            name: "MimicDriver",
            dependencies: ["MimicBasics", "MimicVocabulary", "MimicBLAS", "MimicKernels", "MimicGraph", "MimicYAML", "MimicSpec",
                           "MimicSema", "MimicRuntime", "MimicCompiler", "MimicData", "MimicTrain", "MimicONNX"]),
        .target(
            name: "MimicStudy",
            dependencies: ["MimicBasics", "MimicYAML", "MimicSpec", "MimicSema", "MimicData", "MimicSearch", "MimicStore", "MimicDriver",
                           "MimicTrain"]),
        .executableTarget(
            name: "mimicc",
            dependencies: [
                "MimicDriver", "MimicStudy", "MimicStore", "MimicBLAS",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        // Tests: one target per module (the CLI's runs the built executable), and shared support.
        .target(
            name: "MimicTestSupport", dependencies: ["MimicBasics", "MimicKernels", "MimicGraph", "MimicRuntime"],
            path: "Tests/MimicTestSupport"),
        .testTarget(name: "MimicBasicsTests", dependencies: ["MimicBasics"]),
        .testTarget(name: "MimicYAMLTests", dependencies: ["MimicBasics", "MimicYAML"]),
        .testTarget(
            name: "MimicSpecTests", dependencies: ["MimicBasics", "MimicVocabulary", "MimicSpec", "MimicSema", "MimicDriver", "MimicTestSupport"],
            exclude: ["Fixtures"]),
        .testTarget(name: "MimicSemaTests", dependencies: ["MimicBasics", "MimicSema", "MimicSpec", "MimicTestSupport"]),
        .testTarget(name: "MimicBLASTests", dependencies: ["MimicBLAS"]),
        .testTarget(
            name: "MimicKernelsTests",
            dependencies: ["MimicKernels", "MimicBLAS", "MimicBasics", "MimicVocabulary", "CWinogradTiles", "MimicTestSupport"]),
        .testTarget(
            name: "MimicGraphTests",
            dependencies: ["MimicBasics", "MimicVocabulary", "MimicKernels", "MimicGraph", "MimicSpec", "MimicSema", "MimicRuntime",
                           "MimicCompiler", "MimicTestSupport"],
            exclude: ["Golden"]),
        .testTarget(
            name: "MimicRuntimeTests",
            dependencies: ["MimicBasics", "MimicVocabulary", "MimicKernels", "MimicGraph", "MimicSpec", "MimicSema", "MimicRuntime",
                           "MimicCompiler", "MimicTestSupport"]),
        .testTarget(
            name: "MimicCompilerTests",
            dependencies: ["MimicBasics", "MimicGraph", "MimicSpec", "MimicSema", "MimicRuntime", "MimicCompiler", "MimicDriver",
                           "MimicTestSupport"]),
        .testTarget(name: "MimicDataTests", dependencies: ["MimicBasics", "MimicData", "MimicSpec"]),
        .testTarget(
            name: "MimicTrainTests",
            dependencies: ["MimicBasics", "MimicSpec", "MimicSema", "MimicCompiler", "MimicRuntime", "MimicData", "MimicTrain", "MimicDriver",
                           "MimicTestSupport"]),
        .testTarget(name: "MimicONNXTests", dependencies: ["MimicONNX"]),
        .testTarget(name: "MimicSearchTests", dependencies: ["MimicBasics", "MimicSearch", "MimicSpec"]),
        .testTarget(name: "MimicStoreTests", dependencies: ["MimicStore"]),
        .testTarget(
            name: "MimicStudyTests",
            dependencies: ["MimicBasics", "MimicYAML", "MimicSpec", "MimicSema", "MimicSearch", "MimicStore", "MimicDriver", "MimicStudy",
                           "MimicTestSupport"]),
        .testTarget(name: "MimicCLITests", dependencies: ["mimicc", "MimicBLAS", "MimicTestSupport"]),
    ]
)
