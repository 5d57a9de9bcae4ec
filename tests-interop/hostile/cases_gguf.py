"""GGUF: hand-written hostile headers, hostile hyper-parameters and tokenizers in a tiny valid model,
truncations of the real model at many offsets, and seeded bit flips in the real model's header and the tiny model."""
import os
import shutil
import struct

import gguf_writer as g
from common import Case

NAN, INF = float("nan"), float("inf")


def header_cases(ctx, base):
    """(name, model, expect): header or metadata encodings that are broken (the parser must refuse them), or odd
    but well-formed ("any")."""
    out = []

    def m(name, edit, expect="error"):
        x = base.copy()
        edit(x)
        out.append((name, x, expect))

    for v in (0, 1, 4, 0xFFFFFFFF):
        m("version %d" % v, lambda x, v=v: setattr(x, "version", v))
    m("magic GGML", lambda x: setattr(x, "magic", b"GGML"))
    m("magic lower", lambda x: setattr(x, "magic", b"gguf"))
    for v in (2 ** 63, 2 ** 64 - 1, 14, 2 ** 32):
        m("tensor_count %d" % v, lambda x, v=v: setattr(x, "tensor_count", v))
    # One more than written: the padding's zero bytes read as a well-formed 13th tensor (empty name, no dims).
    m("tensor_count 13", lambda x: setattr(x, "tensor_count", 13), "any")
    for v in (2 ** 64 - 1, 2 ** 62, 18, 2 ** 31):
        m("kv_count %d" % v, lambda x, v=v: setattr(x, "kv_count", v))
    m("key length 2^63", lambda x: setattr(x, "extra_kv", struct.pack("<Q", 2 ** 63) + b"k"))
    m("key length 2^64-1", lambda x: setattr(x, "extra_kv", struct.pack("<Q", 2 ** 64 - 1)))
    for t in (13, 255, 0xFFFFFFFF):
        m("value type %d" % t, lambda x, t=t: setattr(x, "extra_kv", g.enc_str("x.k") + struct.pack("<I", t) + b"\0" * 8))
    m("string length 2^62", lambda x: x.set("general.name", g.STR, g.Raw(struct.pack("<Q", 2 ** 62) + b"abc")))
    m("array count 2^62", lambda x: x.set("x.arr", g.ARR, g.Raw(struct.pack("<IQ", g.U8, 2 ** 62))))
    m("array count 2^64-1 of strings", lambda x: x.set("x.arr", g.ARR, g.Raw(struct.pack("<IQ", g.STR, 2 ** 64 - 1))))
    m("array element type 99", lambda x: x.set("x.arr", g.ARR, g.Raw(struct.pack("<IQ", 99, 1) + b"\0" * 8)))
    nested = struct.pack("<IQ", g.ARR, 1)
    m("arrays nested 20000 deep", lambda x: x.set("x.arr", g.ARR, g.Raw(nested * 20000 + struct.pack("<IQ", g.U8, 0))))
    m("bool value 7", lambda x: x.set("x.bool", g.BOOL, g.Raw(b"\x07")))
    m("key invalid UTF-8", lambda x: setattr(x, "extra_kv", g.enc_str(b"\xff\xfe") + struct.pack("<I", g.U8) + b"\1"))
    m("string value invalid UTF-8", lambda x: x.set("general.architecture", g.STR, b"lla\xc3\x28ma"))
    m("duplicate key", lambda x: setattr(x, "extra_kv", g.enc_str("llama.block_count") + struct.pack("<II", g.U32, 2)))
    m("empty key", lambda x: setattr(x, "extra_kv", g.enc_str("") + struct.pack("<I", g.U8) + b"\1"))
    for a in (0, 3, 2 ** 31):
        m("alignment %d" % a, lambda x, a=a: x.set("general.alignment", g.U32, a))
    m("alignment as string", lambda x: x.set("general.alignment", g.STR, "32"))
    for n in (0, 5, 2 ** 32 - 1):
        m("n_dims %d" % n, lambda x, n=n: setattr(x.tensor("output_norm.weight"), "n_dims", n))
    m("dims 2^32 x 2^32", lambda x: setattr(x.tensor("output.weight"), "dims", [2 ** 32, 2 ** 32]))
    m("dim 2^63", lambda x: setattr(x.tensor("output_norm.weight"), "dims", [2 ** 63]))
    for t in (999, 4, 40, 0xFFFFFFFF):
        m("ggml type %d" % t, lambda x, t=t: setattr(x.tensor("output_norm.weight"), "type", t))
    m("offset 2^63", lambda x: setattr(x.tensor("output_norm.weight"), "offset", 2 ** 63))
    m("offset misaligned", lambda x: setattr(x.tensor("output_norm.weight"), "offset", 3))
    m("offset past the end", lambda x: setattr(x.tensor("output_norm.weight"), "offset", 10 ** 7))
    m("offset 2^64-32", lambda x: setattr(x.tensor("output.weight"), "offset", 2 ** 64 - 32))
    m("duplicate tensor name", lambda x: setattr(x.tensor("blk.0.ffn_up.weight"), "name", "blk.0.ffn_gate.weight"))
    m("tensor name length 2^63", lambda x: setattr(x.tensor("output_norm.weight"), "name", g.Raw(struct.pack("<Q", 2 ** 63))))
    return out


