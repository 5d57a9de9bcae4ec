import ActivationStore
import ArgumentParser
import Foundation
import Inference
import Tokenization

/// `polygraph capture`: run datasets through the model and stream the hidden states into an activation file.
/// The work is `ActivationStore.CapturePipeline`; this file parses flags and adapts the engine to it.
struct CaptureCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "capture",
        abstract: "Capture hidden states of statements (CSV) or generated answers (JSONL) into an HDF5 activation file.",
        discussion: """
            Statements (`statement,label` CSV) go through batched forward passes that stop at the deepest requested
            layer; questions (`{"id","question","answers"}` JSONL) are answered with the chat template, graded
            against the accepted answers, and captured during generation (--position answer).
            Examples:
              polygraph capture --dataset cities.csv --out cities.h5 --layers 10,14,20
              polygraph capture --dataset qa.jsonl --out qa.h5 --position answer
            """)

    @Option(help: "GGUF model file.")
    var model = "models/SmolLM2-135M-Instruct.Q4_1.gguf"
    @Option(name: .customLong("dataset"), parsing: .upToNextOption, help: "Dataset file(s): .csv statements or .jsonl questions.")
    var datasets: [String]
    @Option(help: "Output activation file (.h5).")
    var out: String
    @Option(help: "Comma-separated hooks: full names (blocks.14.hook_resid_post) or shorthands expanded over --layers (resid_post, resid_mid, attn_out, mlp_out, attn_q, mlp_post, ln1_normalized..., embed, ln_final).")
    var hooks = "resid_post"
    @Option(help: "Layers for shorthand hooks: all, or a list and ranges like 7,14,20-23.")
    var layers = "all"
    @Option(help: "last | mean | all (statements) or answer (questions). Default: last for CSV, answer for JSONL.")
    var position: String?
    @Option(help: "raw (the text as is), chat (wrapped as a user turn with the GGUF's own chat template) or a built-in template (chatml, llama2, llama3, mistral, gemma, phi3, deepseek) to use instead. Default: raw for statements, chat for questions.")
    var template: String?
    @Option(help: "Sequences per forward pass.")
    var batchSize = 128
    @Option(help: "At most N examples from each dataset.")
    var limit: Int?
    @Option(help: "Longest generated answer, in tokens (questions).")
    var maxAnswerTokens = 48
    @Option(help: "none or gzip-N (shuffle + deflate level N).")
    var compression = "gzip-1"
    @Flag(help: "Continue an interrupted capture into the same --out file.")
    var resume = false
    @Flag(help: "Replace the --out file if it exists.")
    var overwrite = false
    @Flag(help: "Print the summary as JSON on stdout.")
    var json = false
    @Flag(help: "No progress line on stderr.")
    var quiet = false

    func validate() throws {
        if resume && overwrite { throw ValidationError("--resume and --overwrite exclude each other") }
        if batchSize < 1 { throw ValidationError("--batch-size must be at least 1") }
        if datasets.isEmpty { throw ValidationError("give at least one --dataset") }
    }

    func run() throws {
        let questions = datasets.allSatisfy { $0.lowercased().hasSuffix(".jsonl") || $0.lowercased().hasSuffix(".json") }
        let positionText = position ?? (questions ? "answer" : "last")
        guard let position = CapturePosition(rawValue: positionText) else {
            throw CommandError("--position must be last, mean, all or answer (got \(positionText))")
        }
        let templateText = template ?? (position == .answer ? "chat" : "raw")
        guard templateText == "raw" || templateText == "chat" || ChatTemplate.builtInNames.contains(templateText) else {
            throw CommandError("--template must be raw, chat or one of \(ChatTemplate.builtInNames.joined(separator: ", ")) (got \(templateText))")
        }
        let lm = try LanguageModel.load(path: model)
        let hookNames = try HookSpec.expand(hooks, layers: layers, nLayers: lm.config.nLayers)
        let chat = templateText == "raw" ? nil : try lm.chatTemplate(named: templateText)
        let engine = try EngineCaptureAdapter(model: lm, hooks: hookNames, chat: chat)
        var request = CaptureRequest(datasets: datasets, outPath: out, hooks: hookNames.map(\.description), position: position)
        request.batchSize = batchSize
        request.limit = limit
        request.resume = resume
        request.overwrite = overwrite
        request.compression = try StoreCompression(parsing: compression)
        request.maxAnswerTokens = maxAnswerTokens
        request.showProgress = !quiet
        let summary = try CapturePipeline(engine: engine, request: request).run()
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(summary), as: UTF8.self))
        } else {
            print(summary.text)
        }
    }
}

/// `--hooks` / `--layers` → typed hook names, validated against the model depth.
enum HookSpec {
    static func expand(_ hooks: String, layers: String, nLayers: Int) throws -> [HookName] {
        let layerList = try parseLayers(layers, nLayers: nLayers)
        var result: [HookName] = []
        for entry in hooks.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !entry.isEmpty {
            if entry.hasPrefix("blocks.") || entry == "hook_embed" || entry == "ln_final.hook_normalized" {
                let name = try HookName(parsing: entry)
                try name.validate(nLayers: nLayers)
                result.append(name)
            } else if entry == "embed" {
                result.append(.embed)
            } else if entry == "ln_final" {
                result.append(.lnFinal)
            } else if let hook = BlockHook.allCases.first(where: {
                shorthand($0) == entry || $0.rawValue == entry || $0.rawValue == "hook_" + entry
            }) {
                result += layerList.map { .block($0, hook) }
            } else {
                throw CommandError("unknown hook '\(entry)'. Use a full name (\(HookName.validForms)) or a shorthand: "
                                      + BlockHook.allCases.map(shorthand).joined(separator: ", ")
                                      + ", embed, ln_final")
            }
        }
        var seen = Set<HookName>()
        result = result.filter { seen.insert($0).inserted }
        guard !result.isEmpty else { throw CommandError("--hooks names no hook") }
        return result.sorted()
    }

