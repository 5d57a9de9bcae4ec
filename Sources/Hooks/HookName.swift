import Foundation

// TransformerLens hook-point names (https://github.com/TransformerLensOrg/TransformerLens, hook_points.py),
// typed so a typo is a parse error rather than a silent miss.

/// A point inside one transformer block where an activation can be captured.
///
/// Widths (per token): residual-stream hooks and norms are `[d_model]`; `attn.hook_q` and `attn.hook_z`
/// are `[n_heads * d_head]`; `attn.hook_k` and `attn.hook_v` are `[n_kv_heads * d_head]`; `mlp.hook_pre`
/// (the gate projection before SiLU) and `mlp.hook_post` (SiLU(gate) * up) are `[d_ff]`.
/// `attn.hook_q` and `attn.hook_k` are taken before RoPE, in the GGUF (llama.cpp) component order within a head.
public enum BlockHook: String, CaseIterable, Sendable, Hashable, Codable {
    case residPre = "hook_resid_pre"
    case ln1Normalized = "ln1.hook_normalized"
    case attnQ = "attn.hook_q"
    case attnK = "attn.hook_k"
    case attnV = "attn.hook_v"
    case attnZ = "attn.hook_z"
    case attnOut = "hook_attn_out"
    case residMid = "hook_resid_mid"
    case ln2Normalized = "ln2.hook_normalized"
    case mlpPre = "mlp.hook_pre"
    case mlpPost = "mlp.hook_post"
    case mlpOut = "hook_mlp_out"
    case residPost = "hook_resid_post"

    /// Order of computation inside a block (used to sort hooks in the order they fire).
    var stage: Int { BlockHook.allCases.firstIndex(of: self) ?? 0 }
}

/// A TransformerLens hook-point name such as `blocks.14.hook_resid_post`, with 0-based layers.
///
/// `description` gives the canonical string and `init(parsing:)` reads it back; `Codable` uses the string.
public enum HookName: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// `hook_embed`: token embeddings `[d_model]` (as stored for llama and qwen2; × sqrt(d_model) for gemma3).
    case embed
    /// `blocks.{layer}.{hook}`.
    case block(_ layer: Int, _ hook: BlockHook)
    /// `ln_final.hook_normalized`: the residual after the final RMSNorm (what the LM head reads).
    case lnFinal

    /// Shorthand for `blocks.{layer}.hook_resid_post`.
    public static func residPost(_ layer: Int) -> HookName { .block(layer, .residPost) }

    /// The canonical TransformerLens string.
    public var description: String {
        switch self {
        case .embed: return "hook_embed"
        case .lnFinal: return "ln_final.hook_normalized"
        case .block(let layer, let hook): return "blocks.\(layer).\(hook.rawValue)"
        }
    }

    /// The valid forms, for error messages.
    public static let validForms: String =
        "hook_embed, ln_final.hook_normalized, or blocks.{layer}.{"
        + BlockHook.allCases.map(\.rawValue).joined(separator: "|") + "}"

    /// Parses a canonical hook name; throws `HookError.unknownHook` naming the valid forms otherwise.
    public init(parsing text: String) throws {
        let s = text.trimmingCharacters(in: .whitespaces)
        if s == "hook_embed" { self = .embed; return }
        if s == "ln_final.hook_normalized" { self = .lnFinal; return }
        let parts = s.split(separator: ".", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "blocks" else {
            throw HookError.unknownHook(name: text, validForms: HookName.validForms)
        }
        guard let layer = Int(parts[1]), layer >= 0, String(layer) == parts[1] else {
            throw HookError.unknownHook(name: text, validForms: HookName.validForms)
        }
        guard let hook = BlockHook(rawValue: String(parts[2])) else {
            throw HookError.unknownHook(name: text, validForms: HookName.validForms)
        }
        self = .block(layer, hook)
    }

    /// The block this hook belongs to: -1 for `hook_embed`, `Int.max` for `ln_final` (after every block).
    public var layer: Int {
        switch self {
        case .embed: return -1
        case .block(let l, _): return l
        case .lnFinal: return Int.max
        }
    }

    /// Order in which hooks fire during a forward pass.
    public static func < (a: HookName, b: HookName) -> Bool {
        if a.layer != b.layer { return a.layer < b.layer }
        if case .block(_, let ha) = a, case .block(_, let hb) = b { return ha.stage < hb.stage }
        return false
    }

    /// Checks that the layer exists in a model with `nLayers` blocks.
    public func validate(nLayers: Int) throws {
        if case .block(let l, _) = self, l >= nLayers {
            throw HookError.layerOutOfRange(name: description, layer: l, nLayers: nLayers)
        }
    }

    /// Every hook name of a model with `nLayers` blocks, in firing order.
    public static func all(nLayers: Int) -> [HookName] {
        var names: [HookName] = [.embed]
        for l in 0..<nLayers { names += BlockHook.allCases.map { .block(l, $0) } }
        names.append(.lnFinal)
        return names
    }
}

extension HookName: HookText {}
