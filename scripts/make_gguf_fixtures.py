#!/usr/bin/env python3
"""Writes the GGUF test fixtures into Tests/GGUFTests/Fixtures/ (run once; the outputs are committed).

1. quant-reference.gguf: for every dequantisable type, a tensor of random stored bytes (scales forced finite)
   and a companion F32 tensor "<name>.expected" holding gguf.quants.dequantize's output for those bytes.
   Written with the gguf package's own GGUFWriter, with metadata of every value type, so the Swift reader is also
   checked against an independent writer.
2. bad-*.gguf: tiny hand-made files, one per failure mode the reader must report (see README.md there).

Requires: pip install gguf numpy    Usage: python3 scripts/make_gguf_fixtures.py
"""
import os
import struct

import numpy as np
import gguf
from gguf import GGMLQuantizationType as Q
from gguf.quants import dequantize

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "GGUFTests", "Fixtures")
rng = np.random.default_rng(20261129)

# type -> (byte offsets of f16 scale fields inside one block, number of blocks per row, rows)
QUANT_LAYOUT = {
    Q.Q4_0: ([0], 4, 3),
    Q.Q4_1: ([0, 2], 4, 3),
    Q.Q5_0: ([0], 4, 3),
    Q.Q5_1: ([0, 2], 4, 3),
    Q.Q8_0: ([0], 4, 3),
    Q.Q4_K: ([0, 2], 2, 3),
    Q.Q5_K: ([0, 2], 2, 3),
    Q.Q6_K: ([208], 2, 3),
    Q.Q2_K: ([80, 82], 2, 3),
    Q.Q3_K: ([108], 2, 3),
    Q.IQ4_NL: ([0], 4, 3),
    Q.IQ4_XS: ([0], 2, 3),
}


def finite_halves(n):
    """Random float16 values spanning normal magnitudes, both signs (no inf/NaN)."""
    return (rng.standard_normal(n) * np.exp2(rng.integers(-12, 4, n))).astype(np.float16)


def quant_blocks(qtype):
    offsets, blocks_per_row, rows = QUANT_LAYOUT[qtype]
    block_size, type_size = gguf.GGML_QUANT_SIZES[qtype]
    n_blocks = blocks_per_row * rows
    raw = rng.integers(0, 256, size=(n_blocks, type_size), dtype=np.uint8)
    for off in offsets:
        raw[:, off:off + 2] = finite_halves(n_blocks).view(np.uint8).reshape(n_blocks, 2)
    data = raw.reshape(rows, blocks_per_row * type_size)
    return data, [blocks_per_row * block_size, rows]


def float_bits(qtype, n):
    """Random 16-bit patterns for F16/BF16, including subnormals and zeros, excluding inf/NaN exponents."""
    bits = rng.integers(0, 1 << 16, size=n, dtype=np.uint32).astype(np.uint16)
    exp_mask, exp_all = (0x7C00, 0x7C00) if qtype == Q.F16 else (0x7F80, 0x7F80)
    bad = (bits & exp_mask) == exp_all
    bits[bad] &= np.uint16(~exp_mask & 0xFFFF)
    bits[:4] = [0x0000, 0x8000, 0x0001, 0x8001]  # ±0 and the smallest subnormals
    return bits


def write_reference():
    path = os.path.join(OUT, "quant-reference.gguf")
    w = gguf.GGUFWriter(path, arch="llama")
    # Metadata of every value type (gguf package writer), read back by MetadataFixtureTests.
    w.add_uint8("t.u8", 250); w.add_int8("t.i8", -120); w.add_uint16("t.u16", 65000); w.add_int16("t.i16", -32000)
    w.add_uint32("t.u32", 4_000_000_000); w.add_int32("t.i32", -2_000_000_000)
    w.add_uint64("t.u64", 2**63 + 5); w.add_int64("t.i64", -(2**62)); w.add_float32("t.f32", 0.1)
    w.add_float64("t.f64", 2.5e-300); w.add_bool("t.bool", True); w.add_string("t.str", "naïve ✓ 日本")
    w.add_array("t.strs", ["<|im_start|>", "Ġthe", ""])
    w.add_array("t.ints", [1, -2, 3])
    w.add_array("t.floats", [0.5, -1.25])
    w.add_array("t.nested", [[1, 2, 3], ["a", "b"]])
    expected_names = []
    for qtype in (Q.F16, Q.BF16):
        bits = float_bits(qtype, 64 * 3)
        expected = dequantize(bits.view(np.uint8).reshape(3, 128), qtype).reshape(3, 64)
        w.add_tensor(qtype.name, bits.view(np.uint8).reshape(3, 128), raw_dtype=qtype)
        w.add_tensor(qtype.name + ".expected", expected.astype(np.float32))
        expected_names.append(qtype.name)
    for qtype in QUANT_LAYOUT:
        data, shape = quant_blocks(qtype)
        expected = dequantize(data, qtype)
        assert list(expected.shape) == shape[::-1], (qtype, expected.shape, shape)
        assert np.isfinite(expected).all()
        w.add_tensor(qtype.name, data, raw_dtype=qtype)
        w.add_tensor(qtype.name + ".expected", expected.astype(np.float32))
        expected_names.append(qtype.name)
    w.write_header_to_file(); w.write_kv_data_to_file(); w.write_tensors_to_file(); w.close()
    print(f"{path}: {', '.join(expected_names)} ({os.path.getsize(path)} bytes)")


