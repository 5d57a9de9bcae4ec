#!/usr/bin/env python3
"""Python reference for Polygraph's speed comparison: HF transformers (PyTorch, float32, CPU) on the same GGUF.

Workloads (one run, torch threads = --threads, default 2):
  load          tokenizer and model load (every GGUF tensor de-quantised to float32 by transformers/gguf-py)
  capture       batches of --batch short statements from --dataset, all hidden states computed
                (output_hidden_states), the last-token vector of every layer written to HDF5 with h5py
  prefill_b1    the same kind of statements one at a time (batch 1)
  prefill_256   one prompt of exactly --prompt-tokens tokens (median of 3)
  decode        greedy decode of --decode-tokens tokens after that prompt, with the KV cache
  sweep         (scikit-learn present) a logistic probe per layer on the captured vectors: fit time and AUROC
With --answers FILE.jsonl it also asks the chat model each question (greedy, the GGUF's chat template) and grades
the answer against the accepted answers (normalised whole-word match), which is how demo questions were picked.

  python3 benchmarks/reference_hf.py [--json] [--statements 512] [--answers datasets/demo_questions.jsonl]
Without torch/transformers it prints "skipped: torch not installed" and exits 0.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import re
import statistics
import sys
import time
import unicodedata

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_MODEL = os.path.join(ROOT, "models", "SmolLM2-135M-Instruct.Q4_1.gguf")
PARAGRAPH = ("The history of measurement is a history of agreement. Merchants, builders and astronomers needed units "
             "that others would accept, so kings and later scientific academies defined lengths, weights and times, "
             "kept reference objects in vaults, and sent copies to distant towns. ")


def log(msg: str) -> None:
    sys.stderr.write(msg + "\n")
    sys.stderr.flush()


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--model", default=DEFAULT_MODEL, help="GGUF file (default: models/SmolLM2-135M-Instruct.Q4_1.gguf)")
    p.add_argument("--threads", type=int, default=2, help="torch threads (default 2)")
    p.add_argument("--dataset", default=os.path.join(ROOT, "datasets", "capitals.csv"), help="statement CSV")
    p.add_argument("--statements", type=int, default=512, help="statements to capture (default 512)")
    p.add_argument("--batch", type=int, default=64, help="capture batch size (default 64)")
    p.add_argument("--capture-rounds", type=int, default=1,
                   help="capture the statements this many times and report the median run (default 1)")
    p.add_argument("--no-sort", action="store_true", help="batch statements in file order (default: by length)")
    p.add_argument("--b1-statements", type=int, default=32, help="statements for the batch-1 prefill (default 32)")
    p.add_argument("--prompt-tokens", type=int, default=256, help="long prefill length (default 256)")
    p.add_argument("--decode-tokens", type=int, default=64, help="greedy decode length (default 64)")
    p.add_argument("--h5", default=None, help="where to write the captured activations (default: a temporary file)")
    p.add_argument("--answers", default=None, help="JSONL questions to answer and grade")
    p.add_argument("--max-answer-tokens", type=int, default=48)
    p.add_argument("--skip-bench", action="store_true", help="only answer --answers, no speed workloads")
    p.add_argument("--json", action="store_true", help="print results as JSON on stdout")
    return p.parse_args(argv)


# ---------------------------------------------------------------- grading (shared idea with Polygraph's capture)

def normalise(text: str) -> str:
    """Lowercase, accents dropped, anything but letters and digits turned into single spaces."""
    folded = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^a-z0-9]+", " ", folded.lower()).split())


def is_correct(answer: str, accepted: list[str]) -> bool:
    """True when an accepted answer occurs in the generated answer as whole words (after normalising both)."""
    hay = f" {normalise(answer)} "
    return any(normalise(a) and f" {normalise(a)} " in hay for a in accepted)


# ---------------------------------------------------------------- workloads

def load(path: str):
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer
    folder, name = os.path.dirname(os.path.abspath(path)), os.path.basename(path)
    t0 = time.perf_counter()
    tok = AutoTokenizer.from_pretrained(folder, gguf_file=name)
    t1 = time.perf_counter()
    model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name, dtype=torch.float32)
    model.eval()
    t2 = time.perf_counter()
    return tok, model, {"tokenizer_s": t1 - t0, "model_s": t2 - t1}


def read_statements(path: str, n: int) -> list[tuple[str, int]]:
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows or "statement" not in rows[0] or "label" not in rows[0]:
        sys.exit(f"error: {path} needs a header with 'statement,label'")
    return [(r["statement"], 1 if r["label"].strip().lower() in ("1", "true") else 0) for r in rows[:n]]


def hook_names(n_hidden: int) -> list[str]:
    """HF hidden_states[k] -> TransformerLens names (see shared/golden/README.md)."""
    return ["hook_embed"] + [f"blocks.{k - 1}.hook_resid_post" for k in range(1, n_hidden - 1)] + \
           ["ln_final.hook_normalized"]


def sha256_file(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def capture(tok, model, statements, batch: int, h5_path: str, model_path: str, source: str,
            sort_by_length: bool = True) -> dict:
    """Batched forward with all hidden states; last-token vectors [n, d_model] per layer appended to HDF5."""
    import h5py
    import numpy as np
    import torch
    n_hidden = model.config.num_hidden_layers + 1
    names = hook_names(n_hidden)
    d = model.config.hidden_size
    real = padded = 0
    t0 = time.perf_counter()
    if sort_by_length:  # batches of similar lengths waste little on padding; rows are then stored in that order
        lengths_all = [len(ids) for ids in tok([s for s, _ in statements], add_special_tokens=False)["input_ids"]]
        statements = [statements[i] for i in sorted(range(len(statements)), key=lambda i: lengths_all[i])]
    with h5py.File(h5_path, "w") as f:
        f.attrs.update({"format": "polygraph.activations", "format_version": 1, "model_name": os.path.basename(model_path),
                        "model_architecture": "llama", "model_sha256": sha256_file(model_path),
                        "n_layers": model.config.num_hidden_layers, "d_model": d, "position": "last",
                        "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                        "created_by": "benchmarks/reference_hf.py", "prompt_template": ""})
        acts = {nm: f.create_dataset(f"activations/{nm}", (0, d), maxshape=(None, d), dtype="f4",
                                     chunks=(batch, d)) for nm in names}
        text_ds = f.create_dataset("examples/text", (0,), maxshape=(None,), dtype=h5py.string_dtype())
        label_ds = f.create_dataset("examples/label", (0,), maxshape=(None,), dtype="i1")
        src_ds = f.create_dataset("examples/source", (0,), maxshape=(None,), dtype=h5py.string_dtype())
        ntok_ds = f.create_dataset("examples/n_tokens", (0,), maxshape=(None,), dtype="i4")
        for start in range(0, len(statements), batch):
            chunk = statements[start:start + batch]
            enc = tok([s for s, _ in chunk], padding=True, return_tensors="pt", add_special_tokens=False)
            with torch.inference_mode():
                out = model(**enc, output_hidden_states=True, use_cache=False)
            lengths = enc["attention_mask"].sum(dim=1)
            last = lengths - 1
            rows = torch.arange(len(chunk))
            lo, hi = start, start + len(chunk)
            for nm, hs in zip(names, out.hidden_states):                      # hs: [B, T, d_model]
                acts[nm].resize((hi, d))
                acts[nm][lo:hi] = hs[rows, last].float().numpy()
            for ds, values in ((text_ds, [s for s, _ in chunk]), (label_ds, [l for _, l in chunk]),
                               (src_ds, [source] * len(chunk)), (ntok_ds, lengths.numpy())):
                ds.resize((hi,))
                ds[lo:hi] = np.asarray(values, dtype=ds.dtype) if ds.dtype.kind != "O" else values
            real += int(lengths.sum())
            padded += int(enc["input_ids"].numel())
            el = time.perf_counter() - t0
            log(f"capture {hi}/{len(statements)} statements, {real / el:.0f} tok/s, "
                f"ETA {el / hi * (len(statements) - hi):.0f} s")
    el = time.perf_counter() - t0
    return {"statements": len(statements), "tokens": real, "padded_tokens": padded, "seconds": el,
            "tok_s": real / el, "statements_s": len(statements) / el, "layers": len(names), "file": h5_path}


def prefill_b1(tok, model, statements) -> dict:
    import torch
    real = 0
    t0 = time.perf_counter()
    for s, _ in statements:
        ids = tok(s, return_tensors="pt", add_special_tokens=False)["input_ids"]
        with torch.inference_mode():
            model(ids, output_hidden_states=True, use_cache=False)
        real += ids.shape[1]
    el = time.perf_counter() - t0
    return {"statements": len(statements), "tokens": real, "seconds": el, "tok_s": real / el}


def long_prompt(tok, n: int):
    import torch
    ids = tok(PARAGRAPH * (n // 20 + 2), add_special_tokens=False)["input_ids"][:n]
    if len(ids) < n:
        sys.exit(f"error: could not build a {n}-token prompt")
    return torch.tensor([ids])


def prefill_long(model, ids, runs: int = 3) -> dict:
    import torch
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        with torch.inference_mode():
            model(ids, use_cache=False)
        times.append(time.perf_counter() - t0)
    med = statistics.median(times)
    return {"tokens": ids.shape[1], "seconds_median": med, "tok_s": ids.shape[1] / med, "runs": runs}


def decode(model, ids, n: int) -> dict:
    """Greedy decode of n tokens after the prompt (no stop), KV cache on; the prompt's prefill is not timed."""
    import inspect
    import torch
    # transformers 5.x renamed `past_key_values` to `cache` (the old name still works, with a warning).
    cache_arg = "cache" if "cache" in inspect.signature(model.forward).parameters else "past_key_values"
    with torch.inference_mode():
        out = model(ids, use_cache=True)
        past, nxt = out[cache_arg], out.logits[:, -1].argmax(-1, keepdim=True)
        t0 = time.perf_counter()
        for _ in range(n):
            out = model(nxt, use_cache=True, **{cache_arg: past})
            past, nxt = out[cache_arg], out.logits[:, -1].argmax(-1, keepdim=True)
        el = time.perf_counter() - t0
    return {"tokens": n, "seconds": el, "tok_s": n / el}


