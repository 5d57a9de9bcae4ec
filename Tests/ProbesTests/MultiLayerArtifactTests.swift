import Foundation
import Testing
import Hooks
@testable import Probes

@Suite("Multi-layer probe artifacts: the additive hooks field")
struct MultiLayerArtifactTests {
    static let hooks: [HookName] = [.residPost(1), .residPost(2)]

    /// A logistic probe of two hooks of width 4 (8 inputs).
    static func artifact() throws -> ProbeArtifact {
        var a = try ArtifactTests.artifact()
        a.hooks = hooks
        a.hook = hooks[0]
        return a
    }

    func json(_ edit: (inout [String: Any]) -> Void) throws -> Data {
        var json = try JSONSerialization.jsonObject(with: try Self.artifact().encoded()) as! [String: Any]
        edit(&json)
        return try JSONSerialization.data(withJSONObject: json)
    }

    func expectInvalid(_ data: Data, mentioning text: String) {
        do { _ = try ProbeArtifact.decode(data, path: "p.json"); Issue.record("accepted a bad artifact") } catch let e {
            #expect("\(e)".contains(text), "\(e)")
        }
    }

    @Test("a multi-layer artifact round-trips; a single-hook one has no hooks key")
    func roundTrip() throws {
        let a = try Self.artifact()
        let b = try ProbeArtifact.decode(try a.encoded())
        #expect(a == b && b.inputHooks == Self.hooks && b.hookDims == 4)
        let plain = try JSONSerialization.jsonObject(with: try ArtifactTests.artifact().encoded()) as! [String: Any]
        #expect(plain["hooks"] == nil)
        #expect(try ArtifactTests.artifact().inputHooks == [.residPost(3)])
    }

    @Test("the shipped probes (single- and multi-layer) load and re-encode byte for byte")
    func shippedProbes() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("probes")
        let files = (FileManager.default.enumerator(atPath: root.path)?.allObjects as? [String] ?? [])
            .filter { $0.hasSuffix(".json") && !$0.contains("reports") }
        #expect(!files.isEmpty)
        for file in files {
            let data = try Data(contentsOf: root.appendingPathComponent(file))
            let a = try ProbeArtifact.decode(data, path: file)
            #expect(a.inputHooks == (a.hooks ?? [a.hook]) && a.inputHooks.first == a.hook)
            #expect(try a.encoded() == data, "\(file) re-encodes differently")
        }
    }

    @Test("a hook or position outside the vocabulary is an error naming the field, the value and the accepted ones")
    func vocabulary() throws {
        expectInvalid(
            try json { $0["position"] = "middle" },
            mentioning: "\"position\": unknown position 'middle'; accepted: last, mean, all, answer, question, "
                + "answer_mean, answer_max, answer_exact")
        expectInvalid(
            try json { $0["hook"] = "blocks.3.resid" }, mentioning: "\"hook\": unknown hook name 'blocks.3.resid'")
        for position in ProbePosition.allCases {  // every position reads back as itself, written as its string
            var a = try Self.artifact()
            a.position = position
            let data = try a.encoded()
            #expect(String(decoding: data, as: UTF8.self).contains("\"position\" : \"\(position.rawValue)\""))
            #expect(try ProbeArtifact.decode(data).position == position)
        }
    }

    @Test("bad hooks fields are clear errors")
    func validation() throws {
        expectInvalid(
            try json {
                $0["hooks"] = ["blocks.1.hook_resid_post", "blocks.2.hook_resid_post", "blocks.3.hook_resid_post"]
            },
            mentioning: "do not split evenly among its 3 hooks")
        expectInvalid(
            try json { $0["hooks"] = ["blocks.1.hook_resid_post", "blocks.1.hook_resid_post"] },
            mentioning: "\"blocks.1.hook_resid_post\" more than once")
        expectInvalid(try json { $0["hooks"] = ["blocks.1.hook_resid_post"] }, mentioning: "2 to 8")
        expectInvalid(
            try json { $0["hooks"] = (0..<9).map { "blocks.\($0).hook_resid_post" } }, mentioning: "lists 9 hooks")
        expectInvalid(
            try json { $0["hooks"] = ["blocks.1.hook_resid_post", "blocks.two.hook_resid_post"] },
            mentioning: "\"hooks[1]\": unknown hook name 'blocks.two.hook_resid_post'; valid forms: hook_embed")
        expectInvalid(
            try json { $0["hooks"] = ["blocks.2.hook_resid_post", "blocks.1.hook_resid_post"] },
            mentioning: "hook must be the first of hooks")
        // The width against the activations: one hook's row is half the input.
        let a = try Self.artifact()
        #expect(throws: ProbeError.dimensionMismatch(source: "activations", expected: 8, found: 4)) {
            try a.checkCompatible(modelSHA256: nil, hook: nil, position: nil, dims: 4)
        }
    }
}
