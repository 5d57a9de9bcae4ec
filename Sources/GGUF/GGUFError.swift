// Every way reading, querying or writing a GGUF file can fail, with the context needed to act on it.

/// An error from the GGUF module. Each case names the file and, where there is one, the byte offset;
/// `description` reads as one sentence plus a hint.
public enum GGUFError: Error, CustomStringConvertible, Equatable {
    /// The file could not be opened, stat'ed or mapped.
    case cannotOpen(path: String, reason: String)
    /// The first four bytes are not `GGUF`.
    case badMagic(path: String, found: [UInt8])
    /// The header's version is not 2 or 3.
    case unsupportedVersion(path: String, version: UInt32)
    /// A read of `needed` bytes for `what` at `offset` runs past the end of the file (`fileSize` bytes).
    case truncated(path: String, offset: Int, needed: Int, fileSize: Int, what: String)
    /// A count (tensors, keys, string length, array length, dimensions) cannot fit in the remaining bytes.
    case absurdCount(path: String, offset: Int, what: String, count: UInt64, limit: UInt64)
    /// A metadata value has a type code outside the spec.
    case unknownValueType(path: String, offset: Int, key: String, code: UInt32)
    /// Arrays nested deeper than the reader allows.
    case nestingTooDeep(path: String, offset: Int, key: String, limit: Int)
    /// A string is not valid UTF-8.
    case invalidUTF8(path: String, offset: Int, what: String)
    /// The same metadata key or tensor name appears twice.
    case duplicate(path: String, offset: Int, what: String, name: String)
    /// `general.alignment` is zero, not a power of two, or not an integer.
    case badAlignment(path: String, offset: Int, found: String)
    /// A tensor's dimensions are negative, overflow, or do not fit the type's block size.
    case badDimensions(path: String, offset: Int, tensor: String, dimensions: [UInt64], problem: String)
    /// A tensor's type code is not a known ggml type.
    case unknownTensorType(path: String, offset: Int, tensor: String, code: UInt32)
    /// A tensor's data starts at an offset that is not a multiple of the alignment.
    case misalignedTensor(path: String, tensor: String, offset: Int, alignment: Int)
    /// A tensor's data runs past the end of the file.
    case tensorOutOfBounds(path: String, tensor: String, offset: Int, byteCount: Int, fileSize: Int)
    /// A metadata key the caller needs is absent.
    case missingKey(path: String, key: String)
    /// A metadata key has a different type than the caller needs.
    case wrongType(path: String, key: String, expected: String, found: String)
    /// No tensor has this name.
    case missingTensor(path: String, name: String)
    /// The tensor's type has no dequantiser.
    case unsupportedDequantization(path: String, tensor: String, type: GGMLType)
    /// A row range outside the tensor.
    case rowsOutOfRange(path: String, tensor: String, rows: Range<Int>, rowCount: Int)
    /// The writer could not write the file, or was given inconsistent input.
    case writeFailed(path: String, reason: String)

    /// The byte offset in the file where the problem is, when there is one.
    public var offset: Int? {
        switch self {
        case .badMagic: 0
        case .unsupportedVersion: 4
        case .truncated(_, let o, _, _, _), .absurdCount(_, let o, _, _, _), .unknownValueType(_, let o, _, _),
            .nestingTooDeep(_, let o, _, _), .invalidUTF8(_, let o, _), .duplicate(_, let o, _, _),
            .badAlignment(_, let o, _), .badDimensions(_, let o, _, _, _), .unknownTensorType(_, let o, _, _),
            .misalignedTensor(_, _, let o, _), .tensorOutOfBounds(_, _, let o, _, _):
            o
        case .cannotOpen, .missingKey, .wrongType, .missingTensor, .unsupportedDequantization, .rowsOutOfRange,
            .writeFailed:
            nil
        }
    }