def sweep(h5_path: str) -> dict | None:
    """Logistic probe (StandardScaler + LogisticRegression) per layer, 80/20 stratified split, seed 0."""
    try:
        import h5py
        import numpy as np
        from sklearn.linear_model import LogisticRegression
        from sklearn.metrics import roc_auc_score
        from sklearn.model_selection import train_test_split
        from sklearn.preprocessing import StandardScaler
    except ImportError:
        return None
    with h5py.File(h5_path, "r") as f:
        y = f["examples/label"][:]
        layers = {nm: f[f"activations/{nm}"][:] for nm in f["activations"]}
    idx_train, idx_test = train_test_split(np.arange(len(y)), test_size=0.2, random_state=0, stratify=y)
    results, fit_s = {}, 0.0
    for nm, x in layers.items():
        t0 = time.perf_counter()
        scaler = StandardScaler().fit(x[idx_train])
        clf = LogisticRegression(max_iter=1000).fit(scaler.transform(x[idx_train]), y[idx_train])
        fit_s += time.perf_counter() - t0
        results[nm] = float(roc_auc_score(y[idx_test], clf.decision_function(scaler.transform(x[idx_test]))))
    best = max(results, key=results.get)
    return {"layers": len(results), "rows": int(len(y)), "fit_seconds": fit_s, "best_hook": best,
            "best_auroc": results[best], "auroc": results}


