import Hooks

extension HookName {
    /// Per-token width of this hook's activation for a model with `config`.
    public func width(in config: ModelConfig) -> Int {
        switch self {
        case .embed, .lnFinal: return config.dModel
        case .block(_, let hook):
            switch hook {
            case .attnQ, .attnZ: return config.nHeads * config.headDim
            case .attnK, .attnV: return config.nKVHeads * config.headDim
            case .mlpPre, .mlpPost: return config.dFF
            default: return config.dModel
            }
        }
    }
}
