// swift-tools-version: 6.0
// Polygraph: capture a language model's hidden states, train truth probes on them, gate answers with them.
// Dependency direction (one way): GGUF → Tokenization → Inference; CHDF5 → ActivationStore → Probes;
// Inference + Probes → Gate → Server; everything → polygraph (CLI).
import PackageDescription
import Foundation

// Developer convenience: POLYGRAPH_NO_SERVER=1 leaves out the HTTP server (and its Hummingbird build,
// ~5 minutes on 2 cores) when you work on the lower layers. CI and users build everything.
let withServer = (ProcessInfo.processInfo.environment["POLYGRAPH_NO_SERVER"] ?? "").isEmpty

// Numeric kernels are compiled optimised even in debug builds: the real-model tests run in `swift test`.
let fast: [SwiftSetting] = [.unsafeFlags(["-O", "-target-cpu", "haswell"])]

var targets: [Target] = [
    .target(name: "GGUF", swiftSettings: fast),
    .target(name: "Checksum", swiftSettings: fast),
    .target(name: "Tokenization", dependencies: ["GGUF"], swiftSettings: fast),
    .systemLibrary(name: "CBLAS", path: "Sources/CBLAS"),
    // Every BLAS user goes through BLASSupport so OpenBLAS's core is chosen once, before the first BLAS call.
    .target(name: "BLASSupport", dependencies: ["CBLAS"], swiftSettings: fast),
    // AVX2 decode kernels on quantised blocks (Inference's only C code).
    .target(name: "CKernels", cSettings: [.unsafeFlags(["-O3", "-mavx2", "-mfma", "-mf16c"])]),
    .target(name: "Inference", dependencies: ["GGUF", "Tokenization", "CBLAS", "BLASSupport", "CKernels", "Checksum"], swiftSettings: fast),
    .systemLibrary(name: "CHDF5", path: "Sources/CHDF5"),
    .target(name: "ActivationStore", dependencies: ["CHDF5"]),
    .target(name: "Probes", dependencies: ["ActivationStore", "CBLAS", "BLASSupport", "Checksum"], swiftSettings: fast),
    .target(name: "Gate", dependencies: ["Inference", "Probes"]),
    .testTarget(name: "GGUFTests", dependencies: ["GGUF"], resources: [.copy("Fixtures")]),
    .testTarget(name: "TokenizationTests", dependencies: ["Tokenization", "GGUF"], exclude: ["Fixtures"]),
    .testTarget(name: "InferenceTests", dependencies: ["Inference", "GGUF", "Tokenization", "Checksum"]),
    .testTarget(name: "ActivationStoreTests", dependencies: ["ActivationStore"], exclude: ["Fixtures"]),
    .testTarget(name: "ProbesTests", dependencies: ["Probes", "ActivationStore"]),
    .target(name: "GateTestSupport", dependencies: ["Gate", "Probes"]),  // test doubles, used by test targets only
    .testTarget(name: "GateTests", dependencies: ["Gate", "GateTestSupport", "Inference", "Probes"]),
]

var cliDependencies: [Target.Dependency] = [
    "GGUF", "Tokenization", "Inference", "ActivationStore", "Probes", "Gate",
    .product(name: "ArgumentParser", package: "swift-argument-parser"),
]
var packages: [Package.Dependency] = [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
]

if withServer {
    packages += [
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
    ]
    targets += [
        .target(name: "Server", dependencies: [
            "Gate", "Inference", "Probes",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Prometheus", package: "swift-prometheus"),
        ]),
        .testTarget(name: "ServerTests", dependencies: [
            "Server", "Gate", "GateTestSupport",
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
    ],
    dependencies: packages,
    targets: targets,
    swiftLanguageModes: [.v6]
)
