#!/usr/bin/env python3
"""Writes tiny-model fixtures checked against llama.cpp into Tests/ReferenceData/llamacpp-tiny/ (run once; the
outputs are committed): RoPE scaling and the qwen3 architecture, which no real model in this repository exercises.

Three tiny random llama GGUFs (F32, 2 layers, d_model 32, 4 query / 2 key-value heads of width 8, vocabulary 48),
identical but for RoPE scaling: none (plain.gguf), per-frequency factors in rope_freqs.weight as Llama 3.1/3.2
GGUFs carry them (freqs.gguf), and linear scaling by 4 (linear.gguf); two tiny gemma3 models (6 layers, a 16-token
sliding window), unscaled and with linear scaling by 8 as Gemma 3 4B and up state it (gemma3-*.gguf); a tiny
qwen3 (QK-norm, head width 16 ≠ d_model / heads, tied embeddings; qwen3.gguf); and reference.json, llama.cpp's logits at every position of one 64-token sequence for each (llama-cpp-python, the
reference implementation of these GGUF keys).
Tests/InferenceTests/LlamaCppTinyParityTests.swift compares Polygraph's logits with them.

Requires: pip install gguf numpy llama-cpp-python    Usage: python3 scripts/llamacpp-tiny-reference.py
"""
import json
import os

import gguf
import numpy as np
from llama_cpp import Llama, __version__ as llama_cpp_version

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "ReferenceData", "llamacpp-tiny")
D, HEADS, KV_HEADS, HEAD_DIM, FF, LAYERS, VOCAB = 32, 4, 2, 8, 64, 2, 48
FACTORS = [1.0, 1.0, 4.0, 8.0]  # one per rotated pair (HEAD_DIM / 2): the low frequencies stretched, as llama3's
LINEAR = 4.0


def start(path: str, arch: str, layers: int, base: float, eps: float, head_dim=None, window=None, linear=None,
          specials=("<unk>", "<s>", "</s>")):
    """A GGUFWriter with the hyper-parameters every tiny model shares and a minimal SentencePiece vocabulary
    (llama.cpp will not load a model without one; the tests feed token ids). `specials`: unknown, beginning and end
    of sequence, then any others (ids in that order), typed as llama.cpp expects."""
    w = gguf.GGUFWriter(path, arch)
    w.add_name(f"tiny-{arch}")
    w.add_block_count(layers)
    w.add_embedding_length(D)
    w.add_feed_forward_length(FF)
    w.add_head_count(HEADS)
    w.add_head_count_kv(KV_HEADS)
    if head_dim:
        w.add_key_length(head_dim)
        w.add_value_length(head_dim)
    w.add_context_length(256)
    w.add_rope_freq_base(base)
    w.add_layer_norm_rms_eps(eps)
    if window:
        w.add_sliding_window(window)
    if linear:
        w.add_rope_scaling_type(gguf.RopeScalingType.LINEAR)
        w.add_rope_scaling_factor(linear)
    tokens = list(specials) + [f"t{i}" for i in range(VOCAB - len(specials))]
    w.add_tokenizer_model("llama")
    w.add_token_list(tokens)
    w.add_token_scores([0.0] * VOCAB)
    w.add_token_types([2] + [3] * (len(specials) - 1) + [1] * (VOCAB - len(specials)))
    w.add_unk_token_id(0)
    w.add_bos_token_id(1)
    w.add_eos_token_id(2)
    return w


def random_weights(seed: int):
    """matrix(rows, cols) and norm(n) drawing from one generator, so a file's weights depend on its seed only."""
    rng = np.random.default_rng(seed)

    def matrix(rows, cols):
        return (rng.standard_normal((rows, cols)) * 0.3).astype(np.float32)

    def norm(n=D):
        return (1 + 0.1 * rng.standard_normal(n)).astype(np.float32)

    return matrix, norm


def finish(w) -> None:
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def write(path: str, factors=None, linear=None) -> None:
    w = start(path, "llama", LAYERS, 10000.0, 1e-5, linear=linear)
    matrix, norm = random_weights(11)  # the same weights in all three files

    w.add_tensor("token_embd.weight", matrix(VOCAB, D))
    if factors is not None:
        w.add_tensor("rope_freqs.weight", np.array(factors, np.float32))
    for layer in range(LAYERS):
        p = f"blk.{layer}."
        w.add_tensor(p + "attn_norm.weight", norm())
        w.add_tensor(p + "attn_q.weight", matrix(HEADS * HEAD_DIM, D))
        w.add_tensor(p + "attn_k.weight", matrix(KV_HEADS * HEAD_DIM, D))
        w.add_tensor(p + "attn_v.weight", matrix(KV_HEADS * HEAD_DIM, D))
        w.add_tensor(p + "attn_output.weight", matrix(D, HEADS * HEAD_DIM))
        w.add_tensor(p + "ffn_norm.weight", norm())
        w.add_tensor(p + "ffn_gate.weight", matrix(FF, D))
        w.add_tensor(p + "ffn_up.weight", matrix(FF, D))
        w.add_tensor(p + "ffn_down.weight", matrix(D, FF))
    w.add_tensor("output_norm.weight", np.ones(D, np.float32))
    w.add_tensor("output.weight", matrix(VOCAB, D))
    finish(w)


GEMMA_LAYERS, GEMMA_WINDOW, GEMMA_LINEAR = 6, 16, 8.0


