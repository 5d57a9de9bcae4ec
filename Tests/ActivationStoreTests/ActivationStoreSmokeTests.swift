import Testing
@testable import ActivationStore

@Suite struct ActivationStoreSmoke {
    @Test("the ActivationStore module builds") func builds() { #expect(Bool(true)) }
}
