"""A minimal GGUF writer (format: ggml/docs/gguf.md) that can also write what the format forbids.

`tiny_model()` is a complete one-layer llama model (byte-level BPE tokenizer over the 256 byte symbols, F32
weights) of a few kilobytes that `polygraph generate` runs; the hostile cases change one thing in it at a time.
"""
import struct

import numpy as np

U8, I8, U16, I16, U32, I32, F32, BOOL, STR, ARR, U64, I64, F64 = range(13)
_FMT = {U8: "<B", I8: "<b", U16: "<H", I16: "<h", U32: "<I", I32: "<i", F32: "<f", BOOL: "<?",
        U64: "<Q", I64: "<q", F64: "<d"}


def enc_str(s):
    b = s.encode("utf-8") if isinstance(s, str) else bytes(s)
    return struct.pack("<Q", len(b)) + b


class Raw(bytes):
    """Bytes written as a value as they are, whatever its type says (a hostile length prefix, say)."""


def enc_value(t, v):
    """Encodes a value of GGUF type t; arrays are (element_type, [values]); Raw bytes go out unchanged."""
    if isinstance(v, Raw):
        return bytes(v)
    if t == STR:
        return enc_str(v)
    if t == ARR:
        et, items = v
        return struct.pack("<IQ", et, len(items)) + b"".join(enc_value(et, x) for x in items)
    return struct.pack(_FMT[t], v)


class Tensor:
    def __init__(self, name, dims, data, ggml_type=0, offset=None, n_dims=None):
        self.name, self.dims, self.data, self.type = name, list(dims), bytes(data), ggml_type
        self.offset, self.n_dims = offset, n_dims


class Model:
    """Metadata (ordered key -> (type, value)) and tensors, with overrides for the header counts."""

    def __init__(self, kv, tensors, version=3, alignment=32):
        self.kv, self.tensors, self.version, self.alignment = dict(kv), list(tensors), version, alignment
        self.tensor_count = self.kv_count = None
        self.magic = b"GGUF"
        self.extra_kv = b""  # raw bytes appended after the last key/value pair

    def copy(self):
        m = Model(self.kv, [Tensor(t.name, t.dims, t.data, t.type, t.offset, t.n_dims) for t in self.tensors],
                  self.version, self.alignment)
        m.tensor_count, m.kv_count, m.magic, m.extra_kv = self.tensor_count, self.kv_count, self.magic, self.extra_kv
        return m

    def set(self, key, t, v):
        self.kv[key] = (t, v)
        return self

    def drop(self, key):
        self.kv.pop(key, None)
        return self

    def tensor(self, name):
        return next(t for t in self.tensors if t.name == name)

    def to_bytes(self):
        out = bytearray(self.magic)
        out += struct.pack("<I", self.version)
        tc = len(self.tensors) if self.tensor_count is None else self.tensor_count
        kc = len(self.kv) if self.kv_count is None else self.kv_count
        out += struct.pack("<QQ", tc, kc)
        for key, (t, v) in self.kv.items():
            out += enc_str(key) + struct.pack("<I", t) + enc_value(t, v)
        out += self.extra_kv
        data, offsets = bytearray(), []
        for t in self.tensors:
            pad = (-len(data)) % max(self.alignment, 1)
            data += b"\0" * pad
            offsets.append(len(data) if t.offset is None else t.offset)
            data += t.data
        for t, off in zip(self.tensors, offsets):
            n = len(t.dims) if t.n_dims is None else t.n_dims
            out += (bytes(t.name) if isinstance(t.name, Raw) else enc_str(t.name)) + struct.pack("<I", n) + b"".join(struct.pack("<Q", d) for d in t.dims)
            out += struct.pack("<IQ", t.type, off)
        out += b"\0" * ((-len(out)) % max(self.alignment, 1))
        return bytes(out + data)

    def write(self, path):
        with open(path, "wb") as f:
            f.write(self.to_bytes())
        return path


def byte_symbols():
    """GPT-2's byte -> printable character table, in byte order."""
    keep = list(range(33, 127)) + list(range(161, 173)) + list(range(174, 256))
    table, n = {}, 0
    for b in range(256):
        if b in keep:
            table[b] = chr(b)
        else:
            table[b] = chr(256 + n)
            n += 1
    return [table[b] for b in range(256)]


D, FF, HEADS, LAYERS, CTX = 8, 16, 2, 1, 64


def tiny_model(seed=7):
    """A valid one-layer llama model with a 257-token byte-level BPE vocabulary (256 bytes + <|endoftext|>)."""
    rng = np.random.default_rng(seed)
    tokens = byte_symbols() + ["<|endoftext|>"]
    vocab = len(tokens)
    kv = {
        "general.architecture": (STR, "llama"),
        "general.name": (STR, "hostile-tiny"),
        "llama.block_count": (U32, LAYERS),
        "llama.context_length": (U32, CTX),
        "llama.embedding_length": (U32, D),
        "llama.feed_forward_length": (U32, FF),
        "llama.attention.head_count": (U32, HEADS),
        "llama.attention.head_count_kv": (U32, HEADS),
        "llama.rope.freq_base": (F32, 10000.0),
        "llama.attention.layer_norm_rms_epsilon": (F32, 1e-5),
        "tokenizer.ggml.model": (STR, "gpt2"),
        "tokenizer.ggml.pre": (STR, "gpt-2"),
        "tokenizer.ggml.tokens": (ARR, (STR, tokens)),
        "tokenizer.ggml.token_type": (ARR, (I32, [1] * 256 + [3])),
        "tokenizer.ggml.merges": (ARR, (STR, ["h i"])),
        "tokenizer.ggml.bos_token_id": (U32, 256),
        "tokenizer.ggml.eos_token_id": (U32, 256),
    }

    def w(*dims):
        return (rng.standard_normal(int(np.prod(dims))) * 0.2).astype("<f4").tobytes()

    tensors = [Tensor("token_embd.weight", [D, vocab], w(D, vocab))]
    for layer in range(LAYERS):
        p = "blk.%d." % layer
        tensors += [Tensor(p + "attn_norm.weight", [D], np.ones(D, "<f4").tobytes()),
                    Tensor(p + "attn_q.weight", [D, D], w(D, D)), Tensor(p + "attn_k.weight", [D, D], w(D, D)),
                    Tensor(p + "attn_v.weight", [D, D], w(D, D)), Tensor(p + "attn_output.weight", [D, D], w(D, D)),
                    Tensor(p + "ffn_norm.weight", [D], np.ones(D, "<f4").tobytes()),
                    Tensor(p + "ffn_gate.weight", [D, FF], w(D, FF)), Tensor(p + "ffn_up.weight", [D, FF], w(D, FF)),
                    Tensor(p + "ffn_down.weight", [FF, D], w(FF, D))]
    tensors += [Tensor("output_norm.weight", [D], np.ones(D, "<f4").tobytes()),
                Tensor("output.weight", [D, vocab], w(D, vocab))]
    return Model(kv, tensors)
