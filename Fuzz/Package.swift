// swift-tools-version:6.0
import PackageDescription

// The libFuzzer target over mimicc's front end and compiler, kept out of the main package so
// that `swift build` there never needs the fuzzer's runtime. Build and run it with
// scripts/fuzz.sh, which passes `--sanitize fuzzer` (coverage for every module of mimicc, and
// libFuzzer's own main).
let package = Package(
    name: "mimicc-fuzz",
    dependencies: [.package(name: "mimicc", path: "..")],
    targets: [
        .executableTarget(
            name: "mimicc-fuzz",
            dependencies: [.product(name: "MimicDriver", package: "mimicc")],
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]),
    ]
)
