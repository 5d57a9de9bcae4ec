import Hooks

/// Structural checks run on every loaded artifact: a probe that passes can be scored without further checks.
extension ProbeArtifact {
    /// Throws `invalidArtifact` naming the first problem found.
    public func validate(path: String = "probe") throws {
        func fail(_ reason: String) -> ProbeError { .invalidArtifact(path: path, reason: reason) }
        guard let kind = probeKind else {
            throw fail("unknown kind \"\(self.kind)\"; this build knows logistic, mass_mean, mlp, ttpd, hybrid.")
        }
        let d = dims
        guard d > 0 else { throw fail("normalization.mean is empty.") }
        guard normalization.scale.count == d else {
            throw fail("normalization.scale has \(normalization.scale.count) values but normalization.mean has \(d).")
        }
        guard normalization.mean.allSatisfy(\.isFinite) else {
            throw fail("normalization.mean holds a non-finite value.")
        }
        guard normalization.scale.allSatisfy({ $0.isFinite && $0 > 0 }) else {
            throw fail("normalization.scale must be finite and positive.")
        }
        switch kind {
        case .logistic, .massMean, .massMeanIID, .ttpd, .hybrid:
            guard let w = parameters.weights else { throw fail("parameters.weights is missing for kind \(self.kind).") }
            guard w.count == d else {
                throw fail("parameters.weights has \(w.count) values but the probe reads \(d) dimensions.")
            }
            guard w.allSatisfy(\.isFinite) else { throw fail("parameters.weights holds a NaN or infinite value.") }
            guard let b = parameters.bias, b.isFinite else { throw fail("parameters.bias is missing or not finite.") }
        case .mlp:
            guard let layers = parameters.layers, !layers.isEmpty else {
                throw fail("parameters.layers is missing for kind mlp.")
            }
            var width = d
            for (i, layer) in layers.enumerated() {
                guard layer.inputs == width else {
                    throw fail("parameters.layers[\(i)].inputs is \(layer.inputs), expected \(width).")
                }
                // Overflow-checked: a hostile `outputs` (2^55) used to trap here (hardening defect 7).
                let (size, overflow) = layer.inputs.multipliedReportingOverflow(by: layer.outputs)
                guard layer.outputs > 0, !overflow, layer.weights.count == size, layer.bias.count == layer.outputs
                else {
                    throw fail(
                        "parameters.layers[\(i)] has \(layer.weights.count) weights and \(layer.bias.count) biases "
                            + "for shape [\(layer.outputs), \(layer.inputs)].")
                }
                guard layer.weights.allSatisfy(\.isFinite), layer.bias.allSatisfy(\.isFinite) else {
                    throw fail("parameters.layers[\(i)] holds a NaN or infinite value.")
                }
                width = layer.outputs
            }
            guard width == 1 else { throw fail("the last MLP layer has \(width) outputs, expected 1.") }
        }
        if kind == .hybrid {
            guard let columns = parameters.confidenceFeatures, let fill = parameters.confidenceFill,
                !columns.isEmpty, columns.count == fill.count, columns.count < d
            else {
                throw fail(
                    "a hybrid probe needs parameters.confidence_features and confidence_fill of equal, non-zero length."
                )
            }
            guard columns.allSatisfy(HybridProbe.columns.contains), fill.allSatisfy(\.isFinite) else {
                throw fail(
                    "parameters.confidence_features must be among \(HybridProbe.columns.joined(separator: ", ")) "
                        + "with finite confidence_fill values.")
            }
            if let w = parameters.confidenceWeight, !(w > 0 && w.isFinite) {
                throw fail("parameters.confidence_weight must be a positive number (got \(w)).")
            }
        } else if parameters.confidenceFeatures != nil {
            throw fail("parameters.confidence_features is only for kind hybrid.")
        }
        guard Calibration.methods.contains(calibration.method) else {
            throw fail(
                "calibration.method \"\(calibration.method)\" is unknown; this build knows "
                    + Calibration.methods.map { "\"\($0)\"" }.joined(separator: " and ") + ".")
        }
        guard calibration.a.isFinite, calibration.b.isFinite else { throw fail("calibration a/b are not finite.") }
        if calibration.method == "isotonic" {
            let xs = calibration.breakpoints ?? [], ys = calibration.values ?? []
            guard !xs.isEmpty, xs.count == ys.count, xs.allSatisfy(\.isFinite),
                zip(xs, xs.dropFirst()).allSatisfy({ $0 < $1 }), ys.allSatisfy({ (0...1).contains($0) }),
                zip(ys, ys.dropFirst()).allSatisfy({ $0 <= $1 })
            else {
                throw fail(
                    "an isotonic calibration needs breakpoints (finite, increasing) and as many values (0 to 1, "
                        + "non-decreasing).")
            }
        } else if calibration.breakpoints != nil || calibration.values != nil {
            throw fail("calibration.breakpoints and values are only for method \"isotonic\".")
        }
        let u = thresholds.uncertain, lf = thresholds.likelyFalse
        guard (0...1).contains(u), (0...1).contains(lf), lf <= u else {
            throw fail("thresholds must satisfy 0 ≤ likely_false (\(lf)) ≤ uncertain (\(u)) ≤ 1.")
        }
        if let hooks { try validateHooks(hooks, fail: fail) }
    }

    /// A multi-layer probe's `hooks`: 2 to `maxHooks` distinct hook names, the first equal to `hook`, and an input
    /// width that splits evenly among them.
    private func validateHooks(_ hooks: [HookName], fail: (String) -> ProbeError) throws {
        guard (2...Self.maxHooks).contains(hooks.count) else {
            throw fail(
                "hooks lists \(hooks.count) hooks; a multi-layer probe reads 2 to \(Self.maxHooks) "
                    + "(a probe of one hook has no \"hooks\" field).")
        }
        guard Set(hooks).count == hooks.count else {
            let repeated = hooks.first { h in hooks.filter { $0 == h }.count > 1 }?.description ?? ""
            throw fail("hooks names \"\(repeated)\" more than once; each hook may appear only once.")
        }
        guard hooks[0] == hook else {
            throw fail("hook is \"\(hook)\" but hooks begins with \"\(hooks[0])\"; hook must be the first of hooks.")
        }
        guard activationDims > 0, activationDims % hooks.count == 0 else {
            throw fail(
                "the probe reads \(activationDims) activation dimensions, which do not split evenly among its "
                    + "\(hooks.count) hooks (normalization and weights must be \(hooks.count) rows end to end).")
        }
    }

    /// Refuses to apply this probe to activations from another model, hook or position unless `allowMismatch`.
    /// Pass nil for a field the caller does not know.
    public func checkCompatible(
        modelSHA256: String?, hook: HookName?, position: ProbePosition?, dims: Int?,
        allowMismatch: Bool = false
    ) throws {
        if let dims, dims != activationDims {  // Never overridable: the arithmetic would be meaningless.
            throw ProbeError.dimensionMismatch(source: "activations", expected: activationDims, found: dims)
        }
        guard !allowMismatch else { return }
        if let modelSHA256, !modelSHA256.isEmpty, !model.sha256.isEmpty, !model.matches(sha256: modelSHA256) {
            throw ProbeError.incompatibleActivations(
                field: "model sha256", probe: model.sha256, activations: modelSHA256)
        }
        if let hook, hook != self.hook {
            throw ProbeError.incompatibleActivations(
                field: "hook", probe: self.hook.description, activations: hook.description)
        }
        if let position, position != self.position {
            throw ProbeError.incompatibleActivations(
                field: "position", probe: self.position.rawValue, activations: position.rawValue)
        }
    }
}
