/// A hook name, hook pattern, layer list or position that cannot be read, or that names a layer the model lacks.
public enum HookError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A hook name (or hook option entry) that is not one of the TransformerLens forms or shorthands.
    case unknownHook(name: String, validForms: String)
    /// A hook that names a layer the model does not have.
    case layerOutOfRange(name: String, layer: Int, nLayers: Int)
    /// A layer list (`all`, `7,14,20-23`) with an entry that is not a layer number or an ascending range.
    case unreadableLayers(text: String, entry: String)
    /// A layer list naming a layer the model (or the file) does not have.
    case layerMissing(layer: Int, available: String)
    /// A hook option that names no hook at all.
    case noHooks(option: String)
    /// A position (a probe artifact's `position`, an option) that is not one of `ProbePosition`'s values.
    case unknownPosition(value: String, accepted: String)

    public var description: String {
        switch self {
        case .unknownHook(let name, let forms):
            return "unknown hook name '\(name)'; valid forms: \(forms)"
        case .layerOutOfRange(let name, let layer, let n):
            return "hook '\(name)' names layer \(layer), but the model has \(n) layers (0...\(n - 1))"
        case .unreadableLayers(let text, let entry):
            return "cannot read '\(entry)' in the layer list '\(text)'; use all, or numbers and ranges like 7,14,20-23"
        case .layerMissing(let layer, let available):
            return "layer \(layer) is not available; the layers there are: \(available)"
        case .noHooks(let option):
            return "\(option) names no hook"
        case .unknownPosition(let value, let accepted):
            return "unknown position '\(value)'; accepted: \(accepted)"
        }
    }
}
