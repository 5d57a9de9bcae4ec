import Testing
@testable import Server

@Suite struct ServerSmoke {
    @Test("the Server module builds") func builds() { #expect(Bool(true)) }
}
