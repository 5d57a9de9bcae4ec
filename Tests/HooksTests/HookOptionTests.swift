import Foundation
import Testing
import Hooks

@Suite("Hook patterns and layer lists") struct HookOptionTests {
    @Test("every spelling of a block hook reads as the same pattern", arguments: BlockHook.allCases)
    func spellings(hook: BlockHook) throws {
        var spellings = [hook.shorthand, hook.rawValue]
        if hook.rawValue.hasPrefix("hook_") { spellings.append(String(hook.rawValue.dropFirst(5))) }
        for spelling in spellings { #expect(try HookPattern(parsing: spelling) == .perLayer(hook), "\(spelling)") }
        #expect(try HookPattern(parsing: hook.shorthand).description == hook.shorthand)
    }

    @Test("mlp_post is mlp.hook_post at each layer (blocks.L.hook_mlp_post does not exist)")
    func mlpPost() throws {
        let pattern = try HookPattern(parsing: "mlp_post")
        #expect(pattern.name(layer: 11).description == "blocks.11.mlp.hook_post")
        #expect(try HookPattern(parsing: "mlp.hook_post") == pattern)
        #expect(throws: HookError.self) { try HookPattern(parsing: "hook_mlp_post") }
    }

    @Test("full names, embed and ln_final name one hook whatever the layer")
    func fullNames() throws {
        #expect(try HookPattern(parsing: "blocks.3.attn.hook_z") == .name(.block(3, .attnZ)))
        #expect(try HookPattern(parsing: "blocks.3.attn.hook_z").fixedLayer == 3)
        #expect(try HookPattern(parsing: "embed") == .name(.embed))
        #expect(try HookPattern(parsing: "hook_embed") == .name(.embed))
        #expect(try HookPattern(parsing: "ln_final") == .name(.lnFinal))
        #expect(try HookPattern(parsing: " ln_final.hook_normalized ").name(layer: 5) == .lnFinal)
        #expect(try HookPattern(parsing: "ln_final").fixedLayer == nil)
        #expect(try HookPattern(parsing: "resid_post").fixedLayer == nil)
        #expect(try HookPattern(parsing: "resid_post").isFullName == false)
    }

    @Test(
        "an unknown entry is an error that lists the shorthands",
        arguments: [
            "resid", "blocks.3.hook_resid_pots", "mlp_posts", "", "blocks.x.hook_resid_post",
        ])
    func unknown(text: String) {
        #expect(throws: HookError.self) { try HookPattern(parsing: text) }
        do { _ = try HookPattern(parsing: text) } catch {
            #expect(String(describing: error).contains("resid_post"))
        }
    }

    @Test("a hook list expands over layers: validated, without repeats, in firing order")
    func expand() throws {
        let patterns = try HookPattern.parseList("mlp_post, resid_post,blocks.1.hook_resid_post,embed")
        let names = try HookPattern.expand(patterns, layers: [2, 1], nLayers: 4)
        #expect(
            names.map(\.description) == [
                "hook_embed", "blocks.1.mlp.hook_post", "blocks.1.hook_resid_post", "blocks.2.mlp.hook_post",
                "blocks.2.hook_resid_post",
            ])
        #expect(throws: HookError.layerOutOfRange(name: "blocks.9.hook_resid_post", layer: 9, nLayers: 4)) {
            try HookPattern.expand([.name(.residPost(9))], layers: [], nLayers: 4)
        }
        #expect(throws: HookError.noHooks(option: "--hooks")) { try HookPattern.parseList(" , ") }
    }

    @Test(
        "layer lists: all, numbers and ranges, in any order, without repeats",
        arguments: [
            ("all", nil), ("ALL", nil), ("10-12", [10, 11, 12]), ("7,14,20-23", [7, 14, 20, 21, 22, 23]),
            ("3, 1,2-3", [1, 2, 3]), ("5", [5]), ("0-0", [0]),
        ] as [(String, [Int]?)])
    func layerLists(text: String, expected: [Int]?) throws {
        let selection = try LayerSelection(parsing: text)
        #expect(selection == (expected.map(LayerSelection.layers) ?? .all))
        #expect(try LayerSelection(parsing: selection.description) == selection)
    }

    @Test(
        "an unreadable layer list names the bad entry",
        arguments: [
            ("", ""), ("1,,2", ""), ("12-10", "12-10"), ("a", "a"), ("1-2-3", "1-2-3"), ("-1", "-1"), ("3,x-4", "x-4"),
        ])
    func badLayerLists(text: String, entry: String) {
        #expect(throws: HookError.unreadableLayers(text: text, entry: entry)) { try LayerSelection(parsing: text) }
    }

    @Test("resolving checks the layers against the model or against the stored layers")
    func resolve() throws {
        #expect(try LayerSelection.all.resolve(nLayers: 3) == [0, 1, 2])
        #expect(try LayerSelection(parsing: "1-2").resolve(nLayers: 3) == [1, 2])
        #expect(throws: HookError.layerMissing(layer: 3, available: "0-2")) {
            try LayerSelection(parsing: "2-3").resolve(nLayers: 3)
        }
        #expect(try LayerSelection.all.resolve(available: [9, 4, 5]) == [4, 5, 9])
        #expect(throws: HookError.layerMissing(layer: 6, available: "4-5,9")) {
            try LayerSelection(parsing: "5,6").resolve(available: [4, 5, 9])
        }
        #expect(LayerSelection.layers([]).description == "(none)")
    }
}
