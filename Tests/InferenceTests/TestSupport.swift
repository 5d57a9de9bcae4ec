// Paths, a .npy reader and comparison helpers shared by the inference tests.
import Foundation
import Hooks
import GGUF
import Testing
@testable import Inference

enum TestPaths {
    /// The repository root, three levels above this file (Tests/InferenceTests/TestSupport.swift).
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    /// The default model at `<root>/models/`.
    static let model = root.appendingPathComponent("models/SmolLM2-135M-Instruct.Q4_1.gguf").path
    /// `<root>/../shared/golden`.
    static let golden = root.deletingLastPathComponent().appendingPathComponent("shared/golden")
    /// True when CI is set: real-model tests then run (and fail) instead of being skipped.
    static let isCI = ProcessInfo.processInfo.environment["CI"] != nil
    /// Real-model tests run when the model and the golden files are there, or when CI demands it.
    static let realModelTestsEnabled =
        isCI
        || (FileManager.default.fileExists(atPath: model)
            && FileManager.default.fileExists(atPath: golden.appendingPathComponent("README.md").path))

    static func temporaryFile(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("inference-test-\(UUID().uuidString)-\(name)")
            .path
    }
}

/// Where a real model besides the default one lives (`scripts/fetch-model.sh NAME` fetches it; the test set-up
/// `scripts/setup.sh --with-python` fetches them for CI) and whether its tests run.
struct RealModelPaths: Sendable {
    /// The environment variable's path, else `<root>/models/FILE`.
    let model: String
    /// `../shared/golden/FOLDER`.
    let golden: URL
    /// Run when the model and the golden files are there; under CI always (then a missing file fails the test).
    let enabled: Bool

    init(environment: String, file: String, goldenFolder: String) {
        model =
            ProcessInfo.processInfo.environment[environment]
            ?? TestPaths.root.appendingPathComponent("models/\(file)").path
        golden = TestPaths.golden.appendingPathComponent(goldenFolder)
        enabled =
            TestPaths.isCI
            || (FileManager.default.fileExists(atPath: model)
                && FileManager.default.fileExists(atPath: golden.appendingPathComponent("README.md").path))
    }

    /// Qwen2.5-Coder-0.5B-Instruct Q4_K_M (`qwen2`; `scripts/fetch-model.sh qwen2.5-coder-0.5b`).
    static let qwen = RealModelPaths(
        environment: "POLYGRAPH_QWEN_GGUF", file: "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
        goldenFolder: "qwen2.5-coder-0.5b")
    /// Gemma 3 270M base Q4_K_M (`gemma3`; `scripts/fetch-model.sh gemma3-270m`).
    static let gemma = RealModelPaths(
        environment: "POLYGRAPH_GEMMA_GGUF", file: "gemma-3-270m-q4_k_m.gguf",
        goldenFolder: "gemma3-270m")
    /// Qwen2.5-Coder-1.5B-Instruct Q4_K_M (`qwen2`, 28 blocks; `scripts/fetch-model.sh qwen2.5-coder-1.5b`).
    static let qwen15 = RealModelPaths(
        environment: "POLYGRAPH_QWEN15_GGUF", file: "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        goldenFolder: "qwen2.5-coder-1.5b")
}

/// The real model, loaded once for every test that needs it.
enum SharedModel {
    static let loaded: Result<DecoderModel, Error> = Result {
        try LlamaModel.load(from: GGUFFile(path: TestPaths.model))
    }
    static func get() throws -> DecoderModel { try loaded.get() }
}

enum NPYError: Error { case malformed(String) }

/// A minimal reader for NumPy `.npy` files (format 1.0/2.0) holding little-endian float32 C-order arrays.
struct NPYArray {
    let shape: [Int]
    let values: [Float]