    /// One sentence saying what is wrong, where, and a hint.
    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason):
            return
                "\(path): cannot open GGUF file: \(reason). Hint: check the path and permissions (scripts/fetch-model.sh fetches the default model)."
        case .badMagic(let path, let found):
            let hex = found.map { String($0, radix: 16).leftPadded(2) }.joined(separator: " ")
            return
                "\(path): at byte offset 0: expected the magic 'GGUF' (47 47 55 46), found \(hex). Hint: this is not a GGUF file (a safetensors or PyTorch checkpoint must be converted with llama.cpp's convert_hf_to_gguf.py)."
        case .unsupportedVersion(let path, let version):
            let swapped = version.byteSwapped
            let hint =
                (swapped == 2 || swapped == 3)
                ? "this looks like a big-endian GGUF file; only little-endian files are supported"
                : (version == 1
                    ? "GGUF v1 is obsolete; re-convert the model with a current llama.cpp"
                    : "the file is corrupt or from an unknown future GGUF version")
            return "\(path): at byte offset 4: unsupported GGUF version \(version), expected 2 or 3. Hint: \(hint)."
        case .truncated(let path, let offset, let needed, let fileSize, let what):
            return
                "\(path): at byte offset \(offset): need \(needed) bytes for \(what), but the file ends at \(fileSize). Hint: the file is truncated; download it again and check its sha256."
        case .absurdCount(let path, let offset, let what, let count, let limit):
            return
                "\(path): at byte offset \(offset): \(what) is \(count), more than the \(limit) the rest of the file can hold. Hint: the file is corrupt or truncated."
        case .unknownValueType(let path, let offset, let key, let code):
            return
                "\(path): at byte offset \(offset): metadata key '\(key)' has unknown value type \(code) (expected 0...12). Hint: the file is corrupt."
        case .nestingTooDeep(let path, let offset, let key, let limit):
            return
                "\(path): at byte offset \(offset): metadata key '\(key)' nests arrays more than \(limit) deep. Hint: the file is corrupt."
        case .invalidUTF8(let path, let offset, let what):
            return "\(path): at byte offset \(offset): \(what) is not valid UTF-8. Hint: the file is corrupt."
        case .duplicate(let path, let offset, let what, let name):
            return
                "\(path): at byte offset \(offset): duplicate \(what) '\(name)'. Hint: the file is corrupt or was written by a buggy converter."
        case .badAlignment(let path, let offset, let found):
            return
                "\(path): at byte offset \(offset): general.alignment is \(found), expected a power of two. Hint: the file is corrupt."
        case .badDimensions(let path, let offset, let tensor, let dims, let problem):
            return
                "\(path): at byte offset \(offset): tensor '\(tensor)' has dimensions \(dims): \(problem). Hint: the file is corrupt."
        case .unknownTensorType(let path, let offset, let tensor, let code):
            return
                "\(path): at byte offset \(offset): tensor '\(tensor)' has unknown ggml type \(code). Hint: the file may need a newer reader, or it is corrupt."
        case .misalignedTensor(let path, let tensor, let offset, let alignment):
            return
                "\(path): at byte offset \(offset): data of tensor '\(tensor)' is not aligned to \(alignment) bytes. Hint: the file is corrupt or was written by a buggy converter."
        case .tensorOutOfBounds(let path, let tensor, let offset, let byteCount, let fileSize):
            return
                "\(path): at byte offset \(offset): tensor '\(tensor)' needs \(byteCount) bytes, past the end of the file at \(fileSize). Hint: the file is truncated; download it again and check its sha256."
        case .missingKey(let path, let key):
            return
                "\(path): metadata key '\(key)' is missing. Hint: `polygraph inspect \(path)` lists the keys the file has."
        case .wrongType(let path, let key, let expected, let found):
            return
                "\(path): metadata key '\(key)' should be \(expected) but is \(found). Hint: the file was written by an unexpected converter."
        case .missingTensor(let path, let name):
            return
                "\(path): no tensor named '\(name)'. Hint: `polygraph inspect \(path)` lists the tensors the file has."
        case .unsupportedDequantization(let path, let tensor, let type):
            let supported = GGMLType.dequantizable.map(\.name).joined(separator: ", ")
            return
                "\(path): tensor '\(tensor)' has type \(type.name), which cannot be dequantised. Hint: use a model quantised as one of \(supported)."
        case .rowsOutOfRange(let path, let tensor, let rows, let rowCount):
            return
                "\(path): rows \(rows.lowerBound)..<\(rows.upperBound) of tensor '\(tensor)' are out of range (it has \(rowCount) rows). Hint: check the token id or row index."
        case .writeFailed(let path, let reason):
            return "\(path): cannot write GGUF file: \(reason)."
        }
    }
}

extension String {
    /// Pads on the left with zeros to `width` characters.
    fileprivate func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
