// Fuzz target: the CSV statement reader (`capture --dataset x.csv`) and TruthfulQA's CSV of given answers. Any input
// must parse or throw, never trap.
import Capture
import FuzzSupport

/// With POLYGRAPH_FUZZ_WRITE_SEEDS=<dir>: writes this target's seeds there and exits.
func writeSeeds() {
    writeSeedsIfAsked {
        [
            ("plain.csv", "statement,label\nParis is in France.,1\nParis is in Spain.,0\n"),
            (
                "quoted.csv",
                "statement,label,topic\r\n\"A, quoted \"\"statement\"\"\",true,geo\r\n\"multi\nline\",false,x\r\n"
            ),
            ("meta-first.csv", "id,label,statement\n7,1.0,The sky is blue.\n8,0.0,Water is dry.\n"),
            ("bom.csv", "\u{FEFF}Statement,Label\nOne,TRUE\n"),
            ("missing.csv", "statement,label\nok,1\nshort\n"),
            (
                "truthfulqa.csv",
                "Type,Question,Best Answer,Correct Answers,Incorrect Answers\nA,\"Q, really?\",yes,yes; sure,no; never\n"
            ),
        ].map { ($0.0, Array($0.1.utf8)) }
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzBytes(data, size)
    _ = try? CSVReader.parse(bytes, path: "fuzz.csv")
    _ = try? QuestionsReader.truthfulQACSV(bytes, path: "fuzz.csv")
    return 0
}
