import Foundation
import Hooks

/// The tokens every chat prompt of a model starts with (the template's system turn and the start of the user
/// turn), run through the model once: generations whose prompt starts with them copy the prefix's keys and values
/// into their cache and prefill only the rest (prefix caching, as vLLM's automatic prefix caching and SGLang's
/// RadixAttention, Zheng et al. 2024).
///
/// Whether a prompt reuses the prefix depends on its tokens alone (it starts with `tokens` and is longer), and the
/// prefix's keys, values and hooks come from one pass of the prefix alone, so a prompt's results do not depend on
/// which generations ran before or beside it (batched or one at a time, they are the same bit for bit). They can
/// differ from a prefill of the whole prompt in one pass by rounding (the suffix's attention sums the prefix keys
/// in another kernel).
final class PromptPrefix: @unchecked Sendable {
    /// The shared tokens, `[count]`.
    let tokens: [Int32]
    private let lock = NSLock()
    /// The prefix's keys and values (all layers), once computed.
    private var cache: KVCache?
    /// The prefix's pass with each hook filter asked for so far (hooks `[count, width]`).
    private var passes: [HookFilter: SequenceActivations] = [:]

    init(tokens: [Int32]) { self.tokens = tokens }

    /// The longest common token prefix of `renders` (the same template around different user messages), or nil
    /// when it is shorter than `minimum` tokens (too short to pay for itself).
    static func common(_ renders: [[Int32]], minimum: Int = 4) -> PromptPrefix? {
        guard var common = renders.first else { return nil }
        for r in renders.dropFirst() {
            let n = zip(common, r).prefix { $0 == $1 }.count
            common = Array(common[..<n])
        }
        return common.count >= minimum ? PromptPrefix(tokens: common) : nil
    }

    /// True when `prompt` starts with the prefix and has tokens after it.
    func covers(_ prompt: [Int32]) -> Bool {
        prompt.count > tokens.count && prompt[..<tokens.count].elementsEqual(tokens)
    }

    /// Fills the empty `cache` with the prefix's keys and values and returns the prefix's hooks under `capture`
    /// (running the prefix alone through `model` the first time a filter is asked for).
    func start(_ cache: KVCache, model: any CausalLanguageModel, capture: HookFilter) throws -> SequenceActivations {
        let (source, pass): (KVCache, SequenceActivations) = try lock.withLock {
            if let cached = self.cache, let pass = passes[capture] { return (cached, pass) }
            let fresh = model.makeCache(maxLength: tokens.count, initialCapacity: tokens.count)
            // Logits force the full depth: every layer's keys and values are written.
            let pass = try model.forward([tokens], caches: [fresh], capture: capture, logits: .last)[0]
            if self.cache == nil { self.cache = fresh }
            if passes.count >= 16 { passes.removeAll() }  // bounded: callers use a few filters
            passes[capture] = pass
            return (self.cache!, pass)
        }
        try cache.start(from: source, count: tokens.count)
        return pass
    }

    /// The prefix's pass followed by the rest of the prompt's (`rest`, which continued the prefix's cache): hooks
    /// over all the prompt's positions, the rest's logits.
    static func join(_ prefix: SequenceActivations, _ rest: SequenceActivations) -> SequenceActivations {
        var joined = SequenceActivations(
            tokenCount: prefix.tokenCount + rest.tokenCount, lastLogits: rest.lastLogits, allLogits: nil)
        for (hook, values) in rest.captured {
            joined.captured[hook] = (prefix.captured[hook] ?? []) + values
            joined.widths[hook] = rest.widths[hook]
        }
        return joined
    }
}
