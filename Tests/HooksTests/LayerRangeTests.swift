import Testing
@testable import Hooks

/// Found by tests-interop/hostile: `capture --layers=0-1099511627776` expanded the range into a set of 2^40 layers
/// before any check (a hang, then out of memory). Layer numbers past `LayerSelection.maxLayer` are refused first.
@Suite struct LayerRangeTests {
    @Test(
        "a range past the largest layer number is refused before it is expanded",
        arguments: ["0-200000", "0-1099511627776", "3,100000", "9223372036854775806-9223372036854775807"])
    func hugeRange(text: String) {
        #expect(throws: HookError.self) { try LayerSelection(parsing: text) }
    }

    @Test("ranges up to the largest layer number still read")
    func largestLayer() throws {
        #expect(
            try LayerSelection(parsing: "0-\(LayerSelection.maxLayer)") == .layers(Array(0...LayerSelection.maxLayer)))
    }
}
