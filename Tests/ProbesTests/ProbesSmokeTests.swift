import Testing
@testable import Probes

@Suite struct ProbesSmoke {
    @Test("the Probes module builds") func builds() { #expect(Bool(true)) }
}
