// Fuzz target: the JSONL questions reader (`capture --questions x.jsonl`). Any input must parse or throw.
import Capture
import Foundation
import FuzzSupport

/// With POLYGRAPH_FUZZ_WRITE_SEEDS=<dir>: writes this target's seeds there and exits.
func writeSeeds() {
    writeSeedsIfAsked {
        [
            (
                "plain.jsonl",
                #"{"question": "What is the capital of France?", "answers": ["Paris"]}"# + "\n"
                    + #"{"question": "2+2?", "answers": ["4", "four"], "topic": "math"}"# + "\n"
            ),
            ("blank-lines.jsonl", "\n" + #"{"question":"Q","answer":"A"}"# + "\r\n\n"),
            ("bad.jsonl", #"{"question": 5}"# + "\n" + #"["not", "an", "object"]"# + "\n"),
            ("unicode.jsonl", #"{"question": "Qu\u00e9 es \ud83d\ude00?", "answers": ["\u0000x"]}"# + "\n"),
            // public benchmarks' shapes (QuestionsReader+Benchmarks.swift)
            (
                "benchmarks.jsonl",
                #"{"question": "q", "answer": {"value": "v", "aliases": ["a"]}, "search_results": {"u": []}}"# + "\n"
                    + #"{"question": "q", "possible_answers": "[\"x\", \"y\"]"}"# + "\n"
                    + #"{"question": "q", "right_answer": "r", "hallucinated_answer": "h"}"# + "\n"
                    + #"{"question": "q", "correct_answers": ["c"], "incorrect_answers": "i; j"}"# + "\n"
            ),
            ("array.json", #"[{"question": "q", "answer": ["a"]}, 5]"#),
            ("triviaqa.json", #"{"Data": [{"Question": "q", "Answer": {"Value": "v", "Aliases": []}}], "Version": 1}"#),
        ].map { ($0.0, Array($0.1.utf8)) }
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    _ = try? QuestionsReader.parse(Data(fuzzBytes(data, size)), path: "fuzz.jsonl")
    return 0
}
