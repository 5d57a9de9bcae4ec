import Testing
@testable import Gate

@Suite struct GateSmoke {
    @Test("the Gate module builds") func builds() { #expect(Bool(true)) }
}
