// A bounds-checked little-endian reader over the mapped bytes of a GGUF file.

/// Reads primitive values front to back; every read checks the remaining length and throws
/// `GGUFError.truncated` naming the offset and what was being read.
struct GGUFByteCursor {
    let base: UnsafeRawPointer?
    let size: Int
    let path: String
    private(set) var offset: Int = 0

    init(base: UnsafeRawPointer?, size: Int, path: String) {
        self.base = base
        self.size = size
        self.path = path
    }

    /// Bytes left after the cursor.
    var remaining: Int { size - offset }

    /// Throws unless `count` more bytes are available.
    func require(_ count: Int, for what: @autoclosure () -> String) throws {
        if count > remaining || base == nil && count > 0 {
            throw GGUFError.truncated(path: path, offset: offset, needed: count, fileSize: size, what: what())
        }
    }

    /// Reads a fixed-width little-endian integer.
    mutating func read<T: FixedWidthInteger>(_: T.Type, _ what: @autoclosure () -> String) throws -> T {
        let n = MemoryLayout<T>.size
        try require(n, for: what())
        let v = base!.loadUnaligned(fromByteOffset: offset, as: T.self)
        offset += n
        return T(littleEndian: v)
    }

    /// Reads `n` raw bytes.
    mutating func readBytes(_ n: Int, _ what: @autoclosure () -> String) throws -> [UInt8] {
        try require(n, for: what())
        let bytes = Array(UnsafeRawBufferPointer(start: base! + offset, count: n))
        offset += n
        return bytes
    }

    mutating func readFloat(_ what: @autoclosure () -> String) throws -> Float {
        Float(bitPattern: try read(UInt32.self, what()))
    }

    mutating func readDouble(_ what: @autoclosure () -> String) throws -> Double {
        Double(bitPattern: try read(UInt64.self, what()))
    }

    /// Reads a count stored as uint64 of items at least `itemSize` bytes each. A count that would not fit in
    /// the whole file is absurd (`absurdCount`); one that fits the file but not the bytes left means the file is
    /// cut short (`truncated`). Either way nothing is allocated for it.
    mutating func readCount(_ what: @autoclosure () -> String, itemSize: Int) throws -> Int {
        let at = offset
        let raw = try read(UInt64.self, what())
        let wholeFile = UInt64(size / itemSize)
        let left = UInt64(remaining / itemSize)
        if raw > wholeFile {
            throw GGUFError.absurdCount(path: path, offset: at, what: what(), count: raw, limit: left)
        }
        if raw > left {
            throw GGUFError.truncated(
                path: path, offset: offset, needed: Int(raw) * itemSize, fileSize: size,
                what: "\(what()) = \(raw)" + (itemSize > 1 ? " (at least \(itemSize) bytes each)" : ""))
        }
        return Int(raw)
    }

    /// Reads a `gguf_string`: a uint64 byte length followed by UTF-8 bytes (no terminator).
    mutating func readString(_ what: @autoclosure () -> String) throws -> String {
        let at = offset
        let length = try readCount("the length of \(what())", itemSize: 1)
        let bytes = UnsafeRawBufferPointer(start: base! + offset, count: length)
        guard let s = String(validating: bytes.bindMemory(to: UInt8.self), as: UTF8.self) else {
            throw GGUFError.invalidUTF8(path: path, offset: at, what: what())
        }
        offset += length
        return s
    }

    /// Moves the cursor forward to the next multiple of `alignment`.
    mutating func align(to alignment: Int) {
        let r = offset % alignment
        if r != 0 { offset += alignment - r }
    }
}
