import CKernels
import Foundation

/// The packed int8 form of one 32-value-format matrix (Q4_0, Q4_1, Q5_0, Q5_1, Q8_0), kept so that batched integer
/// decode steps (`quantizedInt8`, and `quantized` on AVX-512 VNNI) stop
/// packing sixteen weight rows per call (`pg_q8_pack_matrix`: a byte per weight,
/// half a byte for Q4_0 and Q4_1, plus a float scale per row and block, and for Q4_1 a float offset; 0.63–1.13 bytes
/// per weight). Made lazily by
/// the first batched int8 step (≥ 2 sequences) that uses the matrix, only when it fits `PackedWeights.Budget`;
/// otherwise that matrix keeps packing per call, with the same bits. Freed with the matrix.
final class PackedWeights: @unchecked Sendable {
    /// The bytes all packed copies of a process may take. `POLYGRAPH_PACKED_WEIGHTS_MB`: a number of megabytes
    /// (0: never pack); unset: 256 MB, so that a small model's copy (SmolLM2-135M: ~110 MB) stays inside the
    /// bounded-memory rule's 300 MB beyond file and KV cache. Either way at most a quarter of the memory available
    /// when the first copy is made.
    final class Budget: @unchecked Sendable {
        let limit: Int
        private(set) var used = 0
        private let lock = NSLock()

        init(limit: Int) { self.limit = limit }

        /// Takes `bytes` when they fit; false otherwise.
        func reserve(_ bytes: Int) -> Bool {
            lock.withLock {
                guard bytes <= limit - used else { return false }
                used += bytes
                return true
            }
        }

        func release(_ bytes: Int) { lock.withLock { used -= bytes } }

        /// The process's budget (see the class comment).
        static let shared = Budget(limit: defaultLimit(environment: ProcessInfo.processInfo.environment))

        static func defaultLimit(environment: [String: String], available: Int? = MemoryBudget.availableBytes())
            -> Int
        {
            let requested = environment["POLYGRAPH_PACKED_WEIGHTS_MB"].flatMap { Int($0) }.map { max(0, $0) << 20 }
            let limit = requested ?? (256 << 20)
            return available.map { min(limit, $0 / 4) } ?? limit
        }
    }

    private enum State {
        case untried
        case declined
        case packed(UnsafeMutableRawPointer, bytes: Int)
    }

    private let budget: Budget
    private var state = State.untried
    private let lock = NSLock()

    init(budget: Budget) { self.budget = budget }

    /// The packed copy of `matrix` (which this object belongs to), made now when it is not yet and fits the
    /// budget; nil when it does not fit or the CPU or format has no packing (decided once), or when there is none
    /// yet and not `create`.
    func pointer(for matrix: QuantizedMatrix, threads: Int, create: Bool = true) -> UnsafeRawPointer? {
        lock.withLock {
            switch state {
            case .packed(let p, _): return UnsafeRawPointer(p)
            case .declined: return nil
            case .untried:
                guard create else { return nil }
                let type = Int32(matrix.type.rawValue)
                let bytes = pg_q8_packed_bytes(type, matrix.rows, matrix.cols)
                guard bytes > 0, budget.reserve(bytes) else {
                    state = .declined
                    return nil
                }
                let p = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
                guard pg_q8_pack_matrix(type, matrix.data, matrix.rows, matrix.cols, p, Int32(threads)) != 0 else {
                    p.deallocate()
                    budget.release(bytes)
                    state = .declined
                    return nil
                }
                withExtendedLifetime(matrix) {}
                state = .packed(p, bytes: bytes)
                return UnsafeRawPointer(p)
            }
        }
    }

    /// Bytes of the packed copy (0 while there is none).
    var bytes: Int {
        lock.withLock {
            if case .packed(_, let b) = state { return b }
            return 0
        }
    }

    deinit {
        if case .packed(let p, let b) = state {
            p.deallocate()
            budget.release(b)
        }
    }
}
