// A question asked as capture asks it, so that the verdict reads the span the shipped probes were trained on.
import Foundation
import Inference

extension Gate {
    /// Answers `question` and scores the answer: a user turn with the model's chat template, or, for a model without
    /// one (a base model), `Question: …\nAnswer:` with the answer ending where the model starts inventing the next
    /// question (`PlainPrompt.nextTurn`, added to `options.stop`), as `capture --position answer` ends it.
    public func answer(
        question: String, options: GenerationOptions, probe probeName: String? = nil,
        onToken: (ScoredToken) -> Bool = { _ in true }
    ) throws -> GatedAnswer {
        if engine.hasChatTemplate {
            return try generate(
                .chat([ChatMessage(role: "user", content: question)]), options: options, probe: probeName,
                onToken: onToken)
        }
        var options = options
        options.stop.append(PlainPrompt.nextTurn)
        let probe = try self.probe(named: probeName)
        let prompt = try promptTokens(.text(PlainPrompt.text(question: question)))
        try validate(promptTokens: prompt.count, options: options)
        return try generate(promptTokens: prompt, options: options, probe: probe, question: question, onToken: onToken)
    }
}