    init(path: String) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let bytes = [UInt8](data)
        guard bytes.count > 10, bytes[0] == 0x93, String(decoding: bytes[1..<6], as: UTF8.self) == "NUMPY" else {
            throw NPYError.malformed("\(path): not a .npy file")
        }
        let major = bytes[6]
        let headerLength: Int, headerStart: Int
        if major == 1 {
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8; headerStart = 10
        } else {
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            headerStart = 12
        }
        let header = String(decoding: bytes[headerStart..<(headerStart + headerLength)], as: UTF8.self)
        guard header.contains("'descr': '<f4'"), header.contains("'fortran_order': False") else {
            throw NPYError.malformed("\(path): expected little-endian float32 in C order, header \(header)")
        }
        guard let open = header.range(of: "'shape': ("), let close = header[open.upperBound...].firstIndex(of: ")")
        else {
            throw NPYError.malformed("\(path): no shape in header")
        }
        shape = header[open.upperBound..<close].split(separator: ",").compactMap {
            Int($0.trimmingCharacters(in: .whitespaces))
        }
        let count = shape.reduce(1, *), start = headerStart + headerLength
        guard bytes.count - start == count * 4 else { throw NPYError.malformed("\(path): data size mismatch") }
        values = data.subdata(in: start..<(start + count * 4)).withUnsafeBytes {
            Array($0.bindMemory(to: Float.self))
        }
    }
}

/// Largest absolute difference and largest absolute reference value.
func compare(_ a: [Float], _ b: [Float]) -> (maxAbsDiff: Float, maxAbsRef: Float) {
    precondition(a.count == b.count, "compare: sizes differ \(a.count) vs \(b.count)")
    var diff: Float = 0, ref: Float = 0
    for i in a.indices { diff = max(diff, abs(a[i] - b[i])); ref = max(ref, abs(b[i])) }
    return (diff, ref)
}

/// A small llama config for plumbing tests.
func tinyConfig(layers: Int = 3, tied: Bool = true) -> ModelConfig {
    ModelConfig(
        architecture: "llama", name: "tiny", nLayers: layers, dModel: 32, nHeads: 4, nKVHeads: 2, headDim: 8,
        dFF: 48, vocabSize: 67, contextLength: 128, ropeBase: 10000, ropeDim: 8, rmsEpsilon: 1e-5,
        tiedEmbeddings: tied)
}

/// Runs `sequences` through both models capturing every hook of `nLayers` blocks and all logits, and expects
/// bit-identical results (a model loaded from a written GGUF against the one built from the same weights).
func expectIdenticalRuns(
    _ a: any CausalLanguageModel, _ b: any CausalLanguageModel, _ sequences: [[Int32]],
    nLayers: Int
) throws {
    let x = try a.run(sequences, capture: .all(nLayers: nLayers), logits: .all)
    let y = try b.run(sequences, capture: .all(nLayers: nLayers), logits: .all)
    #expect(x.count == y.count)
    for (p, q) in zip(x, y) {
        #expect(p.captured == q.captured)
        #expect(p.allLogits == q.allLogits)
    }
}

