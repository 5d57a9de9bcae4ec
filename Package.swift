// swift-tools-version: 6.0
// Polygraph: capture a language model's hidden states, train truth probes on them, gate answers with them.
// Dependency direction (one way): Hooks is the leaf vocabulary the others share (hook names, positions, the seeded
// generator); GGUF → Tokenization → Inference; CHDF5 → ActivationStore → Probes; Inference + ActivationStore →
// Capture; Inference + Probes → Gate → Server; everything → polygraph (CLI).
import PackageDescription
import Foundation

// Developer convenience: POLYGRAPH_NO_SERVER=1 leaves out the HTTP server (and its Hummingbird build,
// ~5 minutes on 2 cores) when you work on the lower layers. CI and users build everything.
let withServer = (ProcessInfo.processInfo.environment["POLYGRAPH_NO_SERVER"] ?? "").isEmpty

// Numeric kernels are compiled optimised even in debug builds: the real-model tests run in `swift test`.
let fast: [SwiftSetting] = [.unsafeFlags(["-O", "-target-cpu", "haswell"])]

var targets: [Target] = [
    .target(name: "GGUF", swiftSettings: fast),
    .target(name: "Checksum", dependencies: ["CKernels"], swiftSettings: fast),
    .target(name: "Tokenization", dependencies: ["GGUF"], swiftSettings: fast),
    .systemLibrary(name: "CBLAS", path: "Sources/CBLAS"),
    // Every BLAS user goes through BLASSupport so OpenBLAS's core is chosen once, before the first BLAS call.
    .target(name: "BLASSupport", dependencies: ["CBLAS"], swiftSettings: fast),
    // The C code: kernels on quantised blocks and the decode pool (Inference), SHA-256 block compression (Checksum).
    .target(name: "CKernels", cSettings: [.unsafeFlags(["-O3", "-mavx2", "-mfma", "-mf16c"])]),
    // The shared vocabulary (hook names, shorthands, layer lists, positions, the seeded generator): a leaf every layer
    // above shares.
    .target(name: "Hooks"),
    .target(
        name: "Inference",
        dependencies: ["Hooks", "GGUF", "Tokenization", "CBLAS", "BLASSupport", "CKernels", "Checksum"],
        swiftSettings: fast),
    .systemLibrary(name: "CHDF5", path: "Sources/CHDF5"),
    .target(name: "ActivationStore", dependencies: ["Hooks", "CHDF5"]),
    // The capture stage: datasets → model → activation file (and imports of states computed elsewhere).
    .target(name: "Capture", dependencies: ["Hooks", "Inference", "ActivationStore", "Tokenization"]),
    .target(
        name: "Probes", dependencies: ["Hooks", "ActivationStore", "CBLAS", "BLASSupport", "Checksum"],
        swiftSettings: fast),
    .target(name: "Gate", dependencies: ["Hooks", "Inference", "Probes"]),
    // Speed measurements behind `polygraph bench` / `gate-bench`, kept out of the product targets.
    .target(
        name: "Measurement", dependencies: ["Hooks", "Inference", "Gate", "CBLAS", "BLASSupport"], swiftSettings: fast),
    .testTarget(name: "HooksTests", dependencies: ["Hooks"]),
    .testTarget(name: "GGUFTests", dependencies: ["GGUF"], resources: [.copy("Fixtures")]),
    .testTarget(name: "TokenizationTests", dependencies: ["Tokenization", "GGUF", "Hooks"], exclude: ["Fixtures"]),
    .testTarget(
        name: "InferenceTests", dependencies: ["Hooks", "Inference", "GGUF", "Tokenization", "Checksum", "BLASSupport"]),
    .testTarget(name: "ActivationStoreTests", dependencies: ["Hooks", "ActivationStore"], exclude: ["Fixtures"]),
    .testTarget(
        name: "CaptureTests",
        dependencies: ["Capture", "Hooks", "Inference", "ActivationStore", "GGUF", "Tokenization"]),
    .testTarget(name: "ProbesTests", dependencies: ["Probes", "Hooks", "ActivationStore", "BLASSupport"]),
    // Test doubles, used by test targets only.
    .target(name: "GateTestSupport", dependencies: ["Gate", "Hooks", "Probes"]),
    .testTarget(
        name: "GateTests", dependencies: ["Gate", "GateTestSupport", "Hooks", "Inference", "Probes", "Tokenization"]),
]

var cliDependencies: [Target.Dependency] = [
    "GGUF", "Tokenization", "Hooks", "Inference", "ActivationStore", "Capture", "Probes", "Gate", "Measurement",
    .product(name: "ArgumentParser", package: "swift-argument-parser"),
]
var packages: [Package.Dependency] = [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0")
]

if withServer {
    packages += [
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
        // Already in Hummingbird's graph; named so the server's connection guard can be a channel handler.
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.81.0"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.24.0"),
    ]
    targets += [
        .target(
            name: "Server",
            dependencies: [
                "Gate", "Hooks", "Inference", "Probes",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
            ]),
        .testTarget(
            name: "ServerTests",
            dependencies: [
                "Server", "Gate", "GateTestSupport", "Hooks",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]),
    ]
    cliDependencies.append("Server")
}

targets.append(.executableTarget(name: "polygraph", dependencies: cliDependencies))

let package = Package(
    name: "Polygraph",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "polygraph", targets: ["polygraph"]),
        .library(name: "PolygraphGate", targets: ["Gate"]),
        // For the fuzz package (fuzz/harness/Package.swift) only: the modules whose entry points take untrusted bytes.
        .library(name: "PolygraphFuzzSurface", targets: ["GGUF", "Tokenization", "Inference", "Capture", "Probes"]),
    ] + (withServer ? [.library(name: "PolygraphFuzzServer", targets: ["Server", "GateTestSupport"])] : []),
    dependencies: packages,
    targets: targets,
    swiftLanguageModes: [.v6]
)