# ---- bad files -------------------------------------------------------------------------------------------------

def s(text):  # gguf_string
    b = text.encode()
    return struct.pack("<Q", len(b)) + b


def header(n_tensors, n_kv, version=3):
    return b"GGUF" + struct.pack("<IQQ", version, n_tensors, n_kv)


def kv_u32(key, v):
    return s(key) + struct.pack("<II", 4, v)


def tensor_info(name, dims, ttype, offset):
    return s(name) + struct.pack("<I", len(dims)) + b"".join(struct.pack("<Q", d) for d in dims) + struct.pack("<IQ", ttype, offset)


def pad(b, a=32):
    return b + b"\0" * (-len(b) % a)


def bad_files():
    arch = s("general.architecture") + struct.pack("<I", 8) + s("llama")
    good_tensor = tensor_info("w", [8], 0, 0)
    files = {
        # name: bytes                                                              (what the reader must report)
        "bad-magic.gguf": b"GGML" + header(0, 0)[4:],                                  # badMagic at 0
        "bad-version.gguf": header(0, 0, version=4),                                   # unsupportedVersion at 4
        "bad-big-endian.gguf": b"GGUF" + struct.pack(">IQQ", 3, 0, 0),                 # unsupportedVersion, hint big-endian
        "bad-empty.gguf": b"",                                                         # truncated at 0
        "bad-truncated-header.gguf": b"GGUF" + struct.pack("<I", 3) + b"\1\0\0\0",     # truncated tensor count at 8
        "bad-truncated-string.gguf": header(0, 1) + struct.pack("<Q", 40) + b"general.arch",  # truncated at 32 (40 bytes needed)
        "bad-truncated-value.gguf": header(0, 1) + s("llama.block_count") + struct.pack("<I", 4) + b"\1\0",  # truncated value
        "bad-absurd-tensor-count.gguf": header(1 << 40, 0),                            # absurdCount at 8
        "bad-absurd-kv-count.gguf": header(0, 1 << 40),                                # absurdCount at 16
        "bad-absurd-string-length.gguf": header(0, 1) + struct.pack("<Q", 1 << 40) + b"x" * 16,  # absurdCount at 24
        "bad-absurd-array-length.gguf": header(0, 1) + s("a") + struct.pack("<IIQ", 9, 8, 1 << 40) + b"\0" * 16,  # absurdCount
        "bad-unknown-value-type.gguf": header(0, 1) + s("k") + struct.pack("<I", 13) + b"\0" * 8,  # unknownValueType
        "bad-absurd-dimension-count.gguf": header(1, 0) + s("w") + struct.pack("<I", 9) + b"\0" * 64,  # absurdCount (n_dims)
        "bad-overflowing-dimensions.gguf": pad(header(1, 0) + tensor_info("w", [1 << 32, 1 << 32, 1 << 32], 0, 0)),  # badDimensions
        "bad-negative-dimension.gguf": pad(header(1, 0) + tensor_info("w", [2**64 - 8], 0, 0)),  # badDimensions
        "bad-block-dimension.gguf": pad(header(1, 0) + tensor_info("w", [33], 2, 0)) + b"\0" * 64,  # badDimensions: 33 % 32
        "bad-unknown-tensor-type.gguf": pad(header(1, 0) + tensor_info("w", [8], 99, 0)) + b"\0" * 32,  # unknownTensorType
        "bad-tensor-past-end.gguf": pad(header(1, 1) + arch + tensor_info("w", [1024], 0, 0)) + b"\0" * 100,  # tensorOutOfBounds
        "bad-misaligned-offset.gguf": pad(header(2, 0) + good_tensor + tensor_info("v", [8], 0, 4)) + b"\0" * 64,  # misaligned
        "bad-alignment.gguf": pad(header(0, 1) + kv_u32("general.alignment", 24)),     # badAlignment
        "bad-duplicate-tensor.gguf": pad(header(2, 0) + good_tensor + tensor_info("w", [8], 0, 32)) + b"\0" * 64,  # duplicate
        "bad-invalid-utf8.gguf": header(0, 1) + struct.pack("<Q", 3) + b"\xff\xfe\xfd" + struct.pack("<IB", 0, 1),  # invalidUTF8
    }
    for name, data in files.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)
    print(f"{len(files)} bad-file fixtures")


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    write_reference()
    bad_files()
