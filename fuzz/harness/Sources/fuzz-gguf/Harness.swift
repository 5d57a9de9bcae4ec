// Fuzz target: a GGUF model file as `inspect`, `generate` and `serve` open it: parse (header, metadata, tensor
// directory), summary, dequantisation of small tensors, the model's load config and hook list, the full model load,
// the tokenizer and chat template it describes (rendered once; fuzz-jinja fuzzes templates on their own). Any input
// must load or throw, never trap or allocate without bound.
import Foundation
import FuzzSupport
import GGUF
import Inference
import Tokenization

let scratch = ScratchFile("model.gguf")

/// With POLYGRAPH_FUZZ_WRITE_SEEDS=<dir>: writes this target's seeds there and exits.
func writeSeeds() {
    writeSeedsIfAsked { try TinyModels.seeds() }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    scratch.write(fuzzBytes(data, size))
    guard let file = try? GGUFFile(path: scratch.path) else { return 0 }
    _ = GGUFSummary(file: file).render(maxTensors: 16)
    for tensor in file.tensors.prefix(16) where tensor.byteCount <= 1 << 16 {
        _ = try? file.dequantize(tensor)
    }
    _ = try? ModelConfig.llamaFamily(from: file)
    _ = try? ArchitectureRegistry.hookNames(for: file)
    _ = try? ArchitectureRegistry.makeModel(from: file)
    if let tokenizer = try? makeTokenizer(from: file) {
        let ids = tokenizer.encodePrompt("Hello <|im_start|>world 12345!\n", parseSpecial: true)
        _ = tokenizer.decode(ids)
        if let template = try? ChatTemplate(gguf: file, tokenizer: tokenizer) {
            _ = try? template.render(messages: [.user("Hello")], addGenerationPrompt: true)
        }
    }
    return 0
}
