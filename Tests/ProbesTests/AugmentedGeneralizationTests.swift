import Foundation
import Hooks
import Testing
@testable import Probes

/// `generalize --leave-one-out --augment-acts`: training rows whose surface form varies must stop a probe from keying
/// on a form that happens to track the label in the training files (style augmentation, issue 12 item 5).
@Suite struct AugmentedGeneralizationTests {
    /// Dim 0 carries the truth in every set (weakly); dim 1 is a "style" feature. `style` = +1: the style tracks the
    /// label (true rows +3); -1: it tracks the opposite; 0: its sign is random per row (augmented variants).
    static func set(_ seed: UInt64, style: Float) throws -> ProbeDataset {
        var rng = SeededGenerator(seed: seed)
        var features: [Float] = [], labels: [Int] = []
        for i in 0..<160 {
            let y = i % 2
            var row = (0..<4).map { _ in Float(rng.gaussian()) }
            row[0] += y == 1 ? 1 : -1
            let sign = style != 0 ? style : (rng.gaussian() > 0 ? 1 : -1)
            row[1] += sign * (y == 1 ? 3 : -3)
            features += row
            labels.append(y)
        }
        return try ProbeDataset(features: features, dims: 4, labels: labels)
    }

    @Test("augmented training rows make the leave-one-out probe transfer to a file where the style flips")
    func augmentation() throws {
        let plain = [
            try Self.set(1, style: 1), try Self.set(2, style: 1), try Self.set(3, style: 1),
            try Self.set(4, style: -1),
        ]
        let augmented = try (0..<4).map { try Self.set(10 + UInt64($0), style: 0) }
        let names = ["a", "b", "c", "flipped"]
        let m = try GeneralizationMatrix.compute(
            kind: .logistic, hook: .residPost(0), names: names, datasets: plain, plan: .init(kind: .logistic),
            leaveOneOut: true, augmented: augmented)
        let loo = try #require(m.leaveOneOut), aug = try #require(m.leaveOneOutAugmented)
        #expect(aug.count == 4)
        // Without augmentation the probe leans on the style and ranks the flipped file backwards.
        #expect(loo[3] < 0.3, "plain leave-one-out on the flipped file: \(loo[3])")
        #expect(aug[3] > 0.7, "augmented leave-one-out on the flipped file: \(aug[3])")
        #expect(m.table().contains("+ augmented") && m.table().contains("with augmentation"))
        let json = String(decoding: try JSONEncoder().encode(m), as: UTF8.self)
        #expect(json.contains("\"leave_one_out_augmented\""))
        // One augmentation file per plain file, in order.
        #expect(throws: ProbeError.self) {
            try GeneralizationMatrix.compute(
                kind: .logistic, hook: .residPost(0), names: names, datasets: plain, plan: .init(kind: .logistic),
                leaveOneOut: true, augmented: Array(augmented.prefix(3)))
        }
    }
}
