import Testing
@testable import Inference

@Suite struct InferenceSmoke {
    @Test("the Inference module builds") func builds() { #expect(Bool(true)) }
}