def answer_questions(tok, model, path: str, max_tokens: int) -> list[dict]:
    import torch
    out = []
    with open(path, encoding="utf-8") as f:
        records = [json.loads(line) for line in f if line.strip()]
    eos = tok.convert_tokens_to_ids("<|im_end|>")
    for i, rec in enumerate(records):
        prompt = tok.apply_chat_template([{"role": "user", "content": rec["question"]}],
                                         add_generation_prompt=True, tokenize=False)
        ids = tok(prompt, return_tensors="pt", add_special_tokens=False)["input_ids"]
        with torch.inference_mode():
            gen = model.generate(ids, max_new_tokens=max_tokens, do_sample=False, eos_token_id=eos,
                                 pad_token_id=eos)
        text = tok.decode(gen[0, ids.shape[1]:], skip_special_tokens=True).strip()
        ok = is_correct(text, rec["answers"])
        out.append({"id": rec["id"], "question": rec["question"], "answer": text, "correct": ok})
        log(f"answers {i + 1}/{len(records)} {'right' if ok else 'WRONG'} {rec['id']}: {text[:80]!r}")
    return out


# ---------------------------------------------------------------- main

def main(argv: list[str]) -> int:
    args = parse_args(argv)
    try:
        import torch
        import transformers
    except ImportError as e:
        missing = e.name or "torch"
        print(json.dumps({"skipped": f"{missing} not installed"}) if args.json else f"skipped: {missing} not installed")
        return 0
    if not os.path.exists(args.model):
        sys.exit(f"error: model {args.model} not found. Fetch it with: scripts/fetch-model.sh")
    torch.set_num_threads(args.threads)
    import platform
    result = {"tool": "hf-transformers", "torch": torch.__version__, "transformers": transformers.__version__,
              "python": platform.python_version(), "threads": torch.get_num_threads(),
              "model": os.path.basename(args.model), "date": time.strftime("%Y-%m-%d")}
    log(f"loading {args.model} ...")
    tok, model, result["load"] = load(args.model)
    if not args.skip_bench:
        statements = read_statements(args.dataset, args.statements)
        h5_path = args.h5 or os.path.join(os.environ.get("TMPDIR", "/tmp"), f"reference_hf_{os.getpid()}.h5")
        src = os.path.splitext(os.path.basename(args.dataset))[0]
        runs = [capture(tok, model, statements, args.batch, h5_path, args.model, src, sort_by_length=not args.no_sort)
                for _ in range(max(1, args.capture_rounds))]
        result["capture"] = sorted(runs, key=lambda r: r["tok_s"])[len(runs) // 2]
        result["capture"]["rounds_tok_s"] = [r["tok_s"] for r in runs]
        result["prefill_b1"] = prefill_b1(tok, model, statements[:args.b1_statements])
        ids = long_prompt(tok, args.prompt_tokens)
        result["prefill_long"] = prefill_long(model, ids)
        result["decode"] = decode(model, ids, args.decode_tokens)
        log("sweep ...")
        result["sweep"] = sweep(h5_path)
        if args.h5 is None:
            os.remove(h5_path)
            result["capture"]["file"] = None
    if args.answers:
        result["answers"] = answer_questions(tok, model, args.answers, args.max_answer_tokens)
    if args.json:
        print(json.dumps(result, indent=1))
    else:
        print_table(result)
    return 0


def print_table(r: dict) -> None:
    print(f"HF transformers {r['transformers']} / torch {r['torch']}, {r['threads']} threads, {r['model']}, {r['date']}")
    load = r["load"]
    rows = [("load: tokenizer + model (s)", f"{load['tokenizer_s']:.1f} + {load['model_s']:.1f}", "")]
    if "capture" in r:
        c, p, q, d, s = r["capture"], r["prefill_b1"], r["prefill_long"], r["decode"], r.get("sweep")
        rows += [
            ("capture, batches of short statements (tok/s)", f"{c['tok_s']:.0f}",
             f"{c['statements']} statements, {c['tokens']} tokens (+{c['padded_tokens'] - c['tokens']} padding), "
             f"{c['layers']} layers kept, {c['seconds']:.1f} s"),
            ("prefill batch 1, short statements (tok/s)", f"{p['tok_s']:.0f}", f"{p['statements']} statements"),
            (f"prefill one {q['tokens']}-token prompt (tok/s)", f"{q['tok_s']:.0f}", f"median of {q['runs']}"),
            (f"greedy decode {d['tokens']} tokens (tok/s)", f"{d['tok_s']:.1f}", "KV cache"),
        ]
        if s:
            rows.append((f"logistic sweep, {s['layers']} layers (s)", f"{s['fit_seconds']:.2f}",
                         f"{s['rows']} rows; best {s['best_hook']}: AUROC {s['best_auroc']:.3f}"))
        else:
            rows.append(("logistic sweep", "skipped", "scikit-learn not installed"))
    print(f"{'workload':<46} {'value':>11}  notes")
    for name, value, note in rows:
        print(f"{name:<46} {value:>11}  {note}")
    for a in r.get("answers", []):
        verdict = "right" if a["correct"] else "WRONG"
        print(f"{verdict:<6} {a['id']:<16} {a['question']!r} -> {a['answer'][:70]!r}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
