// Chat templates: the Jinja template a GGUF carries in `tokenizer.chat_template` (Hugging Face chat templates,
// https://huggingface.co/docs/transformers/chat_templating), interpreted by Polygraph's own Jinja subset
// (Jinja/). Rendered as transformers' apply_chat_template does: trim_blocks, lstrip_blocks, `messages`,
// `add_generation_prompt`, `bos_token`, `eos_token`, `tools` = none, `raise_exception`, `strftime_now`.
import Foundation
import GGUF

/// A parsed chat template: turns messages into the exact prompt text a model was trained on.
public struct ChatTemplate: Sendable {
    /// Where the template came from: "GGUF" for `tokenizer.chat_template`, else the built-in family's name.
    public let origin: String
    /// The Jinja source.
    public let source: String
    /// Text of the model's BOS and EOS tokens (`bos_token`, `eos_token` in the template).
    public let bosToken: String
    public let eosToken: String
    private let nodes: [JinjaNode]
    /// Extra variables every render sees (`with(variables:)`), as transformers' `apply_chat_template(**kwargs)`:
    /// name and value text, read at each render (Jinja values are not Sendable).
    private var variables: [String: String] = [:]

    /// Parses `source`. Throws `ChatTemplateError.syntax` or `.unsupported` (naming the construct) when the
    /// template cannot be interpreted.
    public init(source: String, origin: String = "GGUF", bosToken: String = "", eosToken: String = "") throws {
        self.origin = origin
        self.source = source
        self.bosToken = bosToken
        self.eosToken = eosToken
        nodes = try JinjaParser.parse(source)
    }

    /// The template a GGUF carries (`tokenizer.chat_template`), with BOS/EOS text from `tokenizer`.
    /// - Throws: `TokenizationError.noChatTemplate` when the file has none; a `ChatTemplateError` when it does not parse.
    public init(gguf: GGUFFile, tokenizer: any Tokenizer) throws {
        guard case .string(let template)? = gguf.metadata["tokenizer.chat_template"] else {
            throw TokenizationError.noChatTemplate
        }
        let (bos, eos) = Self.specialTokenTexts(tokenizer)
        try self.init(source: template, origin: "GGUF", bosToken: bos, eosToken: eos)
    }

    /// A built-in template by family name (`ChatTemplate.builtInNames`), for a GGUF without a template of its own
    /// or to override the one it carries (`--template NAME`).
    public init(builtIn name: String, tokenizer: any Tokenizer) throws {
        let (bos, eos) = Self.specialTokenTexts(tokenizer)
        try self.init(builtIn: name, bosToken: bos, eosToken: eos)
    }

    public init(builtIn name: String, bosToken: String = "", eosToken: String = "") throws {
        guard let text = BuiltInChatTemplates.all[name.lowercased()] else {
            throw TokenizationError.unknownChatTemplate(name: name, known: Self.builtInNames)
        }
        try self.init(source: text, origin: name.lowercased(), bosToken: bosToken, eosToken: eosToken)
    }

    /// Names accepted by `init(builtIn:)`.
    public static var builtInNames: [String] { BuiltInChatTemplates.all.keys.sorted() }

    /// The template's name, for messages, `inspect` and capture headers.
    public var family: String { origin }

    /// The prompt text for `messages`; with `addGenerationPrompt` it ends with the opening of an assistant turn.
    /// Special tokens appear as text: encode the result with `parseSpecial: true` and without adding BOS again.
    /// `now` is the date `strftime_now` reports (templates such as Llama 3.2's print today's date).
    /// - Throws: `ChatTemplateError.raised` when the template refuses the conversation (e.g. roles that do not
    ///   alternate), `.render` or `.unsupported` when it uses a value or construct the interpreter cannot handle.
    public func render(messages: [ChatMessage], addGenerationPrompt: Bool, now: Date = Date()) throws -> String {
        try renderCountingSteps(messages: messages, addGenerationPrompt: addGenerationPrompt, now: now).text
    }

    /// `render` and the interpreter steps it took (`JinjaLimits.steps`).
    func renderCountingSteps(messages: [ChatMessage], addGenerationPrompt: Bool, now: Date = Date()) throws -> (
        text: String, steps: Int
    ) {
        var globals = JinjaGlobals.standard(now: now)
        for (name, text) in variables { globals[name] = Self.value(text) }  // the conversation's own names below win
        globals["messages"] = .list(
            messages.map { .object([("role", .string($0.role)), ("content", .string($0.content))]) })
        globals["add_generation_prompt"] = .bool(addGenerationPrompt)
        globals["bos_token"] = .string(bosToken)
        globals["eos_token"] = .string(eosToken)
        globals["tools"] = JinjaValue.none
        globals["documents"] = JinjaValue.none
        let interpreter = JinjaInterpreter(globals: globals)
        let text = try interpreter.render(nodes)
        return (text, interpreter.steps)
    }

