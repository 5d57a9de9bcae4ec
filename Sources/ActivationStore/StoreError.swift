import Foundation
import Hooks

/// Every failure of the activation store, its HDF5 layer and its dataset readers.
///
/// Each case carries the context a user needs to act on it (file, object, line, expected vs found) and
/// `description` renders a one-paragraph message, with a hint where the fix is known.
public enum StoreError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A libhdf5 call failed; `message` is the library's own error stack, innermost first.
    case hdf5(operation: String, file: String, object: String, message: String)
    /// The path does not exist.
    case fileNotFound(path: String)
    /// The file exists but is not HDF5 at all.
    case notHDF5(path: String)
    /// The file is HDF5 but shorter than its superblock says (an interrupted copy or download).
    case truncated(path: String, detail: String)
    /// A dataset or group the schema requires is absent.
    case missingObject(path: String, object: String)
    /// The file is HDF5 but not a Polygraph activation file.
    case wrongFormat(path: String, found: String)
    /// The file's `format_version` is one this build cannot read.
    case unsupportedVersion(path: String, found: Int, supported: Int)
    /// An output exists and neither overwrite nor resume was asked for.
    case fileExists(path: String)
    /// Another process has the file open (writing it, or reading it), so it is not replaced.
    case fileInUse(path: String)
    /// Rows could not be written (a full disk, say); the file keeps its last commit of `committedRows` rows.
    case commitFailed(path: String, committedRows: Int, rows: Int, reason: String, diskFull: Bool)
    /// `--resume` on a file made with another model, hook set or position.
    case incompatibleResume(path: String, field: String, existing: String, requested: String)
    /// A dataset's shape or type differs from what the schema (or the caller) expects.
    case shapeMismatch(path: String, object: String, expected: String, found: String)
    /// A stored hook name (in the `hooks` attribute, or a dataset under `/activations`) that is not a hook name.
    case unknownHook(path: String, object: String, name: String)
    /// A row range outside the committed rows.
    case rowRange(path: String, object: String, requested: String, available: Int)
    /// A caller passed something the store cannot represent (empty hook list, bad column name...).
    case invalidArgument(what: String, detail: String)
    /// A malformed CSV dataset (1-based line number of the record's first line).
    case csv(path: String, line: Int, message: String)
    /// A malformed JSONL questions file (1-based line number).
    case jsonl(path: String, line: Int, message: String)
    /// A `.npy` array this reader does not accept.
    case npy(path: String, message: String)
    /// `polygraph merge` refuses a set of shard files; `path` is the file at fault.
    case mergeRefused(path: String, reason: String)

    public var description: String {
        switch self {
        case let .hdf5(operation, file, object, message):
            return "HDF5 error in \(operation) on '\(object)' of \(file): \(message)"
        case let .fileNotFound(path):
            return "\(path): no such file. Check the path (it is relative to the current directory)."
        case let .notHDF5(path):
            return
                "\(path) is not an HDF5 file (no HDF5 signature). Activation files are made by `polygraph capture` or `polygraph import`."
        case let .truncated(path, detail):
            return
                "\(path) is a truncated HDF5 file (\(detail)). It was cut short while copying or writing; copy it again, or re-run the capture with --resume on the original."
        case let .missingObject(path, object):
            return
                "\(path) has no '\(object)'. The file is incomplete or was not written by Polygraph (format_version 1 needs /examples/* and /activations/*)."
        case let .wrongFormat(path, found):
            return
                "\(path) is HDF5 but not a Polygraph activation file (format attribute is \(found), expected \"polygraph.activations\")."
        case let .unsupportedVersion(path, found, supported):
            return
                "\(path) has format_version \(found); this build reads format_version \(supported). Upgrade polygraph or re-capture."
        case let .fileExists(path):
            return "\(path) already exists. Pass --overwrite to replace it or --resume to continue it."
        case let .fileInUse(path):
            return
                "\(path) is in use: another process is writing (or reading) it, so --overwrite leaves it alone. Wait for that process to finish, or choose another --out file."
        case let .commitFailed(path, committed, rows, reason, diskFull):
            return
                "could not write rows \(committed)..<\(committed + rows) to \(path): \(reason). The file keeps its last "
                + "commit of \(committed) rows\(diskFull ? "; free some space" : "; fix the cause"), then run the same "
                + "command with --resume to continue from row \(committed)."
        case let .incompatibleResume(path, field, existing, requested):
            return
                "cannot resume \(path): its \(field) is \(existing) but this run asks for \(requested). Use another --out file, or --overwrite to start again."
        case let .shapeMismatch(path, object, expected, found):
            return "\(path): '\(object)' has \(found), expected \(expected)."
        case let .unknownHook(path, object, name):
            return
                "\(path): '\(object)' names the hook '\(name)', which is not a hook name (valid forms: "
                + "\(HookName.validForms)). The file was not written by Polygraph or was edited; fix the name there, "
                + "or capture or import the file again."
        case let .rowRange(path, object, requested, available):
            return "\(path): rows \(requested) of '\(object)' requested but only \(available) committed rows exist."
        case let .invalidArgument(what, detail):
            return "invalid \(what): \(detail)"
        case let .csv(path, line, message):
            return "\(path):\(line): \(message)"
        case let .jsonl(path, line, message):
            return "\(path):\(line): \(message)"
        case let .npy(path, message):
            return "\(path): \(message)"
        case let .mergeRefused(path, reason):
            return "cannot merge \(path): \(reason)"
        }
    }
}
