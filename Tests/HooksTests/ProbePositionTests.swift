import Foundation
import Testing
@testable import Hooks

@Suite("Probe positions") struct ProbePositionTests {
    static let fileStrings = [
        "last", "mean", "all", "answer", "question", "answer_mean", "answer_max", "answer_exact",
    ]

    @Test("every position is the string files hold, and round-trips through JSON as that string")
    func roundTrip() throws {
        #expect(ProbePosition.allCases.map(\.rawValue) == Self.fileStrings)
        for position in ProbePosition.allCases {
            #expect(try ProbePosition(parsing: position.rawValue) == position)
            let json = try JSONEncoder().encode([position])
            #expect(String(decoding: json, as: UTF8.self) == "[\"\(position.rawValue)\"]")
            #expect(try JSONDecoder().decode([ProbePosition].self, from: json) == [position])
        }
    }

    @Test("an unknown position is an error naming it and every accepted value")
    func unknown() throws {
        #expect(throws: HookError.unknownPosition(value: "middle", accepted: ProbePosition.acceptedValues)) {
            try ProbePosition(parsing: "middle")
        }
        do {
            _ = try JSONDecoder().decode([ProbePosition].self, from: Data(#"["Last"]"#.utf8))
            Issue.record("decoded an unknown position")
        } catch DecodingError.dataCorrupted(let context) {
            #expect(
                context.underlyingError as? HookError
                    == .unknownPosition(value: "Last", accepted: ProbePosition.acceptedValues))
            for accepted in Self.fileStrings { #expect(context.debugDescription.contains(accepted)) }
            #expect(context.debugDescription.contains("'Last'"))
        }
    }

    @Test("capture positions map to themselves; answer and the extra answer positions come from an answer capture")
    func capture() {
        for capture in CapturePosition.allCases {
            #expect(ProbePosition(capture).rawValue == capture.rawValue)
            #expect(ProbePosition(capture).capturePosition == capture)
        }
        #expect(
            ProbePosition.answerExtras.map(\.rawValue) == ["question", "answer_mean", "answer_max", "answer_exact"])
        #expect(ProbePosition.answerExtras.allSatisfy { $0.capturePosition == .answer && $0.isAnswerExtra })
        #expect(!ProbePosition.answer.isAnswerExtra && !ProbePosition.last.isAnswerExtra)
    }
}
