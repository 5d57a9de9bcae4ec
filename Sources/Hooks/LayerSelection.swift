import Foundation

/// The one layer-list grammar of every command and API: `all`, or numbers and ascending ranges such as
/// `7,14,20-23`. Parsing checks the syntax; `resolve` checks the layers against a model or a file.
public enum LayerSelection: Hashable, Sendable, CustomStringConvertible {
    /// Every layer there is.
    case all
    /// These layers, ascending and without repeats.
    case layers([Int])

    /// The largest layer number a list may name; real models have at most a few hundred.
    public static let maxLayer = 99_999

    /// Reads `all` or a comma-separated list of layer numbers and ranges (`10-12` is 10, 11, 12).
    public init(parsing text: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.lowercased() == "all" { self = .all; return }
        var layers = Set<Int>()
        for entry in trimmed.split(separator: ",", omittingEmptySubsequences: false) {
            let bounds = entry.split(separator: "-", omittingEmptySubsequences: false)
                .map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard (1...2).contains(bounds.count), let low = bounds.first ?? nil, let high = bounds.last ?? nil,
                low >= 0, low <= high
            else {
                throw HookError.unreadableLayers(text: text, entry: String(entry))
            }
            // Checked before the range is expanded: `0-1099511627776` used to build a set of 2^40 layers (a hang).
            guard high <= Self.maxLayer else {
                throw HookError.layerMissing(
                    layer: high, available: "0-\(Self.maxLayer) at most (no model has more layers)")
            }
            layers.formUnion(low...high)
        }
        self = .layers(layers.sorted())
    }

    /// The layers of a model with `nLayers` blocks; throws `HookError.layerMissing` for one it lacks.
    public func resolve(nLayers: Int) throws -> [Int] {
        try resolve(available: Array(0..<nLayers))
    }

    /// The chosen layers among `available` (e.g. the layers a file stores), ascending; throws
    /// `HookError.layerMissing` for a chosen layer that is not available.
    public func resolve(available: [Int]) throws -> [Int] {
        let sorted = Array(Set(available)).sorted()
        switch self {
        case .all:
            return sorted
        case .layers(let layers):
            for layer in layers where !sorted.contains(layer) {
                throw HookError.layerMissing(layer: layer, available: LayerSelection.layers(sorted).description)
            }
            return layers
        }
    }

    /// `all`, or the layers with runs written as ranges (`7,14,20-23`); `(none)` for an empty list.
    public var description: String {
        guard case .layers(let layers) = self else { return "all" }
        guard !layers.isEmpty else { return "(none)" }
        var parts: [String] = []
        var start = layers[0], previous = layers[0]
        for layer in layers.dropFirst() + [Int.min] {
            if layer == previous + 1 { previous = layer; continue }
            parts.append(start == previous ? "\(start)" : "\(start)-\(previous)")
            start = layer
            previous = layer
        }
        return parts.joined(separator: ",")
    }
}
