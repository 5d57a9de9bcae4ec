#!/usr/bin/env bash
# Measures GGUF open (parse header, metadata, tensor directory) and dequantise-all time for a model, built with the
# same flags as the package (-O -target-cpu haswell), outside SwiftPM so it needs no package change.
# Usage: benchmarks/bench_gguf.sh [model.gguf]   (default: models/SmolLM2-135M-Instruct.Q4_1.gguf)
set -euo pipefail
cd "$(dirname "$0")/.."
model="${1:-models/SmolLM2-135M-Instruct.Q4_1.gguf}"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
cat > "$work/main.swift" <<'SWIFT'
import Foundation
// Thread CPU time: the build machine is shared, so wall time mostly measures the neighbours; both are printed.
func now() -> Double { var ts = timespec(); clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts); return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9 }
func wall() -> Double { Date().timeIntervalSince1970 }
let path = CommandLine.arguments[1]
var opens: [Double] = [], all: [Double] = []
var perType: [GGMLType: (n: Int, t: Double)] = [:]
var checksum = 0.0
// One output buffer, touched before timing: page-faulting fresh memory is not dequantisation.
var buf = [Float](repeating: 0, count: 576 * 49152)
for run in 0..<5 {
    let w0 = wall()
    let t0 = now()
    let f = try GGUFFile(path: path)
    let t1 = now()
    for t in f.tensors where t.elementCount <= buf.count {
        let s = now()
        try buf.withUnsafeMutableBufferPointer { try f.dequantize(t, into: $0.baseAddress!) }
        if run == 4 { perType[t.type, default: (0, 0)].n += t.elementCount; perType[t.type]!.t += now() - s }
        if run == 0 { checksum += Double(buf[0]) }
    }
    let t2 = now()
    let w2 = wall()
    opens.append(t1 - t0); all.append(t2 - t1)
    print(String(format: "run %d: CPU time: open %.1f ms, dequantise all %d tensors %.1f ms (wall, both: %.1f ms)", run, (t1 - t0) * 1e3, f.tensors.count, (t2 - t1) * 1e3, (w2 - w0) * 1e3))
}
print(String(format: "best CPU time: open %.1f ms, dequantise all %.1f ms (checksum %.4f)", opens.min()! * 1e3, all.min()! * 1e3, checksum))
for (type, v) in perType.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
    print(String(format: "  %-5@ %7.1f M values %7.1f ms  %.2f Gvalues/s", type.name, Double(v.n) / 1e6, v.t * 1e3, Double(v.n) / v.t / 1e9))
}
// Every kernel on 8M synthetic values (random quants, scales fixed at 1.0 so no value is subnormal or NaN).
print("kernels on 8M synthetic values (CPU time, best of 3):")
let n = 8 << 20
var out = [Float](repeating: 0, count: n)
for type in GGMLType.dequantizable {
    var bytes = (0..<type.byteCount(elements: n)!).map { _ in UInt8.random(in: 0...255) }
    if type == .f16 || type == .bf16 { for i in stride(from: 1, to: bytes.count, by: 2) { bytes[i] &= 0x3F } }
    else if type != .f32 {
        let scaleOffsets = type == .q6_K ? [208] : [0, 2]
        for b in stride(from: 0, to: bytes.count, by: type.bytesPerBlock) { for o in scaleOffsets { bytes[b + o] = 0; bytes[b + o + 1] = 0x3C } }
    }
    var best = Double.infinity
    for _ in 0..<3 {
        let s = now()
        bytes.withUnsafeBytes { src in out.withUnsafeMutableBufferPointer { _ = Dequantize.run(type, src.baseAddress!, $0.baseAddress!, elements: n) } }
        best = min(best, now() - s)
    }
    print(String(format: "  %-5@ %6.2f ms  %.2f Gvalues/s", type.name, best * 1e3, Double(n) / best / 1e9))
}
SWIFT
swiftc -O -target-cpu haswell -wmo -module-name GGUFBench Sources/GGUF/*.swift "$work/main.swift" -o "$work/bench" 2>&1 | grep -v warning || true
"$work/bench" "$model"
