import Testing
@testable import GGUF

@Suite struct GGUFSmoke {
    @Test("the GGUF module builds") func builds() { #expect(Bool(true)) }
}
