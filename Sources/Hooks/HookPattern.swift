import Foundation

/// One entry of a hook option (`capture --hooks`, `train --hook`, `sweep --hook`): a full hook name, or a block
/// hook taken at each chosen layer. Every command reads hook options with this one grammar:
///
/// - full names: `blocks.14.hook_resid_post`, `hook_embed`, `ln_final.hook_normalized`;
/// - `embed` and `ln_final` for the two hooks outside the blocks;
/// - a block hook by shorthand (`resid_post`, `mlp_post`, `attn_q`, `ln1_normalized`, …), by its name inside the
///   block (`hook_resid_post`, `mlp.hook_post`), or by that name without `hook_` (`attn_out`).
public enum HookPattern: Hashable, Sendable, CustomStringConvertible {
    /// Exactly this hook, whatever the layers.
    case name(HookName)
    /// This block hook at every chosen layer.
    case perLayer(BlockHook)

    /// The valid forms, for error messages.
    public static let validForms: String =
        "a full name (" + HookName.validForms + ") or a shorthand: "
        + BlockHook.allCases.map(\.shorthand).joined(separator: ", ") + ", embed, ln_final"

    /// Reads one entry; throws `HookError.unknownHook` naming the valid forms.
    public init(parsing text: String) throws {
        let s = text.trimmingCharacters(in: .whitespaces)
        if s.hasPrefix("blocks.") || s.hasPrefix("ln_final.") || s == "hook_embed" {
            self = .name(try HookName(parsing: s))
        } else if s == "embed" {
            self = .name(.embed)
        } else if s == "ln_final" {
            self = .name(.lnFinal)
        } else if let hook = BlockHook.allCases.first(where: {
            $0.shorthand == s || $0.rawValue == s || $0.rawValue == "hook_" + s
        }) {
            self = .perLayer(hook)
        } else {
            throw HookError.unknownHook(name: text, validForms: HookPattern.validForms)
        }
    }

    /// Reads a comma-separated list (`resid_post,mlp_post`); throws `HookError.noHooks` when it names none.
    public static func parseList(_ text: String, option: String = "--hooks") throws -> [HookPattern] {
        let entries = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !entries.isEmpty else { throw HookError.noHooks(option: option) }
        return try entries.map(HookPattern.init(parsing:))
    }

    /// The hook at `layer` (a full name ignores it).
    public func name(layer: Int) -> HookName {
        switch self {
        case .name(let name): return name
        case .perLayer(let hook): return .block(layer, hook)
        }
    }

    /// The named hook's layer for a full block-hook name; nil for per-layer patterns, `hook_embed` and `ln_final`.
    public var fixedLayer: Int? {
        guard case .name(.block(let layer, _)) = self else { return nil }
        return layer
    }

    /// Whether this names one hook rather than a hook per layer.
    public var isFullName: Bool {
        if case .name = self { return true }
        return false
    }

    /// The hooks `patterns` name over `layers` for a model with `nLayers` blocks: validated, without repeats,
    /// in firing order.
    public static func expand(_ patterns: [HookPattern], layers: [Int], nLayers: Int) throws -> [HookName] {
        var names = Set<HookName>()
        for pattern in patterns {
            switch pattern {
            case .name(let name): names.insert(name)
            case .perLayer: names.formUnion(layers.map(pattern.name(layer:)))
            }
        }
        for name in names { try name.validate(nLayers: nLayers) }
        return names.sorted()
    }

    /// A hook option and a layer list read together (`capture --hooks H --layers L`): the hooks they name for a model
    /// with `nLayers` blocks, validated, without repeats, in firing order.
    public static func names(hooks: String, layers: String, nLayers: Int, option: String = "--hooks") throws
        -> [HookName]
    {
        let layers = try LayerSelection(parsing: layers).resolve(nLayers: nLayers)
        return try expand(parseList(hooks, option: option), layers: layers, nLayers: nLayers)
    }

    /// The shorthand of a per-layer pattern (`mlp_post`), or the full name.
    public var description: String {
        switch self {
        case .name(let name): return name.description
        case .perLayer(let hook): return hook.shorthand
        }
    }
}

extension BlockHook {
    /// The hook option shorthand: `attn.hook_q` → `attn_q`, `hook_resid_post` → `resid_post`,
    /// `mlp.hook_post` → `mlp_post`, `ln1.hook_normalized` → `ln1_normalized`.
    public var shorthand: String {
        rawValue.replacingOccurrences(of: ".hook_", with: "_").replacingOccurrences(of: "hook_", with: "")
    }
}
