#!/usr/bin/env python3
"""One-run speed comparison: Polygraph against the Python reference pipeline on the same GGUF and the same statements.

Measures, in this one run (the machines are shared and noisy: only same-run ratios mean anything):
  Polygraph   `polygraph bench --json` (prefill of batched statements, all layers and layer 14 only, one 256-token
              prompt, decode), a full-depth capture to HDF5 (all 30 resid_post) and a layer-14 capture of the same
              statements, and a 30-layer logistic sweep over the full-depth file;
  reference   benchmarks/reference_hf.py (HF transformers float32 + h5py + scikit-learn) when torch, transformers and
              scikit-learn are importable; otherwise only Polygraph's numbers are printed.
The captures run --rounds times on each side (Polygraph's alternating full-depth and single-layer, the reference's
in one process after its load) and the median run is reported.
Usage: python3 benchmarks/run.py [--model models/X.gguf] [--statements 512] [--decode-mode M] [--rounds 3] [--json]   (POLYGRAPH_BIN selects the binary; default: release build)
"""
import argparse, json, os, re, subprocess, sys, tempfile, time, importlib.util

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def sh(args, **kw):
    return subprocess.run(args, cwd=ROOT, check=True, capture_output=True, text=True, **kw).stdout


def polygraph_bin():
    if os.environ.get("POLYGRAPH_BIN"):
        return os.environ["POLYGRAPH_BIN"]
    subprocess.run(["swift", "build", "-c", "release", "--product", "polygraph"], cwd=ROOT, check=True)
    return os.path.join(sh(["swift", "build", "-c", "release", "--show-bin-path"]).strip(), "polygraph")


def timed(args):
    t0 = time.perf_counter()
    out = sh(args)
    return time.perf_counter() - t0, out


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--statements", type=int, default=512)
    p.add_argument("--dataset", default="datasets/capitals.csv")
    p.add_argument("--model", default="models/SmolLM2-135M-Instruct.Q4_1.gguf", help="GGUF file, the same for both")
    p.add_argument("--decode-mode", default=None, help="Polygraph's --decode-mode for the captures (default: its default)")
    p.add_argument("--rounds", type=int, default=3, help="capture rounds on each side; medians are reported")
    p.add_argument("--json", action="store_true")
    args = p.parse_args()
    binary = polygraph_bin()
    tmp = tempfile.mkdtemp(prefix="polygraph-bench-")
    print("polygraph bench ...", file=sys.stderr)
    mode = ["--decode-mode", args.decode_mode] if args.decode_mode else []
    bench = json.loads(sh([binary, "bench", "--model", args.model, *mode, "--json", "--statements", str(args.statements)]))
    res = {r["name"]: r for r in bench["results"]}
    # bench stops its single-layer prefill at the model's middle layer (14 on SmolLM2's 30); capture the same one.
    mid_name = next(n for n in res if n.endswith(" only"))
    mid = int(re.search(r"resid_post (\d+) only", mid_name).group(1))
    full_h5, l14_h5 = os.path.join(tmp, "full.h5"), os.path.join(tmp, "l14.h5")
    print(f"polygraph capture (all layers, then layer {mid}) ...", file=sys.stderr)
    fulls, l14s = [], []
    for _ in range(max(1, args.rounds)):
        fulls.append(json.loads(sh([binary, "capture", "--model", args.model, *mode, "--dataset", args.dataset,
                                    "--limit", str(args.statements), "--out", full_h5, "--overwrite", "--hooks", "resid_post",
                                    "--quiet", "--json"])))
        l14s.append(json.loads(sh([binary, "capture", "--model", args.model, *mode, "--dataset", args.dataset,
                                   "--limit", str(args.statements), "--out", l14_h5, "--overwrite",
                                   "--hooks", f"blocks.{mid}.hook_resid_post", "--quiet", "--json"])))
    median = lambda runs: sorted(r["tokensPerSecond"] for r in runs)[len(runs) // 2]
    full, l14 = {"tokensPerSecond": median(fulls)}, {"tokensPerSecond": median(l14s)}
    print("polygraph sweep ...", file=sys.stderr)
    sweep_s, _ = timed([binary, "sweep", "--acts", full_h5, "--probe", "logistic", "--quiet", "--json"])

    def find(prefix):
        return next((r for n, r in res.items() if n.startswith(prefix)), None)

    ours = {
        "prefill_statements_all_layers": find("prefill")["tokensPerSecond"],
        "prefill_statements_layer14": res[mid_name]["tokensPerSecond"],
        "prefill_256": next(r for n, r in res.items() if "256-token prompt" in n)["tokensPerSecond"],
        "decode": next(r for n, r in res.items() if n.startswith("decode") and "[quantized]" in n)["tokensPerSecond"],
        "capture_all_layers": full["tokensPerSecond"],
        "capture_layer14": l14["tokensPerSecond"],
        "sweep_30_layers_s": sweep_s,
        "load_s": bench["loadSeconds"],
    }
    ref = None
    if all(importlib.util.find_spec(m) for m in ("torch", "transformers", "sklearn", "h5py")):
        print("reference: HF transformers + h5py + scikit-learn ...", file=sys.stderr)
        ref = json.loads(sh([sys.executable, "benchmarks/reference_hf.py", "--json", "--statements", str(args.statements),
                             "--dataset", args.dataset, "--model", args.model, "--capture-rounds", str(args.rounds)]))
    rows = [
        ("load (s)", ours["load_s"], ref and ref["load"]["tokenizer_s"] + ref["load"]["model_s"], "lower"),
        ("capture, all layers to HDF5 (tok/s)", ours["capture_all_layers"], ref and ref["capture"]["tok_s"], "higher"),
        (f"capture, layer {mid} only to HDF5 (tok/s)", ours["capture_layer14"], ref and ref["capture"]["tok_s"], "higher"),
        ("prefill, batched statements (tok/s)", ours["prefill_statements_all_layers"], ref and ref["capture"]["tok_s"], "higher"),
        ("prefill, one 256-token prompt (tok/s)", ours["prefill_256"], ref and ref["prefill_long"]["tok_s"], "higher"),
        ("greedy decode (tok/s)", ours["decode"], ref and ref["decode"]["tok_s"], "higher"),
        ("logistic sweep, all layers (s)", ours["sweep_30_layers_s"], ref and ref.get("sweep") and ref["sweep"]["fit_seconds"], "lower"),
    ]
    if args.json:
        print(json.dumps({"date": time.strftime("%Y-%m-%d"), "statements": args.statements, "polygraph": ours,
                          "reference": ref}, indent=1))
        return
    print(f"{time.strftime('%Y-%m-%d')}, {os.path.basename(args.model)}, {args.statements} statements of {args.dataset}, "
          f"decode mode {args.decode_mode or 'default'}, OpenBLAS core {bench['blasCore']}, load average {os.getloadavg()[0]:.1f}")
    print(f"| workload | Polygraph | reference (HF/sklearn) | Polygraph advantage |")
    print(f"|---|---|---|---|")
    for name, a, b, better in rows:
        ratio = "" if not b else f"{(a / b if better == 'higher' else b / a):.2f}x"
        fmt = (lambda v: f"{v:.2f}") if name.endswith("(s)") else (lambda v: f"{v:.0f}")
        print(f"| {name} | {fmt(a)} | {fmt(b) if b else 'not run'} | {ratio} |")


if __name__ == "__main__":
    main()
