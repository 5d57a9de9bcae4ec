import Foundation

/// Which hook points a forward pass should capture. Hooks not in the filter cost nothing (no copy).
///
/// Build one from names (`HookFilter([.residPost(14)])`), from strings (`try HookFilter(parsing: [...])`)
/// or with the helpers (`.residPost(layers: [7, 14])`).
public struct HookFilter: Sendable, Hashable, Codable, ExpressibleByArrayLiteral {
    /// The requested hooks.
    public private(set) var names: Set<HookName>

    /// Captures nothing.
    public static let none = HookFilter([])

    public init(_ names: some Sequence<HookName>) { self.names = Set(names) }
    public init(arrayLiteral elements: HookName...) { self.names = Set(elements) }

    /// Parses every string as a hook name; the first bad one throws `HookError.unknownHook`.
    public init(parsing strings: [String]) throws {
        self.names = Set(try strings.map { try HookName(parsing: $0) })
    }

    /// `blocks.{l}.hook_resid_post` for each layer in `layers`.
    public static func residPost(layers: some Sequence<Int>) -> HookFilter {
        HookFilter(layers.map { HookName.residPost($0) })
    }

    /// The given block hook at each layer in `layers`.
    public static func block(_ hook: BlockHook, layers: some Sequence<Int>) -> HookFilter {
        HookFilter(layers.map { HookName.block($0, hook) })
    }

    /// Every hook of a model with `nLayers` blocks.
    public static func all(nLayers: Int) -> HookFilter { HookFilter(HookName.all(nLayers: nLayers)) }

    public var isEmpty: Bool { names.isEmpty }
    public func contains(_ name: HookName) -> Bool { names.contains(name) }
    public func contains(_ layer: Int, _ hook: BlockHook) -> Bool { names.contains(.block(layer, hook)) }

    /// The requested hooks in firing order.
    public var sorted: [HookName] { names.sorted() }

    /// Adds the hooks of another filter.
    public func union(_ other: HookFilter) -> HookFilter { HookFilter(names.union(other.names)) }

    /// The deepest block a forward pass must run to produce every requested hook:
    /// -1 when only `hook_embed` (or nothing) is requested, `nLayers - 1` when `ln_final` is requested.
    public func deepestLayer(nLayers: Int) -> Int {
        names.map { $0.layer == Int.max ? nLayers - 1 : $0.layer }.max() ?? -1
    }

    /// Throws `HookError.layerOutOfRange` if any hook names a layer the model lacks.
    public func validate(nLayers: Int) throws {
        for name in sorted { try name.validate(nLayers: nLayers) }
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        try self.init(parsing: c.decode([String].self))
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(sorted.map(\.description))
    }
}
