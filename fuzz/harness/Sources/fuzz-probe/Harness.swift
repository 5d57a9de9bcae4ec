// Fuzz target: probe artifacts (`--probe x.json` in eval, inspect, serve): decode + validate, then prepare a
// scorer and score one activation, as the gate does on load and per request.
import Foundation
import FuzzSupport
import Probes

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let artifact = try? ProbeArtifact.decode(Data(fuzzBytes(data, size)), path: "fuzz.json") else { return 0 }
    _ = try? artifact.checkCompatible(
        modelSHA256: artifact.model.sha256, hook: artifact.hook,
        position: artifact.position, dims: 4)
    _ = try? artifact.encoded()
    guard let scorer = try? ProbeScorer(artifact: artifact) else { return 0 }
    // Validation bounds the width; an activation of that width is what a model of that width would send.
    guard scorer.dims >= 0, scorer.dims <= 1 << 16 else { return 0 }
    let activation = (0..<scorer.dims).map { Float($0 % 7) - 3 }
    _ = try? scorer.score(activation: activation)
    _ = try? scorer.score(activation: activation, confidence: ["mean_logprob": -0.5, "min_logprob": .nan])
    return 0
}
