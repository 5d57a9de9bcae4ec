import Foundation

/// How much memory probe training may spend on activations (`--max-memory`, or the environment variable
/// `POLYGRAPH_MAX_MEMORY`; default a quarter of physical memory, at most 8 GiB).
///
/// A hook's labeled rows are read into memory when three times their size fits in the budget (the rows, their
/// standardised copy and a training subset); otherwise they stay in the file and every pass over them streams
/// row chunks of about budget/16 bytes (at most 64 MiB, at least 64 rows). Both go through `ActivationRows`, so
/// the trainers have one code path; only where the rows live differs.
public struct MemoryBudget: Sendable, Equatable {
    /// Bytes of activations training may hold.
    public var bytes: Int
    /// Rows per streamed chunk, overriding the choice from `bytes` (tests force tiny chunks with it).
    public var chunkRows: Int?

    public init(bytes: Int, chunkRows: Int? = nil) {
        self.bytes = max(0, bytes)
        self.chunkRows = chunkRows.map { max(1, $0) }
    }

    /// Streams every store, `chunkRows` rows at a time (tests and benchmarks).
    public static func streamed(chunkRows: Int) -> MemoryBudget { MemoryBudget(bytes: 0, chunkRows: chunkRows) }

    /// `POLYGRAPH_MAX_MEMORY` when set and valid, else a quarter of physical memory capped at 8 GiB.
    public static var `default`: MemoryBudget {
        if let text = ProcessInfo.processInfo.environment["POLYGRAPH_MAX_MEMORY"],
            let budget = try? MemoryBudget(parsing: text)
        {
            return budget
        }
        return MemoryBudget(bytes: Int(min(ProcessInfo.processInfo.physicalMemory / 4, 8 << 30)))
    }

    /// Parses a size: bytes, or a number with K, M, G or T (powers of 1024; `MB`, `GiB` and `g` read the same).
    public init(parsing text: String) throws {
        let t = text.trimmingCharacters(in: .whitespaces).uppercased()
        let digits = t.prefix { $0.isNumber || $0 == "." }
        var unit = t.dropFirst(digits.count).trimmingCharacters(in: .whitespaces)
        for suffix in ["IB", "B"] where unit.hasSuffix(suffix) { unit = String(unit.dropLast(suffix.count)); break }
        let units: [String: Double] = ["": 1, "K": 1024, "M": 1_048_576, "G": 1_073_741_824, "T": 1_099_511_627_776]
        let scale = units[unit]
        guard let value = Double(digits), let scale, value >= 0, (value * scale).isFinite, value * scale < 1e18 else {
            throw ProbeError.invalidOption(
                name: "max-memory", value: text, expected: "a size such as 512M, 4G or 1073741824")
        }
        self.init(bytes: Int(value * scale))
    }

    /// Whether `rows` × `dims` floats are read into memory rather than streamed.
    public func fitsInMemory(rows: Int, dims: Int) -> Bool {
        rows.multipliedReportingOverflow(by: dims * 4 * 3).partialValue <= bytes
    }

    /// Rows per streamed chunk of `dims`-wide rows (at least 64, so a tiny budget still reads in useful slabs).
    public func chunkRows(dims: Int) -> Int {
        chunkRows ?? max(64, min(bytes / 16, 64 << 20) / max(1, dims * 4))
    }
}