    /// This template with extra variables for every render, given as `name=value` (`--template-var`): the value is
    /// read as JSON (`false`, `3`, `"text"`, `[1, 2]`, `{"k": null}`) or else taken as plain text; e.g.
    /// `enable_thinking=false` for Qwen 3's template, as transformers' `apply_chat_template(enable_thinking=False)`.
    /// The names a render sets itself (`messages`, `add_generation_prompt`, `bos_token`, …) cannot be replaced.
    /// - Throws: `TokenizationError.invalidTemplateVariable` for an assignment without a name.
    public func with(variables assignments: [String]) throws -> ChatTemplate {
        var copy = self
        for (name, text) in try Self.parse(variables: assignments) { copy.variables[name] = text }
        return copy
    }

    /// `name=value` assignments split into name and value text, in order.
    /// - Throws: `TokenizationError.invalidTemplateVariable` for an assignment without a name.
    public static func parse(variables assignments: [String]) throws -> [(name: String, text: String)] {
        try assignments.map { assignment in
            guard let eq = assignment.firstIndex(of: "="), eq != assignment.startIndex else {
                throw TokenizationError.invalidTemplateVariable(assignment)
            }
            return (String(assignment[..<eq]), String(assignment[assignment.index(after: eq)...]))
        }
    }

    /// A template variable's value: its text read as JSON, else the text itself.
    private static func value(_ text: String) -> JinjaValue {
        (try? JSONDecoder().decode(JinjaJSON.self, from: Data(text.utf8)))?.value ?? .string(text)
    }

    private static func specialTokenTexts(_ tokenizer: any Tokenizer) -> (String, String) {
        (
            tokenizer.specialTokens.bos.flatMap { tokenizer.token(for: $0) } ?? "",
            tokenizer.specialTokens.eos.flatMap { tokenizer.token(for: $0) } ?? ""
        )
    }
}

/// Globals transformers gives every chat template (transformers.utils.chat_template_utils) plus jinja2's
/// `namespace`, `range` and `dict`.
enum JinjaGlobals {
    static func standard(now: Date) -> [String: JinjaValue] {
        func function(_ name: String, _ body: @escaping ([JinjaValue], [(String, JinjaValue)]) throws -> JinjaValue)
            -> JinjaValue
        {
            .function(JinjaFunction(name: name, call: body))
        }
        return [
            "raise_exception": function("raise_exception") { args, _ in
                throw ChatTemplateError.raised(args.first?.str ?? "")
            },
            "namespace": function("namespace") { args, kwargs in
                var values: [(String, JinjaValue)] = []
                if case .dict(let d)? = args.first { values = d.map { ($0.0.str, $0.1) } }
                return .namespace(JinjaNamespace(values + kwargs))
            },
            "dict": function("dict") { _, kwargs in .object(kwargs) },
            "range": function("range") { args, _ in
                guard (1...3).contains(args.count) else {
                    throw ChatTemplateError.render("range expected 1 to 3 arguments, got \(args.count)")
                }
                let ints = try args.map { v -> Int in
                    guard let n = v.integerValue else {
                        throw ChatTemplateError.render("range() needs integers, got \(v.typeName)")
                    }
                    return n
                }
                let (start, stop, step) =
                    ints.count == 1
                    ? (0, ints[0], 1) : (ints[0], ints.count > 1 ? ints[1] : 0, ints.count > 2 ? ints[2] : 1)
                guard step != 0 else { throw ChatTemplateError.render("range() arg 3 must not be zero") }
                let count = ((Double(stop) - Double(start)) / Double(step)).rounded(.up)
                try JinjaLimits.checkCount(count <= 0 ? 0 : count < 9e18 ? Int(count) : Int.max, "range()")
                return .list(stride(from: start, to: stop, by: step).map { .integer($0) })
            },
            "strftime_now": function("strftime_now") { args, _ in .string(strftime(args.first?.str ?? "", now)) },
        ]
    }

    /// C `strftime` in the local time zone (Python's `datetime.now().strftime`).
    static func strftime(_ format: String, _ date: Date) -> String {
        var t = time_t(date.timeIntervalSince1970)
        var parts = tm()
        localtime_r(&t, &parts)
        var buffer = [Int8](repeating: 0, count: 256)
        let n = format.withCString { Foundation.strftime(&buffer, buffer.count, $0, &parts) }
        return String(decoding: buffer[..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
