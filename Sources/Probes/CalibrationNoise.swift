import Foundation
import Hooks

/// How large an ECE sampling alone produces at this many rows: the ECE of a perfectly calibrated probe with the same
/// probabilities, whose labels are drawn as y_i ~ Bernoulli(p_i) ("consistency resampling", Bröcker & Smith 2007,
/// Weather and Forecasting 22:651). A measured ECE inside this band cannot be told from perfect calibration at this n;
/// on 300 answers and 15 bins it is about 0.06, so an ECE target of 0.05 needs more rows to be testable.
public struct CalibrationNoise: Codable, Sendable, Equatable {
    /// Mean ECE over the draws.
    public var expected: Double
    /// 95th percentile of the draws: a measured ECE above it is miscalibration, not chance (one-sided, 5%).
    public var upper95: Double
    public var draws: Int

    enum CodingKeys: String, CodingKey {
        case expected, upper95 = "upper95", draws
    }

    /// `draws` label sets drawn from `probabilities` themselves (fixed seed: the same rows give the same band).
    public init(probabilities: [Double], bins: Int = 15, draws: Int = 1000, seed: UInt64 = 0) {
        var rng = SeededGenerator(seed: seed ^ 0xECE)
        var eces: [Double] = []
        eces.reserveCapacity(draws)
        var y = [UInt8](repeating: 0, count: probabilities.count)
        for _ in 0..<(probabilities.isEmpty ? 0 : draws) {
            for i in probabilities.indices { y[i] = rng.nextUnit() < probabilities[i] ? 1 : 0 }
            eces.append(ProbeMetrics.expectedCalibrationError(probabilities: probabilities, labels: y, bins: bins))
        }
        self.draws = eces.count
        eces.sort()
        expected = eces.isEmpty ? .nan : eces.reduce(0, +) / Double(eces.count)
        upper95 = eces.isEmpty ? .nan : eces[min(eces.count - 1, Int(0.95 * Double(eces.count)))]
    }

    /// Draws for `rows` rows: 1,000, fewer on very large files (at least 100) so that the band costs at most about
    /// 20 million label draws — the band is already narrow there.
    public static func draws(forRows rows: Int) -> Int { max(100, min(1000, 20_000_000 / max(rows, 1))) }

    /// Whether a measured `ece` is beyond what chance gives a perfectly calibrated probe (above the 95th percentile).
    public func exceeds(_ ece: Double) -> Bool { ece > upper95 }

    /// "a perfectly calibrated probe would show 0.056 on average here (95% of draws ≤ 0.081): within chance".
    public func text(measured ece: Double, n: Int) -> String {
        String(
            format:
                "ECE %.3f; a perfectly calibrated probe with these scores would show %.3f on average at n=%d "
                + "(95%% of %d label draws ≤ %.3f): %@",
            ece, expected, n, draws, upper95,
            (exceeds(ece) ? "miscalibrated beyond chance" : "within chance of perfect calibration") as NSString)
    }
}
