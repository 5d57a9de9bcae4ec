import ActivationStore
import ArgumentParser
import Capture
import Foundation
import Hooks
import Inference
import Tokenization

/// `polygraph capture`: run datasets through the model and stream the hidden states into an activation file.
/// The work is `Capture.CapturePipeline` with `Capture.EngineCaptureAdapter`; this file parses flags.
struct CaptureCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "capture",
        abstract:
            "Capture hidden states of statements (CSV) or generated answers (JSONL) into an HDF5 activation file.",
        discussion: """
            Statements (`statement,label` CSV) go through batched forward passes that stop at the deepest requested
            layer; questions (`{"id","question","answers"}` JSONL) are answered with the chat template, graded
            against the accepted answers, and captured during generation (--position answer; --position all keeps
            every answer token's rows and confidences as well). A question with a
            "response" is not answered: that given answer is scored by teacher forcing (batched passes, rows and
            confidences at the same positions as a generated answer's), graded, or labelled by its "label" (1/0).
            Examples:
              polygraph capture --dataset cities.csv --out cities.h5 --layers 10,14,20
              polygraph capture --dataset qa.jsonl --out qa.h5 --position answer
              polygraph capture --dataset qa.jsonl --out qa_tokens.h5 --position all --layers 16,20
              polygraph capture --dataset given.jsonl --out given.h5   # {"question","response","label"} lines
              polygraph capture --dataset qa.jsonl --out qa_s1.h5 --temperature 1 --seed 1   # sampled answers
            """)

    @OptionGroup var model: ModelOptions
    @Option(
        name: .customLong("dataset"), parsing: .upToNextOption,
        help: "Dataset file(s): .csv statements or .jsonl questions (also .json, and public QA benchmarks' files).")
    var datasets: [String]
    @Option(help: "Output activation file (.h5).")
    var out: String
    @Option(
        help:
            "Comma-separated hooks: full names (blocks.14.hook_resid_post) or shorthands expanded over --layers (resid_post, resid_mid, attn_out, mlp_out, attn_q, mlp_post, ln1_normalized..., embed, ln_final)."
    )
    var hooks = "resid_post"
    @Option(help: "Layers for shorthand hooks: all, or a list and ranges like 7,14,20-23.")
    var layers = "all"
    @Option(
        help:
            "last, mean or all (statements), or answer or all (questions: all stores every answer token's rows and confidences as well). Default: last for statements, answer for questions."
    )
    var position: CapturePosition?
    @Option(
        help:
            "raw (statements as they are, questions as \"Question: …\\nAnswer:\"), chat (wrapped as a user turn with the GGUF's own chat template) or a built-in template (chatml, llama2, llama3, mistral, gemma, phi3, deepseek) to use instead. Default: raw for statements, chat for questions (raw for a model without a chat template)."
    )
    var template: TemplateChoice?
    @Option(
        help:
            "Sequences per forward pass; with questions, those decoded together (at most 32; 1: one at a time)."
    )
    var batchSize = 128
    @Option(help: "At most N examples from each dataset.")
    var limit: Int?
    @Option(help: "Longest generated answer, in tokens (questions).")
    var maxAnswerTokens = 48
    @OptionGroup var sampling: SamplingOptions
    @Option(help: "none or gzip-N (shuffle + deflate level N).")
    var compression = "gzip-1"
    @Option(
        help:
            "Capture only shard K of N (0-based K): rows floor(K*B/N) ..< floor((K+1)*B/N) of the B rows a single run would capture (after --limit). Join the N files with `polygraph merge`."
    )
    var shard: String?
    @Flag(
        help:
            "Do not store the model's confidence in each statement's tokens under /confidence (it costs a full-depth pass and the LM head; generated answers always store theirs)."
    )
    var noConfidence = false
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
        if let limit, limit < 1 {
            throw ValidationError("--limit must be at least 1 (got \(limit)); leave it out to capture every row")
        }
        if maxAnswerTokens < 1 {
            throw ValidationError("--max-answer-tokens must be at least 1 (got \(maxAnswerTokens))")
        }
        if datasets.isEmpty { throw ValidationError("give at least one --dataset") }
        _ = try sampling.answerSampling()
        if let shard {  // before the model loads
            do { _ = try ShardSpec(parsing: shard) } catch { throw ValidationError("\(error)") }
        }
    }

    /// How texts are put to the model: `--template`, else raw statements and questions in the GGUF's chat template;
    /// a model without one (a base model) is asked `Question: …\nAnswer:` (`PlainPrompt`), as its shipped probes were
    /// trained.
    private func promptTemplate(questions: Bool, model lm: LanguageModel) throws -> ChatTemplate? {
        let hasTemplate = lm.hasChatTemplate
        guard let template else {
            if questions && !hasTemplate && !quiet {
                FileHandle.standardError.write(
                    Data(
                        ("note: \(lm.config.name) has no chat template (a base model): questions are asked as "
                            + "\"Question: …\\nAnswer:\" (--template raw)\n").utf8))
            }
            return questions && hasTemplate ? try Self.hinted { try lm.requireChatTemplate() } : nil
        }
        if template == .chat && !hasTemplate {
            throw CommandError(
                "\(model.path) has no chat template (tokenizer.chat_template; a base model?): use --template raw "
                    + "(statements as they are, questions as \"Question: …\\nAnswer:\"), or name a built-in template "
                    + "with --template (\(ChatTemplate.builtInNames.joined(separator: ", ")))")
        }
        return try Self.hinted { try template.template(for: lm) }
    }

    /// `body`'s result; a chat template that cannot be used (it does not parse, uses a construct outside the subset,
    /// or passes a bound) becomes an error that says how to choose another. A template's own `raise_exception`
    /// refuses the conversation and stays as it is.
    private static func hinted<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as ChatTemplateError {
            if case .raised = error { throw error }
            throw CommandError(
                "\(error). Hint: pass --template NAME to use a built-in template instead, or --template raw")
        }
    }

    func run() throws {
        let questions = datasets.allSatisfy { Dataset.kind(path: $0) == .questions }
        let position = position ?? (questions ? .answer : .last)
        let lm = try model.load()
        let hookNames = try HookPattern.names(hooks: hooks, layers: layers, nLayers: lm.config.nLayers)
        let chat = try promptTemplate(questions: questions, model: lm)
        let engine = try EngineCaptureAdapter(model: lm, chat: chat, sampling: try sampling.answerSampling())
        var request = CaptureRequest(datasets: datasets, outPath: out, hooks: hookNames, position: position)
        request.batchSize = batchSize
        request.limit = limit
        request.resume = resume
        request.overwrite = overwrite
        request.compression = try StoreCompression(parsing: compression)
        request.maxAnswerTokens = maxAnswerTokens
        request.confidence = !noConfidence
        request.shard = try shard.map(ShardSpec.init(parsing:))
        let progress = ProgressLine(label: "capture", enabled: !quiet)
        let summary: CaptureSummary
        do {
            summary = try Self.hinted {
                try CapturePipeline(engine: engine, request: request) { step in
                    progress.update(
                        done: step.done, total: step.total, tokens: step.tokens, alreadyDone: step.resumed,
                        force: step.finished)
                }.run()
            }
            progress.finish()
        } catch {
            progress.finish()
            throw error
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(summary), as: UTF8.self))
        } else {
            print(summary.text)
        }
    }
}
