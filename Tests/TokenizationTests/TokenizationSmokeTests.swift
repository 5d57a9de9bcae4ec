import Testing
@testable import Tokenization

@Suite struct TokenizationSmoke {
    @Test("the Tokenization module builds") func builds() { #expect(Bool(true)) }
}