/// Prefills `prompt` in both models, then feeds `steps` one token at a time and expects every hook of `filter`
/// and the logits of each step to agree within 1e-4 · max |F32 value| (quantised decode against the F32 path).
func expectDecodeStepsMatch(
    _ quant: DecoderModel, _ f32: DecoderModel, prompt: [Int32], steps: [Int32],
    filter: HookFilter, label: String
) throws {
    var results: [[SequenceActivations]] = []
    for model in [quant, f32] {
        let cache = model.makeCache()
        _ = try model.forward([prompt], caches: [cache], capture: .none, logits: .last)
        results.append(try steps.map { try model.forward([[$0]], caches: [cache], capture: filter, logits: .last)[0] })
    }
    for (a, b) in zip(results[0], results[1]) {
        for hook in filter.sorted {
            let (diff, scale) = compare(try #require(a.activations(hook)), try #require(b.activations(hook)))
            #expect(diff <= 1e-4 * scale, "\(label) \(hook): \(diff) of \(scale)")
        }
        let (diff, scale) = compare(try #require(a.lastLogits), try #require(b.lastLogits))
        #expect(diff <= 1e-4 * scale, "\(label) logits: \(diff) of \(scale)")
        print("\(label) quantised vs F32 decode step: logits max abs diff \(diff) (max |logit| \(scale))")
    }
}

/// A golden prompt, `<dir>/<name>.json`: its text and the reference token ids.
struct GoldenPrompt: Decodable {
    let text: String
    let token_ids: [Int32]

    init(_ name: String, in dir: URL) throws {
        let file = dir.appendingPathComponent("\(name).json")
        if FileManager.default.fileExists(atPath: file.path) {
            self = try JSONDecoder().decode(Self.self, from: Data(contentsOf: file))
            return
        }
        // Golden folders written as one `index.json` (qwen2.5-coder-1.5b): `prompts[name]` holds `text` and `ids`.
        struct Index: Decodable {
            struct Prompt: Decodable { let text: String; let ids: [Int32] }; let prompts: [String: Prompt]
        }
        let index = try JSONDecoder().decode(
            Index.self, from: Data(contentsOf: dir.appendingPathComponent("index.json")))
        guard let prompt = index.prompts[name] else {
            throw NPYError.malformed("\(dir.path)/index.json has no prompt \(name)")
        }
        text = prompt.text
        token_ids = prompt.ids
    }

    init(text: String, token_ids: [Int32]) {
        self.text = text
        self.token_ids = token_ids
    }
}

/// A golden greedy run, `<dir>/greedy_chat_capital.json`: the chat prompt, its ids and the reference continuation.
struct GoldenGreedy: Decodable {
    let prompt: String
    let prompt_ids: [Int32]
    let ids: [Int32]
    let generate_ids: [Int32]

    init(in dir: URL) throws {
        self = try JSONDecoder().decode(
            Self.self, from: Data(contentsOf: dir.appendingPathComponent("greedy_chat_capital.json")))
    }
}

/// Runs golden prompt `name`'s reference ids through `model` and checks the golden tensors of an `nLayers`-block
/// model — `<name>_hidden_L0` (hook_embed), `L1`, `L<middle>`, `L<nLayers>_prenorm` (last resid_post) and
/// `L<nLayers>` (after the final norm) — and `<name>_logits_last.npy`: same size,
/// max |ours − ref| ≤ tolerance · max |ref|, and the same argmax token. Prints the max abs diff of each tensor
/// after `label`; returns the golden prompt, for the caller's tokenizer check.
@discardableResult
func expectGoldenParity(
    _ model: any CausalLanguageModel, prompt name: String, dir: URL, middle: Int,
    tolerance: Float, label: String, decodeKernels: Bool = false
) throws -> GoldenPrompt {
    let golden = try GoldenPrompt(name, in: dir)
    let n = model.config.nLayers
    let hooks: [(file: String, hook: HookName)] = [
        ("L0", .embed), ("L1", .residPost(0)), ("L\(middle)", .residPost(middle - 1)),
        ("L\(n)_prenorm", .residPost(n - 1)), ("L\(n)", .lnFinal),
    ]
    // decodeKernels: every row through the decode steps' kernels on the quantised blocks (quantizedPrefill).
    let cache = model.makeCache(maxLength: golden.token_ids.count, initialCapacity: golden.token_ids.count)
    let result = try model.forward(
        [golden.token_ids], caches: [cache], capture: HookFilter(hooks.map(\.hook)), logits: .last,
        quantizedPrefill: decodeKernels)[0]
    var report: [String] = []
    for (file, hook) in hooks {
        let ref = try NPYArray(path: dir.appendingPathComponent("\(name)_hidden_\(file).npy").path)
        let ours = try #require(result.activations(hook))
        #expect(ours.count == ref.values.count, "\(name) \(hook): \(ours.count) values, reference \(ref.values.count)")
        let (diff, scale) = compare(ours, ref.values)
        report.append("\(file) \(diff) (max |ref| \(scale))")
        #expect(diff <= tolerance * scale, "\(name) \(hook): max abs diff \(diff), max |ref| \(scale)")
    }
    let refLogits = try NPYArray(path: dir.appendingPathComponent("\(name)_logits_last.npy").path)
    let ours = try #require(result.lastLogits)
    let (diff, scale) = compare(ours, refLogits.values)
    report.append("logits \(diff) (max |ref| \(scale))")
    #expect(diff <= tolerance * scale, "\(name) logits: max abs diff \(diff), max |ref| \(scale)")
    #expect(Sampler.argmax(ours) == Sampler.argmax(refLogits.values))
    print("\(label) \(name) [max abs diff]: " + report.joined(separator: ", "))
    return golden
}

extension LinearWeight {
    /// The float32 values of a matrix built in memory (`DecoderWeights.random`); such matrices always have them.
    var weight: FloatBuffer {
        guard let dense else { preconditionFailure("test helper: \(rows)×\(cols) matrix has no float32 copy") }
        return dense
    }
}
