import Testing
@testable import Inference

@Suite struct ExactAnswerTests {
    /// The exact answer's words as text, from a token split of `answer` given as pieces.
    static func exact(_ question: String, _ pieces: [String]) -> String? {
        ExactAnswer.lastToken(question: question, tokenBytes: pieces.map { Array($0.utf8) }).map { pieces[$0] }
    }

    @Test("the exact answer ends at the first run of words the question does not hold")
    func spans() {
        let q = "What is the capital of Australia?"
        #expect(
            Self.exact(q, ["The", " capital", " of", " Australia", " is", " Can", "berra", ".", " It", " lies"])
                == "berra")
        #expect(Self.exact(q, ["Sydney", " is", " the", " capital", "."]) == "Sydney")
        #expect(Self.exact(q, ["Australia", "'s", " capital", " is", " Canberra", "."]) == " Canberra")
        #expect(Self.exact("When did it happen?", ["It", " happened", " in", " 19", "89", "."]) == "89")
        #expect(Self.exact("How far is it?", [" About", " 2", ".", "5", " km", " away"]) == " away")
        #expect(
            Self.exact("Who wrote Hamlet?", ["It", " was", " William", " Shakespeare", ".", " He", " wrote"])
                == " Shakespeare")
        #expect(Self.exact("Where is Bogotá?", ["Bogota", " is", " in", " Colombia"]) == " Colombia")
    }

    @Test("an answer without new words has no exact answer; odd bytes do not trap")
    func none() {
        #expect(Self.exact("Is it the capital?", ["It", " is", " the", " capital", "."]) == nil)
        #expect(ExactAnswer.lastToken(question: "", tokenBytes: []) == nil)
        #expect(
            ExactAnswer.lastToken(question: "q", tokenBytes: [[0xE2, 0x82], [0xAC], [0xFF], Array(" x".utf8)]) == 3)
    }
}
