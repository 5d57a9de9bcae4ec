#!/usr/bin/env python3
"""Compare Polygraph's logistic probe with scikit-learn's LogisticRegression on the same activations.

For every layer: StandardScaler + LogisticRegression(lbfgs, C, default tol 1e-4) fitted on the same training rows, AUROC on the
same test rows, against `polygraph sweep --test-acts` (which trains on every row of the train file and tests on
the test file). Prints per-layer AUROC differences and fit times, and the wall time of a plain 30-layer
`polygraph sweep` (80/20 split) for the speed target.

Without --acts it builds synthetic activations (1,500 statements x 576 dims x 30 layers, a planted truth
direction whose strength grows with depth, low-rank correlated noise) and writes them in the activation-file
schema (format_version 1) with h5py.

usage: python3 benchmarks/probes_vs_sklearn.py [--polygraph .build/release/polygraph] [--acts FILE.h5] [--C 1]
"""
import argparse, json, os, subprocess, sys, tempfile, time

import h5py
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler


def synthetic(n=1500, d=576, layers=30, seed=0):
    rng = np.random.default_rng(seed)
    y = (np.arange(n) % 2).astype(np.int8)
    rng.shuffle(y)
    basis = rng.standard_normal((16, d)).astype(np.float32)
    acts = {}
    for layer in range(layers):
        direction = rng.standard_normal(d).astype(np.float32)
        direction /= np.linalg.norm(direction)
        strength = 0.2 + 2.5 * layer / (layers - 1)
        noise = rng.standard_normal((n, d)).astype(np.float32) * rng.uniform(0.5, 3.0, d).astype(np.float32)
        shared = rng.standard_normal((n, 16)).astype(np.float32) @ basis
        x = noise + shared + np.outer(np.where(y == 1, 0.5, -0.5) * strength * 3, direction).astype(np.float32)
        acts[f"blocks.{layer}.hook_resid_post"] = x.astype(np.float32)
    return y, acts


def write_store(path, y, acts, rows, name):
    """Writes rows `rows` as an activation file (format_version 1), the way h5py users would."""
    hooks = list(acts)
    d = next(iter(acts.values())).shape[1]
    with h5py.File(path, "w") as f:
        f.attrs["format"] = "polygraph.activations"
        f.attrs["format_version"] = np.int64(1)
        for k, v in [("model_name", "synthetic"), ("model_architecture", "llama"), ("model_sha256", "0" * 64),
                     ("position", "last"), ("created_at", "2026-11-29T00:00:00Z"), ("created_by", "probes_vs_sklearn.py"),
                     ("prompt_template", "")]:
            f.attrs[k] = v
        f.attrs["n_layers"] = np.int64(len(hooks))
        f.attrs["d_model"] = np.int64(d)
        f.attrs["hooks"] = np.array(hooks, dtype=h5py.string_dtype())
        f.attrs["committed_rows"] = np.int64(len(rows))
        s = h5py.string_dtype()
        f.create_dataset("examples/text", data=np.array([f"statement {i}" for i in rows], dtype=object), dtype=s, maxshape=(None,))
        f.create_dataset("examples/label", data=y[rows], maxshape=(None,))
        f.create_dataset("examples/source", data=np.array([name] * len(rows), dtype=object), dtype=s, maxshape=(None,))
        f.create_dataset("examples/n_tokens", data=np.full(len(rows), 8, dtype=np.int32), maxshape=(None,))
        for hook, x in acts.items():
            f.create_dataset(f"activations/{hook}", data=x[rows], maxshape=(None, d), chunks=(64, d))


def read_store(path):
    with h5py.File(path, "r") as f:
        y = f["examples/label"][:]
        acts = {k: f["activations"][k][:] for k in f["activations"]}
    return y, acts


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--polygraph", default=".build/release/polygraph")
    ap.add_argument("--acts", help="a real activation file (default: synthetic data)")
    ap.add_argument("--C", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    tmp = tempfile.mkdtemp(prefix="probes_bench_")
    y, acts = read_store(args.acts) if args.acts else synthetic()
    keep = np.where(y >= 0)[0]
    train, test = train_test_split(keep, train_size=0.8, stratify=y[keep], random_state=args.seed)
    all_path, train_path, test_path = (os.path.join(tmp, f) for f in ("all.h5", "train.h5", "test.h5"))
    write_store(all_path, y, acts, keep, "all")
    write_store(train_path, y, acts, np.sort(train), "train")
    write_store(test_path, y, acts, np.sort(test), "test")
    layers = sorted(acts, key=lambda h: int(h.split(".")[1]) if h.startswith("blocks.") else 10**6)
    layers = [h for h in layers if h.startswith("blocks.") and h.endswith("hook_resid_post")]
    n, d = len(keep), acts[layers[0]].shape[1]
    print(f"data: {'synthetic' if not args.acts else args.acts}, {n} labeled rows x {d} dims, {len(layers)} layers; "
          f"train {len(train)}, test {len(test)}; C={args.C}")

    # scikit-learn, layer by layer.
    sk = {}
    sk_fit = 0.0
    for hook in layers:
        x = acts[hook]
        scaler = StandardScaler().fit(x[np.sort(train)])
        t0 = time.perf_counter()
        clf = LogisticRegression(C=args.C, max_iter=1000).fit(scaler.transform(x[np.sort(train)]), y[np.sort(train)])
        sk_fit += time.perf_counter() - t0
        sk[hook] = roc_auc_score(y[np.sort(test)], clf.decision_function(scaler.transform(x[np.sort(test)])))

    # Polygraph: same train rows, same test rows.
    t0 = time.perf_counter()
    out = subprocess.run([args.polygraph, "sweep", "--acts", train_path, "--test-acts", test_path, "--probe", "logistic",
                          "--C", str(args.C), "--json", "--quiet"], check=True, capture_output=True, text=True)
    pg_wall = time.perf_counter() - t0
    rows = {r["hook"]: r for r in json.loads(out.stdout)["rows"]}
    diffs = []
    print(f"{'layer':>5} {'sklearn':>8} {'polygraph':>9} {'diff':>8} {'pg fit s':>8}")
    for hook in layers:
        r = rows[hook]
        diff = r["test"]["auroc"] - sk[hook]
        diffs.append(abs(diff))
        print(f"{hook.split('.')[1]:>5} {sk[hook]:8.4f} {r['test']['auroc']:9.4f} {diff:+8.4f} {r['fit_seconds']:8.4f}")
    pg_fit = sum(r["fit_seconds"] for r in rows.values())
    print(f"max |AUROC diff| = {max(diffs):.4f} (target < 0.005): {'PASS' if max(diffs) < 0.005 else 'FAIL'}")
    print(f"fit time, {len(layers)} layers: scikit-learn {sk_fit:.2f} s (LogisticRegression.fit only), "
          f"polygraph {pg_fit:.2f} s (fit + calibration + metrics), polygraph command wall {pg_wall:.2f} s")

    # The speed target: a plain sweep over every layer with an 80/20 split.
    t0 = time.perf_counter()
    subprocess.run([args.polygraph, "sweep", "--acts", all_path, "--probe", "logistic", "--quiet", "--json"],
                   check=True, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    print(f"polygraph sweep --probe logistic, {len(layers)} layers x {n} x {d}: {wall:.2f} s wall (target < 2 s): "
          f"{'PASS' if wall < 2 else 'FAIL'}")


if __name__ == "__main__":
    sys.exit(main())
