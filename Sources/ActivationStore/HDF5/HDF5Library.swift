import CHDF5
import Foundation

/// The single serial owner of libhdf5: every call into the library runs inside `HDF5Library.shared.locked`.
///
/// Debian's libhdf5 is built thread-safe (one global mutex), but the error stack and its auto-printing are
/// per-thread, so taking this lock also silences printing for the calling thread, and failures are turned
/// into `StoreError.hdf5` while the lock is still held (the stack belongs to the failed call).
final class HDF5Library: @unchecked Sendable {
    static let shared = HDF5Library()

    private let lock = NSRecursiveLock()

    private init() {
        lock.lock()
        defer { lock.unlock() }
        _ = H5open()
        ch5_silence_errors()
    }

    /// Runs `body` holding the HDF5 lock. Re-entrant, so helpers may nest.
    func locked<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        ch5_silence_errors()
        return try body()
    }

    /// The current thread's HDF5 error stack as text; call right after a failed call, inside `locked`.
    func errorStackMessage() -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let count = buffer.withUnsafeMutableBufferPointer { ch5_error_message($0.baseAddress, $0.count) }
        let text = buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        return count == 0 || text.isEmpty ? "(libhdf5 gave no message)" : text
    }

    /// The first (innermost) entry of an error stack from `errorStackMessage`, without its libhdf5 function name:
    /// `H5F__superblock_prefix_decode: bad byte number in an address (Bad value); H5C_protect: …` →
    /// `bad byte number in an address`.
    static func innermostCause(_ stack: String) -> String {
        var first = Substring(stack.components(separatedBy: "; ").first ?? stack)
        if first.hasPrefix("H5"), let colon = first.range(of: ": ") { first = first[colon.upperBound...] }
        if first.hasSuffix(")"), let open = first.range(of: " (", options: .backwards) {
            first = first[..<open.lowerBound]
        }
        return String(first)
    }

    /// `eof = 100, … stored_eof = 332483` in a truncation stack → `100 of 332483 bytes are there`.
    static func truncationDetail(_ stack: String) -> String {
        func number(after key: String) -> String? {
            guard let range = stack.range(of: key) else { return nil }
            let digits = stack[range.upperBound...].prefix { $0.isNumber }
            return digits.isEmpty ? nil : String(digits)
        }
        guard let eof = number(after: " eof = "), let stored = number(after: "stored_eof = ") else {
            return innermostCause(stack)
        }
        return "\(eof) of \(stored) bytes are there"
    }
}

/// Where an HDF5 call happens, for error messages.
struct H5Context {
    /// Path of the file on disk.
    var file: String
    /// Object inside the file, e.g. `/activations/blocks.3.hook_resid_post` or `/` for the root.
    var object: String

    /// Throws `StoreError.hdf5` when a `herr_t` status is negative.
    func check(_ status: herr_t, _ operation: String) throws {
        if status < 0 { throw failure(operation) }
    }

    /// Returns the identifier, or throws `StoreError.hdf5` when it is negative.
    func check(id: hid_t, _ operation: String) throws -> hid_t {
        if id < 0 { throw failure(operation) }
        return id
    }

    /// Returns a non-negative `htri_t` as Bool, or throws on a negative one.
    func check(tri: htri_t, _ operation: String) throws -> Bool {
        if tri < 0 { throw failure(operation) }
        return tri > 0
    }

    /// The error for a failed `operation`, carrying the library's message.
    func failure(_ operation: String) -> StoreError {
        .hdf5(
            operation: operation, file: file, object: object,
            message: HDF5Library.shared.errorStackMessage())
    }

    /// The same file, another object.
    func child(_ object: String) -> H5Context { H5Context(file: file, object: object) }
}
