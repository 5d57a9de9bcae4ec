#!/usr/bin/env python3
"""Peak memory and speed of `polygraph generate` per model: weights mapped in their GGUF form (default) against
float32 copies (`--weights float32`, what every load did before), in the same run.

For each model: `polygraph generate --raw` of a ~256-token prompt plus 16 greedy tokens, run as a child whose peak
RSS comes from wait4 (the kernel's ru_maxrss, as /usr/bin/time -v reports), alternating the two storages for
--rounds rounds; medians. The target (issue 11, item 2) is peak RSS ≤ GGUF size + KV cache + 300 MB, the KV cache
being what the run holds (layers × 2 × kv width × 4 bytes × the cache's capacity: 64 positions doubled until the
prompt and answer fit). With --bench it also runs `polygraph bench` once per storage on each model: load time,
prefill of the 256-token prompt and decode tok/s.

usage: python3 benchmarks/memory.py [--polygraph .build/release/polygraph] [--rounds 3] [--bench] [models/X.gguf ...]
needs: the gguf Python package (pip install gguf) to read each model's shape for the KV-cache term.
"""
import argparse, json, os, statistics, subprocess, sys, time

DEFAULT_MODELS = ["models/SmolLM2-135M-Instruct.Q4_1.gguf", "models/gemma-3-270m-q4_k_m.gguf",
                  "models/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf", "models/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"]
TEXT = ("The history of the Roman Empire covers the history of ancient Rome from the fall of the Roman Republic "
        "in 27 BC until the abdication of Romulus Augustulus in AD 476 in the West. ")
PROMPT = TEXT * 6  # ~265 tokens with these tokenizers (the run reports the exact count)
NEW_TOKENS = 16
MB = 1 << 20


def kv_bytes(path, positions):
    """Bytes of one sequence's KV cache holding `positions` positions, growth as KVCache does it."""
    import gguf
    r = gguf.GGUFReader(path)
    arch = bytes(r.fields["general.architecture"].parts[-1]).decode()
    def num(key):
        f = r.fields[f"{arch}.{key}"]
        return int(f.parts[-1][0])
    layers, d, heads = num("block_count"), num("embedding_length"), num("attention.head_count")
    kv_heads = num("attention.head_count_kv")
    head_dim = num("attention.key_length") if f"{arch}.attention.key_length" in r.fields else d // heads
    capacity = 64
    while capacity < positions:
        capacity *= 2
    return layers * 2 * kv_heads * head_dim * 4 * capacity


def generate(binary, model, storage):
    """(peak RSS bytes, wall seconds, prompt tokens) of one `polygraph generate` child. Call it in a fresh
    interpreter (`--one`): RUSAGE_CHILDREN's ru_maxrss is the largest of all the children waited for."""
    import resource
    cmd = [binary, "generate", "--model", model, "--raw", "--prompt", PROMPT, "--max-tokens", str(NEW_TOKENS),
           "--weights", storage, "--json"]
    started = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        sys.exit(f"{' '.join(cmd[:6])} … failed: {proc.stderr.strip()}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024  # Linux reports kB
    return peak, wall, json.loads(proc.stdout)["prompt_tokens"]


def bench(binary, model, storage):
    """(load s, prefill tok/s, decode tok/s) from one `polygraph bench --json`."""
    out = subprocess.run([binary, "bench", "--model", model, "--json", "--statements", "64", "--repeats", "1",
                          "--decode-tokens", "32", "--weights", storage], check=True, capture_output=True, text=True)
    doc = json.loads(out.stdout)
    rows = doc["results"]
    prefill = [r for r in rows if r["name"].startswith("prefill one")][0]["tokensPerSecond"]
    statements = [r for r in rows if r["name"].startswith("prefill") and "all resid_post" in r["name"]][0]["tokensPerSecond"]
    decode = [r for r in rows if r["name"].startswith("decode") and "[quantized]" in r["name"]][0]["tokensPerSecond"]
    return doc.get("loadSeconds", float("nan")), prefill, statements, decode


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("models", nargs="*", default=DEFAULT_MODELS)
    ap.add_argument("--polygraph", default=".build/release/polygraph")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--bench", action="store_true", help="also run `polygraph bench` per storage")
    args = ap.parse_args()
    storages = ["mapped", "float32"]
    print(f"polygraph generate, ~256-token prompt + {NEW_TOKENS} tokens, median of {args.rounds} alternating rounds")
    print(f"{'model':44} {'GGUF MB':>8} {'KV MB':>6} {'target MB':>9} {'mapped MB':>9} {'float32 MB':>10} "
          f"{'ratio':>6} {'wall mapped s':>13} {'wall f32 s':>10} ok")
    for model in args.models:
        if not os.path.exists(model):
            print(f"{model}: missing, skipped"); continue
        rss = {s: [] for s in storages}
        wall = {s: [] for s in storages}
        tokens = 0
        # The maximum RSS of RUSAGE_CHILDREN only grows, so each measurement runs in a fresh interpreter.
        for _ in range(args.rounds):
            for s in storages:
                probe = subprocess.run([sys.executable, __file__, "--one", args.polygraph, model, s],
                                       check=True, capture_output=True, text=True)
                r, w, tokens = json.loads(probe.stdout)
                rss[s].append(r); wall[s].append(w)
        size = os.path.getsize(model)
        kv = kv_bytes(model, tokens + NEW_TOKENS)
        target = size + kv + 300 * MB
        m, f = statistics.median(rss["mapped"]), statistics.median(rss["float32"])
        print(f"{os.path.basename(model):44} {size / MB:8.0f} {kv / MB:6.1f} {target / MB:9.0f} {m / MB:9.0f} "
              f"{f / MB:10.0f} {f / m:6.2f} {statistics.median(wall['mapped']):13.2f} "
              f"{statistics.median(wall['float32']):10.2f} {'yes' if m <= target else 'NO'}  ({tokens} prompt tokens)")
        if args.bench:
            for s in storages:
                load, prefill, statements, decode = bench(args.polygraph, model, s)
                print(f"    bench --weights {s:8}: load {load:.2f} s, prefill 256-token prompt {prefill:.1f} tok/s, "
                      f"64 statements {statements:.1f} tok/s, decode [quantized] {decode:.1f} tok/s")


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--one":
        print(json.dumps(generate(sys.argv[2], sys.argv[3], sys.argv[4])))
    else:
        main()