def config_cases(base):
    """(name, model, expect) with one hostile hyper-parameter or tokenizer value in the tiny model."""
    out = []

    def m(name, key, t=None, v=None, expect="error"):
        x = base.copy()
        x.drop(key) if t is None else x.set(key, t, v)
        out.append((name, x, expect))

    p = "llama."
    for key, vals in [("block_count", [(g.U32, 0), (g.U64, 2 ** 40), (g.I32, -1), (g.STR, "1"), (g.F32, 1.5)]),
                      ("embedding_length", [(g.U32, 0), (g.U64, 2 ** 62), (g.I32, -8), (g.U32, 7)]),
                      ("attention.head_count", [(g.U32, 0), (g.U64, 2 ** 62), (g.U32, 3), (g.I64, -2)]),
                      ("attention.head_count_kv", [(g.U32, 0), (g.U32, 3), (g.U64, 2 ** 62)]),
                      ("attention.key_length", [(g.U64, 2 ** 61), (g.U32, 0), (g.I32, -4)]),
                      ("attention.value_length", [(g.U64, 2 ** 61), (g.U32, 0)]),
                      ("rope.dimension_count", [(g.I32, -2), (g.U64, 2 ** 40), (g.U32, 9), (g.U32, 3)]),
                      ("rope.freq_base", [(g.F32, NAN), (g.F32, 0.0), (g.F32, -5.0), (g.F32, INF), (g.STR, "1e4")]),
                      ("attention.layer_norm_rms_epsilon", [(g.F32, INF), (g.F32, NAN), (g.F32, -1.0)]),
                      ("context_length", [(g.U32, 0), (g.U64, 2 ** 50), (g.I32, -64)]),
                      ("feed_forward_length", [(g.U32, 0), (g.U64, 2 ** 62), (g.U32, 15)])]:
        for t, v in vals:
            m("%s = %r (type %d)" % (key, v, t), p + key, t, v)
    for key in ("block_count", "embedding_length", "attention.head_count", "feed_forward_length"):
        m("%s missing" % key, p + key)
    for arch in ("gemma3", "qwen2", "mamba", ""):
        m("architecture %r" % arch, "general.architecture", g.STR, arch)
    m("architecture as int", "general.architecture", g.U32, 1)
    m("architecture missing", "general.architecture")
    t = "tokenizer.ggml."
    m("tokenizer model bert", t + "model", g.STR, "bert")
    m("tokenizer model missing", t + "model")
    m("tokenizer pre unknown", t + "pre", g.STR, "klingon")
    m("tokens empty", t + "tokens", g.ARR, (g.STR, []))
    m("tokens as ints", t + "tokens", g.ARR, (g.I32, list(range(257))))
    m("tokens as one string", t + "tokens", g.STR, "abc")
    m("tokens fewer than embedding rows", t + "tokens", g.ARR, (g.STR, g.byte_symbols()))
    m("tokens more than embedding rows", t + "tokens", g.ARR, (g.STR, g.byte_symbols() + ["<a>", "<b>", "<c>"]))
    m("token_type short", t + "token_type", g.ARR, (g.I32, [1] * 10))
    m("token_type as floats", t + "token_type", g.ARR, (g.F32, [1.0] * 257))
    # Rules whose parts or result are not tokens can never fire; ignored, as llama.cpp does.
    m("merges of unknown tokens", t + "merges", g.ARR, (g.STR, ["qq zz"]), "any")
    m("merges three parts", t + "merges", g.ARR, (g.STR, ["h i j"]), "any")
    m("merges as ints", t + "merges", g.ARR, (g.U8, [1, 2]))
    m("merges missing", t + "merges")
    m("bos id 2^40", t + "bos_token_id", g.U64, 2 ** 40)
    m("eos id past vocab", t + "eos_token_id", g.U32, 257)
    m("eos id as string", t + "eos_token_id", g.STR, "256")
    m("scores on a SentencePiece model missing", t + "model", g.STR, "llama")
    return out


