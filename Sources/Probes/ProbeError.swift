import Foundation
import Hooks

/// Everything that can go wrong while building, training, saving, loading or applying a probe.
/// Each case carries the context needed to act on it; `description` adds a hint when the fix is known.
public enum ProbeError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The features buffer does not have `rows * dims` values.
    case shapeMismatch(what: String, expected: Int, found: Int)
    /// Two activation sources disagree on the width of a row.
    case dimensionMismatch(source: String, expected: Int, found: Int)
    /// A row holds NaN or ±Inf.
    case nonFiniteValues(source: String, row: Int, column: Int)
    /// After dropping unlabeled rows nothing is left.
    case noLabeledRows(skipped: Int)
    /// Only one class present where two are needed.
    case singleClass(label: Int, count: Int, context: String)
    /// A label outside {1, 0, -1}.
    case invalidLabel(row: Int, value: Int)
    /// Too few rows to do what was asked (split, fold, calibrate).
    case tooFewRows(needed: Int, found: Int, context: String)
    /// TTPD (and similar) needs a polarity column.
    case missingPolarity(hint: String)
    /// A polarity value that cannot be read.
    case invalidPolarity(row: Int, value: String)
    /// Group column asked for but not present.
    case missingColumn(name: String, available: [String])
    /// Unknown probe kind name.
    case unknownKind(String)
    /// A requested hook is not in the activation file.
    case missingHook(hook: HookName, path: String, available: [HookName])
    /// An option value out of range.
    case invalidOption(name: String, value: String, expected: String)
    /// Probe artifact problems found while loading.
    case invalidArtifact(path: String, reason: String)
    /// Applying a probe to activations it was not trained for.
    case incompatibleActivations(field: String, probe: String, activations: String)
    /// Optimisation produced a non-finite value (never written out).
    case diverged(kind: String, detail: String)
    /// Reading an activation file failed.
    case unreadableActivations(path: String, reason: String)
    /// Writing a report or artifact failed.
    case writeFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case let .shapeMismatch(what, expected, found):
            return "\(what): expected \(expected) values, found \(found)."
        case let .dimensionMismatch(source, expected, found):
            return "\(source): rows have \(found) dimensions but earlier inputs have \(expected). "
                + "Hint: combine only activation files captured from the same model and hook."
        case let .nonFiniteValues(source, row, column):
            return "\(source): row \(row) holds a NaN or infinite value (column \(column)). "
                + "Hint: recapture that file; probes are never trained on non-finite activations."
        case let .noLabeledRows(skipped):
            return "no labeled rows: all \(skipped) rows have label -1 (unknown). "
                + "Hint: probes need rows labeled 1 (true) or 0 (false)."
        case let .singleClass(label, count, context):
            let name = label == 1 ? "true (1)" : "false (0)"
            return "\(context): all \(count) labeled rows are \(name); a probe needs both classes (true and false "
                + "statements, or right and wrong answers) to be trained or measured. "
                + "Hint: add a dataset with the other class (for answers: harder or more questions)."
        case let .invalidLabel(row, value):
            return "row \(row): label \(value) is not 1, 0 or -1."
        case let .tooFewRows(needed, found, context):
            return "\(context): needs at least \(needed) rows, found \(found)."
        case let .missingPolarity(hint):
            return "this probe kind needs a polarity column (1 affirmative, -1 or 0 negated). \(hint)"
        case let .invalidPolarity(row, value):
            return "row \(row): polarity '\(value)' is not one of 1, 0, -1, affirmative, negated."
        case let .missingColumn(name, available):
            return
                "column '\(name)' not found; available: \(available.isEmpty ? "(none)" : available.joined(separator: ", "))."
        case let .unknownKind(name):
            return
                "unknown probe kind '\(name)'; use one of \(ProbeKind.allCases.map(\.cliName).joined(separator: ", "))."
        case let .missingHook(hook, path, available):
            let some = available.prefix(6).map(\.description).joined(separator: ", ")
            return
                "\(path): no activations for hook '\(hook)'. Stored hooks: \(some)\(available.count > 6 ? ", …" : ""). "
                + "Hint: pick a stored layer/hook or recapture with --hooks."
        case let .invalidOption(name, value, expected):
            return "--\(name) \(value): expected \(expected)."
        case let .invalidArtifact(path, reason):
            return "\(path): not a valid probe artifact: \(reason)"
        case let .incompatibleActivations(field, probe, activations):
            return "probe was trained on \(field) '\(probe)' but the activations are from '\(activations)'. "
                + "Hint: use a probe trained for this \(field), or pass --allow-mismatch to apply it anyway."
        case let .diverged(kind, detail):
            return "\(kind) training diverged: \(detail). Hint: try a smaller --C or check the activations."
        case let .unreadableActivations(path, reason):
            // The store's own errors already start with the path.
            return reason.hasPrefix(path) ? reason : "\(path): cannot read activations: \(reason)"
        case let .writeFailed(path, reason):
            return "\(path): cannot write: \(reason)"
        }
    }
}