    /// `attn.hook_q` → `attn_q`, `hook_resid_post` → `resid_post`, `ln1.hook_normalized` → `ln1_normalized`.
    static func shorthand(_ hook: BlockHook) -> String {
        hook.rawValue.replacingOccurrences(of: ".hook_", with: "_").replacingOccurrences(of: "hook_", with: "")
    }

    static func parseLayers(_ text: String, nLayers: Int) throws -> [Int] {
        if text == "all" { return Array(0..<nLayers) }
        var layers: [Int] = []
        for part in text.split(separator: ",") {
            let bounds = part.split(separator: "-").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard (1...2).contains(bounds.count), let low = bounds.first ?? nil, let high = bounds.last ?? nil, low <= high else {
                throw CommandError("--layers: cannot read '\(part)'; use all, or numbers and ranges like 7,14,20-23")
            }
            guard low >= 0, high < nLayers else {
                throw CommandError("--layers: layer \(high) does not exist; this model has layers 0-\(nLayers - 1)")
            }
            layers += Array(low...high)
        }
        return Array(Set(layers)).sorted()
    }
}

/// Adapts `LanguageModel` to the store's `CaptureEngine` (string hook names, statements and questions).
final class EngineCaptureAdapter: CaptureEngine, @unchecked Sendable {
    let model: LanguageModel
    let chat: ChatTemplate?
    let names: [String: HookName]
    let modelInfo: CaptureModelInfo

    init(model: LanguageModel, hooks: [HookName], chat: ChatTemplate?) throws {
        self.model = model
        self.chat = chat
        names = Dictionary(uniqueKeysWithValues: hooks.map { ($0.description, $0) })
        let config = model.config
        modelInfo = CaptureModelInfo(name: config.name, architecture: config.architecture, sha256: try model.fileSHA256,
                                     nLayers: config.nLayers, dModel: config.dModel)
    }

    var promptTemplate: String { chat.map { "chat:\($0.family) user turn" } ?? "" }

    private func hook(_ name: String) throws -> HookName {
        guard let hook = names[name] else { return try HookName(parsing: name) }
        return hook
    }

    func width(of hook: String) throws -> Int { try self.hook(hook).width(in: model.config) }

    func prepare(statement: String) throws -> PreparedText {
        let tokenizer = model.tokenizer
        let text = tokenizer.encode(statement, parseSpecial: false)
        guard let chat else {
            let bos: [Int32] = tokenizer.addsBOS ? tokenizer.specialTokens.bos.map { [$0] } ?? [] : []
            return PreparedText(tokens: bos + text, textSpan: bos.count..<(bos.count + text.count))
        }
        let marker = "\u{1}POLYGRAPH\u{1}"
        let rendered = try chat.render(messages: [.user(marker)], addGenerationPrompt: false)
        let parts = rendered.components(separatedBy: marker)
        let prefix = tokenizer.encodePrompt(parts.first ?? "", parseSpecial: true)
        let suffix = tokenizer.encode(parts.dropFirst().joined(), parseSpecial: true)
        return PreparedText(tokens: prefix + text + suffix, textSpan: prefix.count..<(prefix.count + text.count))
    }

    func prefill(_ sequences: [[Int32]], hooks: [String]) throws -> [[String: [Float]]] {
        let typed = try hooks.map { try hook($0) }
        let outputs = try model.run(sequences, capture: HookFilter(typed), logits: .none)
        return outputs.map { output in
            var rows: [String: [Float]] = [:]
            for (name, hook) in zip(hooks, typed) { rows[name] = output.activations(hook) ?? [] }
            return rows
        }
    }

    func answer(question: String, hooks: [String], maxTokens: Int) throws -> CapturedAnswer {
        let typed = try hooks.map { try hook($0) }
        let prompt: [Int32]
        if let chat {
            prompt = model.tokenizer.encodePrompt(try chat.render(messages: [.user(question)], addGenerationPrompt: true), parseSpecial: true)
        } else {
            prompt = model.tokenizer.encodePrompt("Question: \(question)\nAnswer:", parseSpecial: false)
        }
        let generation = try model.generate(prompt: prompt, parameters: .greedy(maxTokens: maxTokens), capture: HookFilter(typed))
        var lastRow: [String: [Float]] = [:]
        for (name, hook) in zip(hooks, typed) {
            let width = hook.width(in: model.config)
            if let values = generation.activations(hook), values.count >= width {
                lastRow[name] = Array(values[(values.count - width)...])
            } else if let row = generation.promptActivations.row(hook, at: generation.promptTokenCount - 1) {
                lastRow[name] = Array(row)
            }
        }
        return CapturedAnswer(text: generation.text.trimmingCharacters(in: .whitespacesAndNewlines),
                              promptTokens: generation.promptTokenCount, generatedTokens: generation.tokens.count,
                              lastRow: lastRow)
    }
}
