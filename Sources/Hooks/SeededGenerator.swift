import Foundation

/// SplitMix64 (Steele, Lea & Flood 2014): the one small seeded generator of the package, whose stream is the same on
/// every platform — splits and MLP initialisation (Probes), the sampler and random test weights (Inference).
///
/// Two seedings, named for what they do, so that every stream already recorded stays what it was:
/// - ``init(seed:)``: a probe seed (the one recorded in an artifact); the state starts one step past `seed`.
/// - ``init(state:)``: the reference SplitMix64 seeding, the state is `state` itself (the sampler's `seed`).
/// `SeededGenerator(seed: s)` is `SeededGenerator(state: s)` with its first value skipped.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64
    /// SplitMix64's increment (2⁶⁴ / φ).
    private static let golden: UInt64 = 0x9E37_79B9_7F4A_7C15

    /// A generator whose stream is fixed by the probe seed `seed` (splits, folds, MLP initialisation, baselines).
    public init(seed: UInt64) { state = seed &+ Self.golden }

    /// A generator whose SplitMix64 state starts at `state` (the sampler's seed, random test weights).
    public init(state: UInt64) { self.state = state }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= Self.golden
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    public mutating func nextUnit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// Uniform in [-1, 1), single precision (24 random bits).
    public mutating func nextSymmetric() -> Float { Float(next() >> 40) / Float(1 << 23) - 1 }

    /// Uniform integer in 0..<n without modulo bias worth worrying about at these sizes.
    public mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }

    /// Fisher–Yates shuffle driven by this generator (not the standard library's, whose algorithm may change).
    public mutating func shuffle<T>(_ a: inout [T]) {
        guard a.count > 1 else { return }
        for i in stride(from: a.count - 1, to: 0, by: -1) {
            a.swapAt(i, below(i + 1))
        }
    }

    /// Standard normal deviate (Box–Muller).
    public mutating func gaussian() -> Double {
        let u1 = max(nextUnit(), 1e-300), u2 = nextUnit()
        return (-2 * Foundation.log(u1)).squareRoot() * Foundation.cos(2 * Double.pi * u2)
    }
}
