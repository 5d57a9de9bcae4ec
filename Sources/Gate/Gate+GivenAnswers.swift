// Scoring answers the model did not write (`/v1/score` with a `response`): teacher forcing through the generation
// path's own scoring, so a given answer is read exactly where a generated one would be.
import Foundation
import Hooks
import Inference

/// An answer to score without generating it: what it answers, and its text.
public struct GivenAnswer: Sendable, Equatable {
    /// The conversation before the answer (chat), or the text the answer continues.
    public var prompt: GatePrompt
    /// The answer's text, as the model would have written it after the prompt.
    public var response: String

    public init(prompt: GatePrompt, response: String) {
        self.prompt = prompt
        self.response = response
    }

    /// A question as capture puts it: a user turn with the model's chat template, or `Question: …\nAnswer:` for a
    /// model without one (the prompt the shipped base-model probes were trained on).
    public static func question(_ question: String, response: String, chat: Bool) -> GivenAnswer {
        GivenAnswer(
            prompt: chat
                ? .chat([ChatMessage(role: "user", content: question)]) : .text(PlainPrompt.text(question: question)),
            response: response)
    }
}

extension Gate {
    /// The probe that scores given answers: the one called `name`, else one called `given` (the shipped probe
    /// trained on given right and wrong answers), else the default probe.
    public func givenAnswerProbe(named name: String?) throws -> any TruthProbe {
        if let name { return try probe(named: name) }
        return probes.first { $0.name == "given" } ?? probes[0]
    }

    /// Scores answers the model did not write: each prompt and its response go through one forward pass, each
    /// response token is scored as a generated token would be (its activation and the model's confidence in it),
    /// and the verdict is read where a generated answer's is (the answer's mean, max, exact-answer or last token).
    /// A hybrid probe reads the confidences of this pass. After a plain-text prompt a response that does not start
    /// with white space is read with a leading space, as a model continues `…Answer:`.
    public func score(given answers: [GivenAnswer], probe probeName: String? = nil) throws -> [Verdict] {
        let probe = try givenAnswerProbe(named: probeName)
        try checkModelFile()
        let inputs = try answers.map { given -> (prompt: [Int], answer: [Int]) in
            let prompt = try promptTokens(given.prompt)
            var plain = false
            if case .text = given.prompt { plain = true }
            let answer = try engine.answerTokens(LanguageModel.givenAnswerText(given.response, afterPlainPrompt: plain))
            guard prompt.count + answer.count <= engine.contextLength else {
                throw GateError.contextLengthExceeded(
                    promptTokens: prompt.count + answer.count, maxTokens: 0, contextLength: engine.contextLength)
            }
            return (prompt, answer)
        }
        let forced = try engine.teacherForced(inputs, hooks: probe.hooks)
        guard forced.count == answers.count else {
            throw GateError.engineFailure("\(forced.count) teacher-forced answers for \(answers.count)")
        }
        return try zip(answers, forced).map { given, result in
            let (promptLast, steps) = result
            guard promptLast.count == probe.inputWidth, steps.allSatisfy({ $0.activation.count == probe.inputWidth })
            else {
                throw GateError.engineFailure("activations of the wrong width for probe \(probe.name)")
            }
            var run = AnswerAccumulator(probe: probe, question: given.prompt.question)
            for step in steps { _ = run.accept(step) }
            let score = run.verdict(lastPromptActivation: promptLast)
            return Verdict(score: score, probe: probe.name, hooks: probe.hooks, position: run.verdictPosition)
        }
    }
}
