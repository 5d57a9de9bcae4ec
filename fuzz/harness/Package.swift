// swift-tools-version: 6.0
// Coverage-guided fuzz targets (libFuzzer) for Polygraph's entry points that take untrusted bytes.
// Built only by scripts/fuzz.sh, with the toolchain's libFuzzer:
//   swift build -c release --package-path fuzz/harness --scratch-path .build-fuzz \
//     -Xswiftc -sanitize=fuzzer -Xswiftc -parse-as-library -Xswiftc -enable-testing
// Each target's main.swift defines LLVMFuzzerTestOneInput; libFuzzer supplies `main`. The normal build
// (`swift build` at the repository root) does not see this package.
// The folder is fuzz/harness (not fuzz/) so that this package's identity never equals the root package's (a clone
// in a folder named `fuzz` would otherwise clash).
import PackageDescription

let surface: Target.Dependency = .product(name: "PolygraphFuzzSurface", package: "polygraph-root")
let server: Target.Dependency = .product(name: "PolygraphFuzzServer", package: "polygraph-root")

func harness(_ name: String, _ extra: [Target.Dependency] = []) -> Target {
    .executableTarget(name: "fuzz-\(name)", dependencies: ["FuzzSupport", surface] + extra)
}

let package = Package(
    name: "PolygraphFuzz",
    platforms: [.macOS(.v14)],
    dependencies: [.package(name: "polygraph-root", path: "../..")],
    targets: [
        .target(name: "FuzzSupport", dependencies: [surface]),
        harness("gguf"), harness("tokenizer"), harness("csv"), harness("jsonl"), harness("npy"), harness("probe"),
        harness("http", [server]), harness("jinja"),
    ],
    swiftLanguageModes: [.v6]
)
