import Foundation
import Hooks

/// Runs the forward passes of concurrent generations on one model and merges them (continuous batching, Yu et
/// al. 2022 "Orca": iteration-level scheduling). A generation between its prefill and its end is *joined*; each of
/// its steps (one token) waits until every joined generation has submitted its own (or `gather` has passed), and
/// the steps then go through one batched pass that reads each weight block once for all of them. Prompts are
/// prefilled together in one pass (at most `maxPrefillTokens`), ahead of steps once `gatherPrompts` wait or the
/// first has waited `promptPatience` steps (at once when nothing is decoding). A short prompt (`prefill(quantized:)`)
/// instead rides in the next step's pass with the decode kernels, at most `maxRidingTokens` of them per pass. A
/// generation that joins takes part from its next step on; one that ends or is cancelled just stops submitting.
///
/// Each sequence's rows do not depend on the others in its pass, bit for bit — a step's products
/// (`QuantizedMatrix.matvec`), a prefill's (our float32 tile's and the int8 tiles' rows do not depend on the row count;
/// a prompt shorter than `minSharedPrefill` is prefilled alone, and without the tiles every prompt is; a riding prompt's
/// rows take the decode kernels in every pass, alone or not), attention per sequence, and the LM head on last
/// rows — so
/// tokens, hooks and logits do not depend on what else was running (tests check it).
///
/// No thread of its own: whichever caller finds no pass running leads, runs the pass for everyone it gathered,
/// and hands each caller its result.
final class DecodeBatcher: @unchecked Sendable {
    let model: any CausalLanguageModel
    /// Most sequences in one decode pass.
    let maxBatch: Int
    /// How long the first waiting step waits at least for joined generations still busy with their previous token
    /// (at most as long as the last step took, when that is longer: on a busy machine a thread that samples can be
    /// descheduled for milliseconds, and a step run without it splits the batch in two for good).
    let gather: TimeInterval
    /// Most prompt tokens prefilled in one pass.
    let maxPrefillTokens: Int
    /// Prompts that make a prefill pass run at once while generations are decoding.
    let gatherPrompts = 4
    /// Steps' time (`patience`) a prompt waits at most for others while generations are decoding.
    let promptPatience = 4.0
    /// Most prompt tokens riding in one step's pass.
    let maxRidingTokens = 64
    /// Fewest tokens of a prompt prefilled together with others: alone, its smallest product (k/v projection,
    /// tokens × kvDim × dModel) must exceed OpenBLAS's small-matrix limit of 10⁶ (gemm_small_kernel_permit). With
    /// our tile off (`PooledProduct.tiled`, `POLYGRAPH_NO_TILE=1`) prompts go through OpenBLAS sgemm, whose kernels
    /// sum a row in an order that depends on the product's shape (its Haswell kernels at any size, measured with
    /// `OPENBLAS_CORETYPE=Haswell`): then no prompt shares a pass, so batched results stay the one-at-a-time ones.
    let minSharedPrefill: Int

    private let condition = NSCondition()
    private var joined = 0
    private var running = false
    private var pending: [Pass] = []
    /// Seconds the last decode step took.
    private var lastStep: TimeInterval = 0
    /// When the last pass ended (uptime nanoseconds). A step's wait for the rest of the batch counts from then: while
    /// a pass runs, the generations in it cannot submit, so time waited during it must not let the waiting steps
    /// leave without them (that split a batch of 16 into passes of 3 and 13, 5 and 11, … for good).
    private var lastPassEnd: UInt64 = 0

    /// One sequence's part of a forward pass, and what came of it.
    private final class Pass {
        let tokens: [Int32]
        let cache: KVCache
        let capture: HookFilter
        let logits: LogitsRequest
        let isStep: Bool
        /// A prompt prefilled with the decode kernels, in the next step's pass.
        let rides: Bool
        let submitted = DispatchTime.now().uptimeNanoseconds
        var result: Result<SequenceActivations, Error>?

        init(
            tokens: [Int32], cache: KVCache, capture: HookFilter, logits: LogitsRequest, isStep: Bool,
            rides: Bool = false
        ) {
            self.tokens = tokens; self.cache = cache; self.capture = capture; self.logits = logits; self.isStep = isStep
            self.rides = rides
        }
    }

    init(model: any CausalLanguageModel, maxBatch: Int = 64, gather: TimeInterval = 0.004, maxPrefillTokens: Int = 2048)
    {
        self.model = model
        self.maxBatch = max(1, maxBatch)
        self.gather = gather
        self.maxPrefillTokens = maxPrefillTokens
        let c = model.config
        minSharedPrefill =
            PooledProduct.tiled ? 1_000_000 / max(1, c.nKVHeads * c.headDim * c.dModel) + 1 : Int.max
    }

    /// Generations currently joined (between prefill and end).
    var activeGenerations: Int { condition.withLock { joined } }

    /// Counts a generation in: the steps of others now wait for its steps too.
    func join() { condition.withLock { joined += 1 } }

    /// Counts a generation out (finished, stopped or failed).
    func leave() {
        condition.withLock {
            joined -= 1
            condition.broadcast()
        }
    }

