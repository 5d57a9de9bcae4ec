// The tokenizer contract every model-facing part of Polygraph uses (ids are Int32, as in GGUF and llama.cpp).

/// The ids a model gives special meaning: beginning and end of sequence, padding, and the tokens that end a turn.
public struct SpecialTokenIDs: Sendable, Equatable {
    /// Beginning of sequence (`tokenizer.ggml.bos_token_id`), if the model has one.
    public var bos: Int32?
    /// End of sequence (`tokenizer.ggml.eos_token_id`), if the model has one.
    public var eos: Int32?
    /// Padding (`tokenizer.ggml.padding_token_id`), if the model has one.
    public var padding: Int32?
    /// Unknown token (`tokenizer.ggml.unknown_token_id`), if the model has one.
    public var unknown: Int32?
    /// Every id that ends generation: eos, `tokenizer.ggml.eot_token_id`, and control tokens such as
    /// `<|im_end|>`, `<|eot_id|>`, `<end_of_turn>`, `<|endoftext|>`. Sorted, without duplicates.
    public var endOfTurn: [Int32]

    /// Makes the set; `endOfTurn` is sorted and de-duplicated.
    public init(
        bos: Int32? = nil, eos: Int32? = nil, padding: Int32? = nil, unknown: Int32? = nil, endOfTurn: [Int32] = []
    ) {
        self.bos = bos
        self.eos = eos
        self.padding = padding
        self.unknown = unknown
        self.endOfTurn = Array(Set(endOfTurn)).sorted()
    }

    /// True when `id` ends a turn (generation should stop there).
    public func isEndOfTurn(_ id: Int32) -> Bool { endOfTurn.contains(id) }
}

/// How a vocabulary entry behaves, as `tokenizer.ggml.token_type` encodes it (llama.cpp `llama_token_type`).
public enum TokenKind: Int32, Sendable {
    case undefined = 0
    case normal = 1
    case unknown = 2
    /// Control tokens (`<|im_start|>`): matched in text only when special parsing is asked for.
    case control = 3
    /// User-defined tokens: always matched in text as a whole.
    case userDefined = 4
    case unused = 5
    /// Byte tokens of SentencePiece vocabularies (`<0x0A>`).
    case byte = 6
}

/// Turns text into token ids and back, for one model's vocabulary.
///
/// `encode` never adds BOS by itself: use `encodePrompt` (or check `addsBOS`) when building model input.
public protocol Tokenizer: Sendable {
    /// Number of entries in the vocabulary (the model's logit width may be larger).
    var vocabularySize: Int { get }
    /// The model's special ids.
    var specialTokens: SpecialTokenIDs { get }
    /// Whether the model expects BOS in front of every prompt (`tokenizer.ggml.add_bos_token`).
    var addsBOS: Bool { get }
    /// Token ids for `text`, without BOS. With `parseSpecial`, control-token text such as `<|im_start|>`
    /// becomes its id; without it such text is tokenized as ordinary characters.
    func encode(_ text: String, parseSpecial: Bool) -> [Int32]
    /// The text of `ids`, special tokens written out as their text. Invalid UTF-8 becomes U+FFFD.
    func decode(_ ids: [Int32]) -> String
    /// The raw bytes `id` stands for (the UTF-8 of a special token's text); empty for an id out of range.
    func bytes(for id: Int32) -> [UInt8]
    /// The vocabulary entry of `id` as stored in the GGUF (e.g. `Ġthe`), or nil when out of range.
    func token(for id: Int32) -> String?
    /// The id of a vocabulary entry as stored in the GGUF, or nil when absent.
    func id(for token: String) -> Int32?
    /// The kind of `id` (normal, control...); `.undefined` when out of range.
    func kind(of id: Int32) -> TokenKind
}

extension Tokenizer {
    /// Ids for a prompt as the model expects it: BOS first when `addsBOS` (and the text does not already
    /// start with it), special-token text parsed by default.
    public func encodePrompt(_ text: String, parseSpecial: Bool = true) -> [Int32] {
        var ids = encode(text, parseSpecial: parseSpecial)
        if addsBOS, let bos = specialTokens.bos, ids.first != bos { ids.insert(bos, at: 0) }
        return ids
    }

    /// The concatenated bytes of `ids` decoded as UTF-8 (invalid sequences become U+FFFD).
    public func decode(_ ids: [Int32]) -> String {
        var all: [UInt8] = []
        all.reserveCapacity(ids.count * 4)
        for id in ids { all.append(contentsOf: bytes(for: id)) }
        return String(decoding: all, as: UTF8.self)
    }

    /// A decoder that turns ids into text one at a time, holding back partial UTF-8 characters.
    public func makeStreamingDecoder() -> StreamingDecoder { StreamingDecoder(tokenizer: self) }
}