def tensor_cases(base):
    out = []

    def m(name, edit, expect="error"):
        x = base.copy()
        edit(x)
        out.append((name, x, expect))

    m("tensor with no elements", lambda x: setattr(x.tensor("output_norm.weight"), "dims", [0]))
    m("tensor name empty", lambda x: setattr(x.tensor("output_norm.weight"), "name", ""))
    m("tensor missing", lambda x: x.tensors.remove(x.tensor("blk.0.attn_k.weight")))
    m("tensor wrong shape", lambda x: setattr(x.tensor("blk.0.attn_k.weight"), "dims", [8, 4]))
    m("tensor Q4_0 with F32 bytes", lambda x: setattr(x.tensor("blk.0.ffn_up.weight"), "type", 2))
    m("embedding type I32", lambda x: setattr(x.tensor("token_embd.weight"), "type", 26))
    m("weights NaN", lambda x: setattr(x.tensor("blk.0.attn_q.weight"), "data", struct.pack("<f", NAN) * 64), "any")
    m("norm weights inf", lambda x: setattr(x.tensor("output_norm.weight"), "data", struct.pack("<f", INF) * 8), "any")
    return out


def cases(ctx):
    tmp, model = ctx.tmp, ctx.model
    base = g.tiny_model()
    ctx.tiny = base.write(os.path.join(tmp, "tiny.gguf"))
    out = [Case("gguf", "tiny model baseline generates", ["generate", "--model", ctx.tiny, "--prompt", "hi",
                                                            "--max-tokens", "2"], expect="any")]
    for i, (name, x, expect) in enumerate(header_cases(ctx, base)):
        path = x.write(os.path.join(tmp, "hdr%02d.gguf" % i))
        out.append(Case("gguf", "header: " + name, ["inspect", path], expect=expect))
        if i % 3 == 0:
            out.append(Case("gguf", "header (load): " + name, ["generate", "--model", path, "--prompt", "hi",
                                                               "--max-tokens", "2"], expect=expect))
    for i, (name, x, expect) in enumerate(config_cases(base) + tensor_cases(base)):
        path = x.write(os.path.join(tmp, "cfg%02d.gguf" % i))
        out.append(Case("gguf", "config: " + name, ["generate", "--model", path, "--prompt", "hi there",
                                                    "--max-tokens", "2"], expect=expect))
        # inspect only describes the file (and lists its hooks: a block count of 2^40 once built 2^44 names).
        out.append(Case("gguf", "config (inspect): " + name, ["inspect", path], expect="any"))
    # A chat template is a program from the file (JinjaLimits): each must end in a clear error, not a stack overflow,
    # a trap, unbounded memory or a render that runs for hours.
    for i, (name, template) in enumerate([
        ("blocks nested 20,000 deep", "{% if true %}" * 20000 + "{% endif %}" * 20000),
        ("operators chained 100,000 times", "{{ 1" + " + 1" * 100000 + " }}"),
        ("a string of 10^9 bytes", "{{ 'a' * 1000000000 }}"),
        ("range(10^9) as a list", "{{ range(1000000000)|list|length }}"),
        ("loops without end", "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}"),
        ("a namespace that holds itself", "{% set ns = namespace(a=1) %}{% set ns.a = ns %}{{ ns }}"),
        ("integer overflow", "{{ 9223372036854775807 + 1 }}"),
        ("range() without arguments", "{{ range() }}"),
        ("a macro calling itself inside a deep expression",
         "{% macro f(n) %}{{ " + "-" * 90 + "f(n) }}{% endmacro %}{{ f(1) }}"),
    ]):
        x = base.copy()
        x.set("tokenizer.chat_template", g.STR, template)
        path = x.write(os.path.join(tmp, "template%02d.gguf" % i))
        out.append(Case("gguf", "chat template: " + name, ["generate", "--model", path, "--chat", "--prompt", "hi",
                                                           "--max-tokens", "2"], want="chat template"))
        if i == 0:  # capture renders each question's prompt with it: the error says how to override the template
            questions = os.path.join(tmp, "template-questions.jsonl")
            with open(questions, "w") as f:
                f.write('{"question": "What is 2 + 2?", "answers": ["4"]}\n')
            out.append(Case("gguf", "chat template (capture): " + name,
                            ["capture", "--model", path, "--dataset", questions, "--out",
                             os.path.join(tmp, "template-capture.h5"), "--quiet"], want="--template"))
    fifo = os.path.join(tmp, "fifo.gguf")
    os.mkfifo(fifo)
    for argv in (["inspect", fifo], ["generate", "--model", fifo, "--prompt", "hi"]):
        out.append(Case("gguf", "a named pipe as the model (%s)" % argv[0], argv, timeout=10))
    if not model:
        return out
    with open(model, "rb") as f:
        head = f.read(2 * 1024 * 1024)
    data_start = ctx.model_data_start
    rng = ctx.rng
    offsets = sorted({0, 1, 4, 8, 15, 23, 24, 31, 40, 100, data_start - 1, data_start, data_start + 100}
                     | {rng.randrange(24, data_start) for _ in range(22)})
    for off in offsets:
        path = os.path.join(tmp, "trunc%d.gguf" % off)
        with open(path, "wb") as f:
            f.write(head[:off])
        out.append(Case("gguf", "real model cut at byte %d" % off, ["inspect", path]))
    # Bit flips in the real model's header region, one at a time on one full copy (restored after each).
    copy = os.path.join(tmp, "flip.gguf")
    shutil.copyfile(model, copy)
    state = {"last": None}

    def flip(pos, bit):
        def do():
            with open(copy, "r+b") as f:
                if state["last"] is not None:
                    f.seek(state["last"][0])
                    f.write(bytes([state["last"][1]]))
                f.seek(pos)
                old = f.read(1)[0]
                f.seek(pos)
                f.write(bytes([old ^ (1 << bit)]))
                state["last"] = (pos, old)
        return do

    for i in range(40):
        pos = rng.randrange(0, 4096) if i < 20 else rng.randrange(0, data_start)
        bit = rng.randrange(8)
        argv = ["inspect", copy] if i % 4 else ["generate", "--model", copy, "--prompt", "hi", "--max-tokens", "1"]
        out.append(Case("gguf", "real model bit %d of byte %d flipped (%s)" % (bit, pos, argv[0]), argv, expect="any",
                        prepare=flip(pos, bit), lane="gguf-flip", timeout=40))
    tiny_bytes = base.to_bytes()
    for i in range(30):
        pos, bit = rng.randrange(0, len(tiny_bytes) // 4), rng.randrange(8)
        b = bytearray(tiny_bytes)
        b[pos] ^= 1 << bit
        path = os.path.join(tmp, "tflip%02d.gguf" % i)
        with open(path, "wb") as f:
            f.write(b)
        out.append(Case("gguf", "tiny model bit %d of byte %d flipped" % (bit, pos),
                        ["generate", "--model", path, "--prompt", "hi", "--max-tokens", "2"], expect="any"))
    return out
