import Foundation
import Testing
@testable import Probes

@Suite struct ArtifactTests {
    static func artifact(kind: ProbeKind = .logistic) throws -> ProbeArtifact {
        let data = try Synthetic.dataset(n: 200, d: 8, negatedFraction: kind == .ttpd ? 0.5 : 0)
        var plan = ProbeFitter.Plan(kind: kind)
        plan.calibrate = true
        plan.options.maxEpochs = 5
        let out = try ProbeFitter.fit(data, plan: plan)
        let record = ProbeArtifact.TrainingRecord(
            datasets: [.init(name: "synthetic", sha256: "ab", n: 200)], seed: 0, split: 0.8,
            metrics: ["test": out.test!], layer: 3, nTrain: out.nTrain,
            nCalibration: out.nCalibration, nTest: out.nTest, skippedUnlabeled: 0,
            maxFalseOK: 0.05, maxTrueFlagged: 0.05, groupBy: nil)
        return ProbeArtifact(
            model: out.model, identity: .init(name: "tiny", architecture: "llama", sha256: "abc"),
            hook: .residPost(3), position: .last, calibration: out.calibration,
            thresholds: out.thresholds, training: record, createdBy: TrainJob.createdBy)
    }

    @Test("every kind round-trips through JSON and scores the same afterwards", arguments: ProbeKind.allCases)
    func roundTrip(kind: ProbeKind) throws {
        let a = try Self.artifact(kind: kind)
        let b = try ProbeArtifact.decode(try a.encoded())
        #expect(a == b)
        let x: [Float] = (0..<8).map { Float($0) * 0.3 - 1 }
        // The hybrid kind also reads the answer's confidences; the other kinds ignore them.
        let c = ["mean_logprob": -0.7, "min_logprob": -2.5, "mean_entropy": 1.1, "mean_margin": .nan]
        let s1 = try ProbeScorer(artifact: a).score(activation: x, confidence: c)
        let s2 = try ProbeScorer(artifact: b).score(activation: x, confidence: c)
        #expect(try ProbeScorer(artifact: b).dims == 8)
        #expect(s1 == s2)
        #expect((0...1).contains(s1.pTrue))
        #expect(b.probeKind == kind)
    }

    @Test("the JSON has the DESIGN.md top-level keys")
    func keys() throws {
        let json = try JSONSerialization.jsonObject(with: try Self.artifact().encoded()) as! [String: Any]
        for key in [
            "format", "format_version", "kind", "model", "hook", "position", "normalization", "parameters",
            "calibration", "thresholds", "training", "created_at", "created_by",
        ] {
            #expect(json[key] != nil, "missing \(key)")
        }
        #expect(json["format"] as? String == "polygraph.probe")
        #expect((json["thresholds"] as? [String: Any])?.keys.sorted() == ["likely_false", "uncertain"])
        #expect((json["calibration"] as? [String: Any])?["method"] as? String == "platt")
    }

    func mutated(_ edit: (inout [String: Any]) -> Void) throws -> Data {
        var json = try JSONSerialization.jsonObject(with: try Self.artifact().encoded()) as! [String: Any]
        edit(&json)
        return try JSONSerialization.data(withJSONObject: json)
    }

    func expectInvalid(_ data: Data, mentioning text: String) {
        do { _ = try ProbeArtifact.decode(data, path: "p.json"); Issue.record("accepted a bad artifact") } catch let e
            as ProbeError
        {
            #expect(e.description.contains(text), "\(e.description)")
        } catch { Issue.record("unexpected \(error)") }
    }

    @Test("loading rejects a wrong format, version, unknown kind, dims mismatch, null (NaN) weights, bad thresholds")
    func validation() throws {
        expectInvalid(
            try mutated { $0["format"] = "polygraph.activations" }, mentioning: "expected \"polygraph.probe\"")
        expectInvalid(try mutated { $0["format_version"] = 2 }, mentioning: "format_version 2")
        expectInvalid(try mutated { $0["kind"] = "svm" }, mentioning: "unknown kind \"svm\"")
        expectInvalid(
            try mutated { j in
                var p = j["parameters"] as! [String: Any]; p["weights"] = [1.0, 2.0]; j["parameters"] = p
            }, mentioning: "has 2 values but the probe reads 8")
        expectInvalid(
            try mutated { j in
                var p = j["parameters"] as! [String: Any]; var w = p["weights"] as! [Any]; w[0] = NSNull();
                p["weights"] = w; j["parameters"] = p
            }, mentioning: "null")
        expectInvalid(
            try mutated { j in j["thresholds"] = ["uncertain": 0.2, "likely_false": 0.6] }, mentioning: "likely_false")
        expectInvalid(try mutated { j in j.removeValue(forKey: "hook") }, mentioning: "missing key \"hook\"")
        expectInvalid(Data("[1,2]".utf8), mentioning: "not a JSON object")
        // Hardening issue, defect 7: an MLP layer of 2^55 outputs used to overflow inputs × outputs and trap.
        expectInvalid(
            try mutated { j in
                j["kind"] = "mlp"
                j["parameters"] = [
                    "layers": [["inputs": 8, "outputs": 1 << 55, "weights": [Float](), "bias": [Float]()]]
                ]
            }, mentioning: "parameters.layers[0]")
    }

    @Test("applying a probe to another model, hook or position is refused unless overridden; width never")
    func compatibility() throws {
        let a = try Self.artifact()
        #expect(throws: ProbeError.incompatibleActivations(field: "model sha256", probe: "abc", activations: "def")) {
            try a.checkCompatible(modelSHA256: "def", hook: nil, position: nil, dims: nil)
        }
        #expect(throws: ProbeError.self) {
            try a.checkCompatible(modelSHA256: "abc", hook: .residPost(4), position: nil, dims: 8)
        }
        #expect(throws: ProbeError.self) {
            try a.checkCompatible(modelSHA256: nil, hook: nil, position: .mean, dims: nil)
        }
        try a.checkCompatible(
            modelSHA256: "def", hook: .residPost(4), position: .mean, dims: 8, allowMismatch: true)
        #expect(throws: ProbeError.dimensionMismatch(source: "activations", expected: 8, found: 9)) {
            try a.checkCompatible(modelSHA256: nil, hook: nil, position: nil, dims: 9, allowMismatch: true)
        }
        #expect(throws: ProbeError.self) { try ProbeScorer(artifact: a).score(activation: [1, 2, 3]) }
    }

    @Test("flags follow the thresholds and the summary names kind, hook and thresholds")
    func flagsAndSummary() throws {
        var a = try Self.artifact()
        a.thresholds = FlagThresholds(uncertain: 0.7, likelyFalse: 0.3)
        let s = try ProbeScorer(artifact: a)
        #expect(s.flag(pTrue: 0.7) == .ok && s.flag(pTrue: 0.5) == .uncertain && s.flag(pTrue: 0.29) == .likelyFalse)
        let text = ProbeSummary(a).text()
        #expect(text.contains("logistic") && text.contains("blocks.3.hook_resid_post") && text.contains("0.700"))
    }
}
