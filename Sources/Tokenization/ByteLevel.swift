// GPT-2 byte-to-unicode table (Radford et al. 2019, encoder.py `bytes_to_unicode`): every byte gets a printable
// character so that BPE vocabularies can be stored as text. Printable Latin-1 bytes map to themselves, the
// other 68 bytes to U+0100 onwards in byte order.

/// The reversible byte ↔ character mapping of byte-level BPE vocabularies.
enum ByteLevel {
    /// `[256]`: the character that stands for each byte.
    static let characterForByte: [Unicode.Scalar] = {
        var table = [Unicode.Scalar](repeating: "\0", count: 256)
        var next: UInt32 = 256
        for b in 0..<256 {
            let printable = (33...126).contains(b) || (161...172).contains(b) || (174...255).contains(b)
            if printable {
                table[b] = Unicode.Scalar(UInt8(b))
            } else {
                table[b] = Unicode.Scalar(next)!
                next += 1
            }
        }
        return table
    }()

    /// The byte a character stands for, or nil for characters outside the table.
    static func byte(for scalar: Unicode.Scalar) -> UInt8? {
        let v = scalar.value
        if (33...126).contains(v) || (161...172).contains(v) || (174...255).contains(v) { return UInt8(v) }
        return byteForHighCharacter[v]
    }

    private static let byteForHighCharacter: [UInt32: UInt8] = {
        var map: [UInt32: UInt8] = [:]
        for b in 0..<256 where characterForByte[b].value >= 256 { map[characterForByte[b].value] = UInt8(b) }
        return map
    }()

    /// The stored token text for raw bytes (`" the"` → `"Ġthe"`).
    static func encode(_ bytes: some Sequence<UInt8>) -> String {
        var s = String.UnicodeScalarView()
        for b in bytes { s.append(characterForByte[Int(b)]) }
        return String(s)
    }

    /// The raw bytes of a stored token text, or nil when it holds a character outside the table.
    static func decode(_ token: String) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(token.unicodeScalars.count)
        for s in token.unicodeScalars {
            guard let b = byte(for: s) else { return nil }
            out.append(b)
        }
        return out
    }
}
