import ActivationStore
import Foundation
import Hooks
import Testing

@testable import Probes

@Suite("eval --scores: every evaluated row with its file, row, score and confidences")
struct EvaluationScoresTests {
    @Test(
        "rows keep their files and row numbers past unlabeled rows; scores equal the gate's; the metrics are unchanged")
    func rowsAndScores() throws {
        let dir = StoreFiles.tempDir()
        var labels = (0..<60).map { Int8($0 % 2) }
        labels[3] = -1
        labels[10] = -1
        try StoreFiles.write(dir + "/a.h5", n: 60, labels: labels, seed: 11, confidenceSignal: 1)
        try StoreFiles.write(
            dir + "/b.h5", n: 40, seed: 12, confidenceSignal: 1,
            text: { $0 == 5 ? "Is \"Paris\", the capital,\nin France?" : "b\($0)" })
        var plan = ProbeFitter.Plan(kind: .logistic)
        plan.calibrate = true
        try TrainJob.run(paths: [dir + "/a.h5"], plan: plan, layer: .index(2)).artifact.write(to: dir + "/p.json")

        let paths = [dir + "/a.h5", dir + "/b.h5"]
        let (evaluation, collected) = try TrainJob.evaluate(
            probePath: dir + "/p.json", paths: paths, allowMismatch: false, groupBy: "group", withScores: true)
        let scores = try #require(collected)
        #expect(scores.rows.count == 98 && evaluation.metrics.n == 98)
        let plain = try TrainJob.evaluate(
            probePath: dir + "/p.json", paths: paths, allowMismatch: false, groupBy: "group")
        #expect(plain.metrics == evaluation.metrics)
        #expect(scores.rows.filter { $0.file == paths[0] }.map(\.row) == (0..<60).filter { $0 != 3 && $0 != 10 })
        #expect(scores.rows.filter { $0.file == paths[1] }.map(\.row) == Array(0..<40))
        #expect(scores.confidenceColumns == ["mean_logprob", "min_logprob", "mean_entropy", "mean_margin"])

        let scorer = try ProbeScorer(path: dir + "/p.json")
        for file in paths {
            let reader = try ActivationReader(path: file)
            let x = try reader.rows(hook: .residPost(2))
            let confidence = try #require(try reader.confidence())
            for r in scores.rows where r.file == file {
                let expected = try scorer.score(activation: Array(x[(r.row * 8)..<(r.row * 8 + 8)]))
                #expect(abs(r.pTrue - expected.pTrue) < 1e-6)  // float32 sums: batch vs one
                // Each row's flag follows its own P(true). The thresholds are training rows' own scores, so a row can
                // sit on one, where the two sums' last bit decides: flags are compared only away from a threshold.
                #expect(r.flag == scorer.flag(pTrue: r.pTrue))
                let t = scorer.artifact.thresholds
                if min(abs(r.pTrue - t.uncertain), abs(r.pTrue - t.likelyFalse)) > 1e-6 {
                    #expect(r.flag == expected.flag)
                }
                #expect(r.label == Int(try reader.labels()[r.row]) && r.group == "g\(r.row % 20)")
                #expect(r.confidence[2].bitPattern == confidence["mean_entropy"]![r.row].bitPattern)
            }
        }

        let csv = scores.csv()
        let lines = csv.components(separatedBy: "\r\n")
        #expect(
            lines[0]
                == "file,row,id,group,label,p_true,raw,flag,mean_logprob,min_logprob,mean_entropy,mean_margin,text,answer"
        )
        #expect(lines.count == 98 + 2 && lines.last == "")  // header, rows, the last line's end
        let quoted = try #require(lines.first { $0.hasPrefix(paths[1] + ",5,") })
        #expect(quoted.hasSuffix(",\"Is \"\"Paris\"\", the capital,\nin France?\","))
        let b7 = try #require(scores.rows.first { $0.file == paths[1] && $0.row == 7 })
        #expect(b7.confidence[3].isNaN)  // row 7's margin is unknown: an empty field
        #expect(lines.contains { $0.hasPrefix(paths[1] + ",7,") && $0.hasSuffix(",,b7,") })
    }
}
