#!/usr/bin/env python3
"""Decode and prefill speed: Polygraph against llama.cpp (llama-cpp-python) on the same GGUF, in the same run.

Both prefill one 256-token prompt (timed alone) and decode 128 tokens after it (only the single-token steps are
timed), with 2 threads (or each count of --threads). Rounds
alternate between the engines so that a noisy shared machine hurts both alike; medians and ratios are printed.
Polygraph runs `polygraph bench --json` (its `quantized` and `quantizedInt8` decode modes); llama.cpp runs through
llama-cpp-python's low-level generate loop (EOS ignored).

usage: python3 benchmarks/decode_vs_llamacpp.py [--model models/X.gguf] [--polygraph .build/release/polygraph] [--rounds 5]
       [--threads 1,2]   (one table per thread count: the scaling from 1 to 2 threads)
       [--background-load N]   (N CPU-bound busy processes compete for the cores during all rounds: a shared machine)
needs: pip install llama-cpp-python (builds llama.cpp from source: several minutes on 2 cores)
"""
import argparse, json, os, signal, statistics, subprocess, sys, time

DEFAULT_MODEL = "models/SmolLM2-135M-Instruct.Q4_1.gguf"
TEXT = ("The history of the Roman Empire covers the history of ancient Rome from the fall of the Roman Republic "
        "in 27 BC until the abdication of Romulus Augustulus in AD 476 in the West. ")


def llamacpp_prefill(llm, prompt_tokens):
    """tok/s of evaluating the prompt in one batch, from an empty cache."""
    llm.reset()
    started = time.perf_counter()
    llm.eval(prompt_tokens)
    return len(prompt_tokens) / (time.perf_counter() - started)


def llamacpp_decode(llm, prompt_tokens, steps):
    """tok/s of `steps` greedy single-token steps after the prompt (the prompt's evaluation is not timed)."""
    llm.reset()
    started = None
    n = 0
    for _ in llm.generate(prompt_tokens, temp=0.0, top_k=1, reset=True):
        if started is None:
            started = time.perf_counter()   # first token: the prompt has been evaluated
            continue
        n += 1
        if n == steps:
            break
    return steps / (time.perf_counter() - started)


def polygraph_bench(binary, model, mode, steps, threads):
    """(decode tok/s in `mode`, prefill tok/s of the 256-token prompt) from one `polygraph bench --json`."""
    out = subprocess.run([binary, "bench", "--model", model, "--json", "--statements", "8", "--repeats", "1",
                          "--decode-tokens", str(steps), "--decode-mode", mode, "--threads", str(threads)],
                         check=True, capture_output=True, text=True)
    rows = json.loads(out.stdout)["results"]
    decode = [r for r in rows if r["name"].startswith("decode") and f"[{mode}]" in r["name"]][0]
    prefill = [r for r in rows if r["name"].startswith("prefill one")][0]
    return decode["tokensPerSecond"], prefill["tokensPerSecond"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=DEFAULT_MODEL, help="a GGUF both engines load (default: SmolLM2)")
    ap.add_argument("--polygraph", default=".build/release/polygraph")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--steps", type=int, default=128)
    ap.add_argument("--threads", default="2", help="thread counts to compare, e.g. 1,2 (both engines use each)")
    ap.add_argument("--background-load", type=int, default=0, metavar="N",
                    help="start N CPU-bound busy processes for the duration of the rounds (killed at the end)")
    args = ap.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # `kill` too runs the finally below
    busy = start_background_load(args.background_load)
    medians = {}
    try:
        for threads in [int(t) for t in args.threads.split(",")]:
            status = run(args, threads, medians)
            if status:
                return status
        print_scaling(medians)
    finally:
        for p in busy:
            p.kill()
            p.wait()
    return 0


def start_background_load(n):
    """N processes that spin on the CPU at normal priority (each wants a whole core) until killed."""
    return [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(n)]


def conditions(args):
    """The machine's conditions for the table's title: cores, background processes, load average."""
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"{os.cpu_count()} cores, {args.background_load} background busy process(es), load average {load}"


def print_scaling(medians):
    """Speed-up of each engine from the smallest thread count to each larger one (when more than one was run)."""
    counts = sorted(medians)
    if len(counts) < 2:
        return
    base = counts[0]
    print(f"scaling from {base} thread(s) (median tok/s ratio):")
    for threads in counts[1:]:
        print(f"  {threads} threads: " + ", ".join(
            f"{name} {medians[threads][name] / medians[base][name]:.2f}x" for name in medians[threads]))
    print("On bigger machines: decode of a small model is bound by memory bandwidth and by one fork/join per matrix "
          "product (~150 per SmolLM2 token, chunks of ~32 KiB of weights), so expect it to scale well to about 4 "
          "threads and flatten beyond (later for bigger models: more rows per product); prefill (a float32 tile on "
          "dequantised rows, or the int8 GEMM, on 256 rows) keeps scaling with cores. Not measured here beyond 2 cores.")


def run(args, threads, medians):
    try:
        import llama_cpp
    except ImportError:
        print("skipped: llama-cpp-python not installed (pip install llama-cpp-python)")
        return 0
    llm = llama_cpp.Llama(model_path=args.model, n_ctx=1024, n_threads=threads, n_threads_batch=threads, n_batch=512,
                          verbose=False)
    tokens = llm.tokenize(TEXT.encode(), add_bos=False)
    prompt = (tokens * (256 // len(tokens) + 1))[:256]
    decode = {"llama.cpp": [], "polygraph quantized": [], "polygraph quantizedInt8": []}
    # Prefill per mode: `quantized` (the default) prefills with sgemm on dequantised panels (exact F32 activations),
    # `quantizedInt8` with the int8 GEMM on the blocks (AVX-512 VNNI; activations quantised per 32 values).
    prefill = {"llama.cpp": [], "polygraph quantized": [], "polygraph quantizedInt8": []}
    for r in range(args.rounds):
        prefill["llama.cpp"].append(llamacpp_prefill(llm, prompt))
        decode["llama.cpp"].append(llamacpp_decode(llm, prompt, args.steps))
        for mode in ("quantized", "quantizedInt8"):
            d, p = polygraph_bench(args.polygraph, args.model, mode, args.steps, threads)
            decode[f"polygraph {mode}"].append(d)
            prefill[f"polygraph {mode}"].append(p)
        print(f"round {r + 1}/{args.rounds}: decode " + ", ".join(f"{k} {v[-1]:.1f}" for k, v in decode.items())
              + "; prefill " + ", ".join(f"{k} {v[-1]:.0f}" for k, v in prefill.items()),
              file=sys.stderr)
    print(f"{os.path.basename(args.model)}, {threads} thread(s), {args.rounds} alternating rounds (llama-cpp-python {llama_cpp.__version__})")
    print(f"conditions: {conditions(args)}")
    print(f"{'workload':<56}{'median tok/s':>13}{'min':>8}{'max':>8}{'vs llama.cpp':>14}")
    for title, table in ((f"decode {args.steps} tokens after 256", decode), ("prefill one 256-token prompt", prefill)):
        ref = statistics.median(table["llama.cpp"])
        for name, values in table.items():
            m = statistics.median(values)
            medians.setdefault(threads, {})[f"{title.split(' ')[0]} {name}"] = m
            print(f"{title + ', ' + name:<56}{m:>13.1f}{min(values):>8.1f}{max(values):>8.1f}{m / ref:>13.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
