import Foundation
import Testing
@testable import Hooks

@Suite("Hook names") struct HookNameTests {
    @Test("every hook name round-trips through its string")
    func roundTrip() throws {
        for name in HookName.all(nLayers: 3) {
            #expect(try HookName(parsing: name.description) == name)
        }
        #expect(HookName.all(nLayers: 3).count == 1 + 3 * BlockHook.allCases.count + 1)
    }

    @Test("the DESIGN.md strings parse to the expected cases")
    func knownStrings() throws {
        #expect(try HookName(parsing: "hook_embed") == .embed)
        #expect(try HookName(parsing: "blocks.14.hook_resid_post") == .residPost(14))
        #expect(try HookName(parsing: "blocks.0.ln1.hook_normalized") == .block(0, .ln1Normalized))
        #expect(try HookName(parsing: "blocks.2.attn.hook_z") == .block(2, .attnZ))
        #expect(try HookName(parsing: "blocks.29.mlp.hook_post") == .block(29, .mlpPost))
        #expect(try HookName(parsing: "ln_final.hook_normalized") == .lnFinal)
    }

    @Test(
        "a typo is an error that names the valid forms",
        arguments: [
            "blocks.14.hook_resid_pots", "blocks.x.hook_resid_post", "blocks.-1.hook_resid_post",
            "block.3.hook_resid_post", "hook_embedding", "blocks.03.hook_resid_post", "", "blocks.3",
        ])
    func typo(text: String) {
        #expect(throws: HookError.self) { try HookName(parsing: text) }
        do { _ = try HookName(parsing: text) } catch {
            #expect(String(describing: error).contains("hook_resid_post"))
        }
    }

    @Test("Codable uses the plain string")
    func codable() throws {
        let data = try JSONEncoder().encode([HookName.residPost(3), .lnFinal])
        #expect(String(decoding: data, as: UTF8.self) == #"["blocks.3.hook_resid_post","ln_final.hook_normalized"]"#)
        let back = try JSONDecoder().decode([HookName].self, from: data)
        #expect(back == [.residPost(3), .lnFinal])
        do {
            _ = try JSONDecoder().decode([HookName].self, from: Data(#"["blocks.3.resid"]"#.utf8))
            Issue.record("decoded an unknown hook name")
        } catch DecodingError.dataCorrupted(let context) {
            #expect(context.underlyingError is HookError)
            #expect(context.debugDescription.contains("'blocks.3.resid'"))
        }
    }

    @Test("layer validation rejects layers the model lacks")
    func layerRange() throws {
        try HookName.residPost(29).validate(nLayers: 30)
        #expect(throws: HookError.layerOutOfRange(name: "blocks.30.hook_resid_post", layer: 30, nLayers: 30)) {
            try HookName.residPost(30).validate(nLayers: 30)
        }
        #expect(throws: HookError.self) { try HookFilter.residPost(layers: [1, 40]).validate(nLayers: 30) }
    }

    @Test("hooks sort in firing order and the filter knows the deepest layer")
    func orderAndDepth() throws {
        let f: HookFilter = [.lnFinal, .block(2, .residPost), .block(2, .residPre), .embed]
        #expect(f.sorted == [.embed, .block(2, .residPre), .block(2, .residPost), .lnFinal])
        #expect(f.deepestLayer(nLayers: 30) == 29)
        #expect(HookFilter.residPost(layers: [3, 7]).deepestLayer(nLayers: 30) == 7)
        #expect(HookFilter([.embed]).deepestLayer(nLayers: 30) == -1)
        #expect(HookFilter.none.deepestLayer(nLayers: 30) == -1)
        #expect(try HookFilter(parsing: ["blocks.1.hook_resid_post"]).contains(1, .residPost))
    }
}