    /// A prompt's pass through `cache`, with the other prompts waiting then; or, when `quantized`, with the decode
    /// kernels in the next step's pass (at once when nothing is decoding).
    func prefill(
        _ tokens: [Int32], cache: KVCache, capture: HookFilter, logits: LogitsRequest, quantized: Bool = false
    ) throws -> SequenceActivations {
        try submit(
            Pass(tokens: tokens, cache: cache, capture: capture, logits: logits, isStep: false, rides: quantized))
    }

    /// One decode step of a joined generation, run together with the other joined generations' steps.
    func step(_ token: Int32, cache: KVCache, capture: HookFilter, logits: LogitsRequest) throws -> SequenceActivations
    {
        try submit(Pass(tokens: [token], cache: cache, capture: capture, logits: logits, isStep: true))
    }

    private func submit(_ pass: Pass) throws -> SequenceActivations {
        condition.lock()
        pending.append(pass)
        condition.broadcast()
        while pass.result == nil {
            if running {
                condition.wait()
            } else if let group = takeReady() {
                running = true
                condition.unlock()
                let started = DispatchTime.now().uptimeNanoseconds
                let results = execute(group)
                condition.lock()
                lastPassEnd = DispatchTime.now().uptimeNanoseconds
                if group[0].isStep { lastStep = Double(lastPassEnd - started) / 1e9 }
                for (p, r) in zip(group, results) { p.result = r }
                running = false
                condition.broadcast()
            } else {
                // Steps waiting for the rest of the batch, prompts for company: until the first one's time is up.
                let deadlines = pending.map {
                    Double($0.isStep || $0.rides ? waitingSince($0) : $0.submitted) / 1e9
                        + ($0.isStep || $0.rides ? 1 : promptPatience) * patience
                }
                let wait = (deadlines.min() ?? 0) - Double(DispatchTime.now().uptimeNanoseconds) / 1e9
                _ = condition.wait(until: Date(timeIntervalSinceNow: max(wait, 0.0002)))
            }
        }
        condition.unlock()
        return try pass.result!.get()
    }

    /// How long waiting steps wait for the rest of the batch (under the lock).
    private var patience: TimeInterval { max(gather, lastStep) }

    /// Since when a step (or riding prompt) has been waiting for the rest of the batch: its submission, or the end
    /// of the pass that ran while it waited (under the lock).
    private func waitingSince(_ pass: Pass) -> UInt64 { max(pass.submitted, lastPassEnd) }

    /// Under the lock: what to run now — waiting prompts (with the first one's hooks and logits, up to
    /// `maxPrefillTokens`; a prompt shorter than `minSharedPrefill` alone); else the waiting steps once every joined
    /// generation has one in (or the oldest waited `gather`), those with the first one's hooks, at most `maxBatch`.
    private func takeReady() -> [Pass]? {
        // Prompts wait for company while generations are decoding (each prompt alone pays for packing and
        // dequantising every weight panel), up to `gatherPrompts` of them or `promptPatience` steps' time.
        if let first = pending.first(where: { !$0.isStep && !$0.rides }),
            joined == 0 || pending.count(where: { !$0.isStep }) >= gatherPrompts
                || Double(DispatchTime.now().uptimeNanoseconds - first.submitted) / 1e9 >= promptPatience * patience
        {
            var group: [Pass] = [], tokens = 0
            pending.removeAll { p in
                let joins =
                    !p.isStep && !p.rides
                    && (p === first
                        || (first.tokens.count >= minSharedPrefill
                            && p.tokens.count >= minSharedPrefill && p.capture == first.capture
                            && p.logits == first.logits && tokens + p.tokens.count <= maxPrefillTokens))
                if joins { group.append(p); tokens += p.tokens.count }
                return joins
            }
            return group
        }
        // Steps, with the prompts that ride along (Sarathi-Serve's piggybacking, Agrawal et al. 2024): they wait
        // for no companions, and the steps do not wait for them.
        guard let first = pending.first(where: \.isStep) ?? pending.first(where: \.rides) else { return nil }
        let waited = Double(DispatchTime.now().uptimeNanoseconds - waitingSince(first)) / 1e9
        let ready = first.isStep ? pending.count(where: \.isStep) >= min(joined, maxBatch) : joined == 0
        guard ready || waited >= patience else { return nil }
        var group: [Pass] = [], steps = 0, riding = 0
        pending.removeAll { p in
            guard p.capture == first.capture else { return false }
            let joins =
                p.isStep
                ? steps < maxBatch
                : p.rides && (riding == 0 || riding + p.tokens.count <= maxRidingTokens)
            if joins {
                group.append(p)
                if p.isStep { steps += 1 } else { riding += p.tokens.count }
            }
            return joins
        }
        return group
    }

    /// One forward pass over `group` (for steps and riding prompts, last-position logits for all when any wants
    /// them: the rows do not depend on it).
    private func execute(_ group: [Pass]) -> [Result<SequenceActivations, Error>] {
        let decodeKernels = group.allSatisfy { $0.isStep || $0.rides }
        let logits =
            !decodeKernels ? group[0].logits : (group.contains { $0.logits != .none } ? .last : .none)
        do {
            let results = try model.forward(
                group.map(\.tokens), caches: group.map(\.cache), capture: group[0].capture,
                logits: logits, quantizedPrefill: group.contains(where: \.rides))
            return results.map { .success($0) }
        } catch {
            return group.map { _ in .failure(error) }
        }
    }
}