def write_gemma3(path: str, linear=None) -> None:
    """A tiny gemma3 model: layers 0-4 sliding-window (base 10,000), layer 5 global (base 1,000,000), QK-norm,
    sandwich norms, tied embeddings; with `linear`, scaling that llama.cpp applies to the global layer only."""
    w = start(path, "gemma3", GEMMA_LAYERS, 1_000_000.0, 1e-6, head_dim=HEAD_DIM, window=GEMMA_WINDOW, linear=linear)
    matrix, norm = random_weights(12)

    w.add_tensor("token_embd.weight", matrix(VOCAB, D))
    for layer in range(GEMMA_LAYERS):
        p = f"blk.{layer}."
        w.add_tensor(p + "attn_norm.weight", norm())
        w.add_tensor(p + "attn_q.weight", matrix(HEADS * HEAD_DIM, D))
        w.add_tensor(p + "attn_k.weight", matrix(KV_HEADS * HEAD_DIM, D))
        w.add_tensor(p + "attn_v.weight", matrix(KV_HEADS * HEAD_DIM, D))
        w.add_tensor(p + "attn_q_norm.weight", norm(HEAD_DIM))
        w.add_tensor(p + "attn_k_norm.weight", norm(HEAD_DIM))
        w.add_tensor(p + "attn_output.weight", matrix(D, HEADS * HEAD_DIM))
        w.add_tensor(p + "post_attention_norm.weight", norm())
        w.add_tensor(p + "ffn_norm.weight", norm())
        w.add_tensor(p + "ffn_gate.weight", matrix(FF, D))
        w.add_tensor(p + "ffn_up.weight", matrix(FF, D))
        w.add_tensor(p + "ffn_down.weight", matrix(D, FF))
        w.add_tensor(p + "post_ffw_norm.weight", norm())
    w.add_tensor("output_norm.weight", norm())
    finish(w)


QWEN3_HEAD_DIM = 16


def write_qwen3(path: str) -> None:
    """A tiny qwen3 model: no q/k/v biases, RMSNorm over each query and key head before NeoX RoPE, a head width
    (16) other than d_model / heads (8), as Qwen3's 128; tied embeddings, as its small sizes."""
    w = start(path, "qwen3", LAYERS, 1_000_000.0, 1e-6, head_dim=QWEN3_HEAD_DIM)
    matrix, norm = random_weights(13)

    q, kv = HEADS * QWEN3_HEAD_DIM, KV_HEADS * QWEN3_HEAD_DIM
    w.add_tensor("token_embd.weight", matrix(VOCAB, D))
    for layer in range(LAYERS):
        p = f"blk.{layer}."
        w.add_tensor(p + "attn_norm.weight", norm())
        w.add_tensor(p + "attn_q.weight", matrix(q, D))
        w.add_tensor(p + "attn_k.weight", matrix(kv, D))
        w.add_tensor(p + "attn_v.weight", matrix(kv, D))
        w.add_tensor(p + "attn_q_norm.weight", norm(QWEN3_HEAD_DIM))
        w.add_tensor(p + "attn_k_norm.weight", norm(QWEN3_HEAD_DIM))
        w.add_tensor(p + "attn_output.weight", matrix(D, q))
        w.add_tensor(p + "ffn_norm.weight", norm())
        w.add_tensor(p + "ffn_gate.weight", matrix(FF, D))
        w.add_tensor(p + "ffn_up.weight", matrix(FF, D))
        w.add_tensor(p + "ffn_down.weight", matrix(D, FF))
    w.add_tensor("output_norm.weight", norm())
    finish(w)


def main() -> None:
    os.makedirs(OUT, exist_ok=True)
    variants = {"plain": (write, {}), "freqs": (write, {"factors": FACTORS}), "linear": (write, {"linear": LINEAR}),
                "gemma3-plain": (write_gemma3, {}), "gemma3-linear": (write_gemma3, {"linear": GEMMA_LINEAR}),
                "qwen3": (write_qwen3, {})}
    tokens = [1] + [int(t) for t in np.random.default_rng(3).integers(4, VOCAB, 63)]
    logits = {}
    for name, (writer, kw) in variants.items():
        path = os.path.join(OUT, f"{name}.gguf")
        writer(path, **kw)
        llm = Llama(model_path=path, n_ctx=128, n_batch=128, logits_all=True, n_threads=2, verbose=False,
                    type_k=0, type_v=0)  # a float32 KV cache (llama.cpp's default f16 rounds keys and values)
        llm.eval(tokens)
        logits[name] = np.array(llm.scores[:len(tokens)], dtype=np.float32)
        del llm
    for name, plain in (("freqs", "plain"), ("linear", "plain"), ("gemma3-linear", "gemma3-plain")):
        print(f"{name}: logits differ from the unscaled model's by up to {np.abs(logits[name] - logits[plain]).max():.3f}")
    with open(os.path.join(OUT, "reference.json"), "w") as f:
        json.dump({"source": f"llama-cpp-python {llama_cpp_version}, scripts/llamacpp-tiny-reference.py",
                   "factors": FACTORS, "linear": LINEAR, "gemma3_linear": GEMMA_LINEAR, "tokens": tokens,
                   "logits": {k: [[round(float(x), 6) for x in row] for row in v] for k, v in logits.items()}}, f)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
