// The capture tests' stand-in for the model (shared by the pipeline, shard, merge and hostile-dataset tests).
import ActivationStore
import Foundation
import Hooks
import Inference
@testable import Capture

/// A deterministic stand-in for the model: token = word hash, activation of (token, position, hook) is a fixed
/// function, so expected rows can be recomputed; optionally fails after a number of forward passes.
final class FakeEngine: CaptureEngine, @unchecked Sendable {
    var modelInfo = CaptureModelInfo(name: "fake", architecture: "llama", sha256: "feed", nLayers: 3, dModel: 4)
    var promptTemplate = ""
    var answerSampling: String?
    var failAfterPasses: Int?
    var contextLength = Int.max
    private(set) var passes = 0
    private(set) var batchSizes: [Int] = []
    /// Tokens of each statement pass.
    private(set) var passTokens: [Int] = []

    func width(of hook: HookName) throws -> Int { hook.description.contains("mlp") ? 6 : 4 }

    static func token(_ word: Substring) -> Int32 {
        Int32(word.unicodeScalars.reduce(7) { ($0 * 31 + Int($1.value)) % 997 })
    }

    func prepare(statement: String) throws -> PreparedText {
        let tokens = [Int32(1)] + statement.split(separator: " ").map(Self.token)  // BOS + words
        return PreparedText(tokens: tokens, textSpan: 1..<tokens.count)
    }

    static func value(token: Int32, position: Int, hook: HookName, column: Int) -> Float {
        Float(token % 13) + Float(position) / 10 + Float(hook.description.count % 7) / 100 + Float(column) / 1000
    }

    /// The fake's confidence in a token: a fixed function of it and its position.
    static func score(token: Int32, position: Int) -> TokenScore {
        TokenScore(logprob: -Float(token % 11) / 4, entropy: Float(position % 5) / 2, margin: Float(token % 3))
    }

    func prefill(_ sequences: [[Int32]], hooks: [HookName], scoreTokens: Bool) throws -> [PrefillOutput] {
        if let limit = failAfterPasses, passes >= limit {
            throw StoreError.invalidArgument(what: "fake", detail: "killed")
        }
        passes += 1
        batchSizes.append(sequences.count)
        passTokens.append(sequences.reduce(0) { $0 + $1.count })
        return try sequences.map { tokens in
            var out: [HookName: [Float]] = [:]
            for hook in hooks {
                let width = try self.width(of: hook)
                out[hook] = tokens.enumerated().flatMap { position, token in
                    (0..<width).map { Self.value(token: token, position: position, hook: hook, column: $0) }
                }
            }
            let scores =
                scoreTokens ? tokens.indices.dropFirst().map { Self.score(token: tokens[$0], position: $0) } : nil
            return PrefillOutput(rows: out, scores: scores)
        }
    }

    /// A question's prompt: four template tokens around its words.
    func promptLength(question: String) throws -> Int { question.split(separator: " ").count + 4 }

    func answer(question: String, hooks: [HookName], maxTokens: Int, tokenRows: Bool) throws -> CapturedAnswer {
        if let limit = failAfterPasses, passes >= limit {
            throw StoreError.invalidArgument(what: "fake", detail: "killed")
        }
        passes += 1
        let text = question.contains("France") ? "It is Paris." : "I am not sure."
        var rows: [HookName: [Float]] = [:]
        for hook in hooks { rows[hook] = (0..<(try width(of: hook))).map { Float(text.count) + Float($0) } }
        let scores = (0..<4).map { Self.score(token: Int32(text.count + $0), position: 10 + $0) }
        var answer = CapturedAnswer(text: text, promptTokens: 10, generatedTokens: 4, lastRow: rows, scores: scores)
        for (k, name) in StoreSchema.answerPositions.enumerated() {  // row = last row + 100·(k + 1)
            answer.positionRows[name] = rows.mapValues { $0.map { $0 + Float(100 * (k + 1)) } }
        }
        if tokenRows { answer.tokenRows = Self.tokenRows(last: rows, count: 4) }
        return answer
    }

    /// A given response's tokens after the question's prompt: one per word.
    func givenAnswerLength(question: String, response: String) throws -> Int {
        try promptLength(question: question) + response.split(separator: " ").count
    }

    /// A given response's rows: as `answer`'s, from the response's length, plus 0.5 (so the two are told apart).
    private(set) var givenPasses: [Int] = []
    func givenAnswers(_ pairs: [(question: String, response: String)], hooks: [HookName], tokenRows: Bool) throws
        -> [CapturedAnswer]
    {
        givenPasses.append(pairs.count)
        return try pairs.map { pair in
            let words = pair.response.split(separator: " ").count
            var rows: [HookName: [Float]] = [:]
            for hook in hooks {
                rows[hook] = (0..<(try width(of: hook))).map { Float(pair.response.count) + Float($0) + 0.5 }
            }
            let scores = (0..<words).map { Self.score(token: Int32(pair.response.count + $0), position: 10 + $0) }
            var answer = CapturedAnswer(
                text: pair.response, promptTokens: try promptLength(question: pair.question), generatedTokens: words,
                lastRow: rows, scores: scores)
            for (k, name) in StoreSchema.answerPositions.enumerated() {
                answer.positionRows[name] = rows.mapValues { $0.map { $0 + Float(100 * (k + 1)) } }
            }
            if tokenRows { answer.tokenRows = Self.tokenRows(last: rows, count: words) }
            return answer
        }
    }

    /// An answer's token rows: row t = the last row − (count − 1 − t) / 10, so the last one is `last`.
    static func tokenRows(last: [HookName: [Float]], count: Int) -> [HookName: [Float]] {
        last.mapValues { row in (0..<count).flatMap { t in row.map { $0 - Float(count - 1 - t) / 10 } } }
    }
}
