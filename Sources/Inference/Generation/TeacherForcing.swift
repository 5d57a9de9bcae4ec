import Foundation
import Hooks

/// A given answer run after its prompt in one forward pass (teacher forcing): what a generation of the same tokens
/// would have captured — the prompt's last row, each answer token's row, and the model's confidence in each answer
/// token from the logits at the position before it. Capture and the gate both score given answers from this.
public struct TeacherForcedAnswer: Sendable {
    /// Tokens of the prompt.
    public let promptTokenCount: Int
    /// The answer's tokens.
    public let answerTokens: [Int32]
    /// Hook → the prompt's last row `[width]`.
    public let promptLastRow: [HookName: [Float]]
    /// Hook → the answer tokens' rows `[answerTokens.count, width]`, row-major.
    public let answerRows: [HookName: [Float]]
    /// The model's confidence in each answer token, `[answerTokens.count]`.
    public let scores: [TokenScore]
}

extension LanguageModel {
    /// The text a given answer is tokenised from after its prompt: after a plain-text prompt (`…Answer:`) a model
    /// writes a space before its answer, so one is added where the answer starts without white space.
    public static func givenAnswerText(_ response: String, afterPlainPrompt: Bool) -> String {
        afterPlainPrompt && !(response.first?.isWhitespace ?? true) ? " " + response : response
    }

    /// Prompt and answer tokens one teacher-forcing pass holds at most (unless one pair alone has more): each pair's
    /// KV cache and captured rows grow with them (the 1.5B's cache ~57 KB a token).
    static let teacherForcingTokens = 4096

    /// Consecutive pairs per pass, given each pair's prompt and answer tokens: up to `passSize` pairs and no more than
    /// `teacherForcingTokens` tokens, unless one pair alone has more.
    static func teacherForcingPasses(lengths: [Int], _ passSize: Int) -> [Range<Int>] {
        var passes: [Range<Int>] = [], start = 0
        while start < lengths.count {
            var end = start, tokens = 0
            while end < lengths.count && end - start < max(1, passSize) {
                if end > start && tokens + lengths[end] > teacherForcingTokens { break }
                tokens += lengths[end]
                end += 1
            }
            passes.append(start..<end)
            start = end
        }
        return passes
    }

    /// Runs each prompt followed by its answer and reads what `TeacherForcedAnswer` describes, `passSize` pairs at a
    /// time and at most `teacherForcingTokens` tokens (memory: each pair's KV cache, every captured hook's rows at the
    /// answers' tokens of a pass).
    ///
    /// A prompt is run once however many answers follow it (a benchmark's right and wrong answers to one question),
    /// and after the chat template's shared prefix (`PromptPrefix`, copied in as generation copies it): each distinct
    /// prompt but its last token fills a KV cache in one batched pass; then every answer continues a copy of its
    /// prompt's cache with the prompt's last token and the answer's tokens, in a second batched pass that captures the
    /// hooks and scores the answer tokens. Only those rows reach the LM head. The rows equal a single pass over prompt
    /// and answer to float rounding (the attention reads the cached keys in another kernel).
    public func teacherForce(
        _ pairs: [(prompt: [Int32], answer: [Int32])], capture: HookFilter, passSize: Int = 32
    ) throws -> [TeacherForcedAnswer] {
        for (index, pair) in pairs.enumerated() where pair.prompt.isEmpty {
            throw InferenceError.emptySequence(index: index)
        }
        var results: [TeacherForcedAnswer] = []
        results.reserveCapacity(pairs.count)
        for pass in Self.teacherForcingPasses(lengths: pairs.map { $0.prompt.count + $0.answer.count }, passSize) {
            let group = Array(pairs[pass])
            let prompts = try promptCaches(group.map(\.prompt))
            let caches = try group.map { pair -> KVCache in
                let length = pair.prompt.count + pair.answer.count
                let cache = model.makeCache(maxLength: length, initialCapacity: length)
                if let source = prompts[pair.prompt], source.length > 0 {
                    try cache.start(from: source, count: source.length)
                }
                return cache
            }
            let outputs = try model.forward(
                group.map { [$0.prompt[$0.prompt.count - 1]] + $0.answer }, caches: caches, capture: capture,
                logits: .tokenScores)
            for (pair, output) in zip(group, outputs) {
                let n = pair.answer.count
                // Element t of tokenScores scores token t + 1 of this pass: the answer's tokens.
                let scores = output.tokenScores ?? []
                precondition(scores.count == n, "a .tokenScores pass scores every token but the first")
                var last: [HookName: [Float]] = [:], rows: [HookName: [Float]] = [:]
                for (hook, values) in output.captured {
                    guard let width = output.widths[hook], width > 0 else { continue }
                    last[hook] = Array(values[0..<width])
                    rows[hook] = Array(values[width..<((n + 1) * width)])
                }
                results.append(
                    TeacherForcedAnswer(
                        promptTokenCount: pair.prompt.count, answerTokens: pair.answer, promptLastRow: last,
                        answerRows: rows, scores: scores))
            }
        }
        return results
    }

    /// Each prompt's keys and values at every layer for all its tokens but the last (an empty cache for a one-token
    /// prompt): the shared template prefix copied in, the rest of each distinct prompt in one batched pass, in the
    /// order they first appear (so a capture is the same from run to run).
    private func promptCaches(_ prompts: [[Int32]]) throws -> [[Int32]: KVCache] {
        var caches: [[Int32]: KVCache] = [:]
        var rests: [[Int32]] = [], restCaches: [KVCache] = []
        for prompt in prompts where caches[prompt] == nil {
            let head = Array(prompt.dropLast())
            let cache = model.makeCache(maxLength: max(1, head.count), initialCapacity: max(1, head.count))
            caches[prompt] = cache
            var done = 0
            if let prefix = sharedPrefix(of: head) {
                _ = try prefix.start(cache, model: model, capture: .none)
                done = prefix.tokens.count
            }
            if done < head.count {
                rests.append(Array(head[done...]))
                restCaches.append(cache)
            }
        }
        // Logits force the full depth, so every layer's keys and values are written.
        if !rests.isEmpty { _ = try model.forward(rests, caches: restCaches, capture: .none, logits: .last) }
        return caches
    }
}
