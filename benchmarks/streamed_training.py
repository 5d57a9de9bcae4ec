#!/usr/bin/env python3
"""Out-of-core training benchmark (issue 13 items 3 and 6): peak RSS and throughput of `train` and `eval` on an
activation file larger than memory, and in-memory against streamed on the same smaller file in the same run.

    python3 benchmarks/streamed_training.py [--gb 20] [--small-gb 1] [--dims 2048] [--dir /tmp/ooc-bench]
                                            [--logistic-big] [--polygraph .build/release/polygraph]

Writes synthetic activation files with h5py (format_version 1, one hook `blocks.0.hook_resid_post`, float32,
uncompressed chunks of 32 rows as the writer uses; a planted truth direction plus Gaussian noise), runs each command
as a child and reads its own peak RSS (`ru_maxrss` from wait4), prints a table, and deletes the files.
Throughput of a streamed pass: `eval` reads every row exactly once, so rows/s and MB/s are rows and bytes over its
wall time. Training runs one pass per statistic (mass-mean: standardiser-free class sums, then scoring) or per
L-BFGS evaluation (logistic), so its wall time is reported with the passes it needed.
"""
import argparse, json, os, shutil, subprocess, sys, time

import h5py
import numpy as np

HOOK = "blocks.0.hook_resid_post"


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def write_store(path, gib, d, seed=0):
    """`gib` GiB of float32 activations [n, d]; labels alternate; true rows are shifted along one direction."""
    n = int(gib * (1 << 30)) // (4 * d)
    rng = np.random.default_rng(seed)
    direction = rng.standard_normal(d).astype(np.float32)
    direction /= np.linalg.norm(direction)
    y = (np.arange(n) % 2).astype(np.int8)
    t0 = time.perf_counter()
    with h5py.File(path, "w") as f:
        f.attrs["format"] = "polygraph.activations"
        f.attrs["format_version"] = np.int64(1)
        for k, v in [("model_name", "synthetic"), ("model_architecture", "llama"), ("model_sha256", "0" * 64),
                     ("position", "last"), ("created_at", "2026-12-04T00:00:00Z"),
                     ("created_by", "benchmarks/streamed_training.py"), ("prompt_template", "")]:
            f.attrs[k] = v
        f.attrs["n_layers"] = np.int64(1)
        f.attrs["d_model"] = np.int64(d)
        f.attrs["hooks"] = np.array([HOOK], dtype=h5py.string_dtype())
        f.attrs["committed_rows"] = np.int64(n)
        s = h5py.string_dtype()
        f.create_dataset("examples/text", data=np.array([f"s{i}" for i in range(n)], dtype=object), dtype=s, maxshape=(None,))
        f.create_dataset("examples/label", data=y, maxshape=(None,))
        f.create_dataset("examples/source", data=np.array(["synthetic"] * n, dtype=object), dtype=s, maxshape=(None,))
        f.create_dataset("examples/n_tokens", data=np.full(n, 8, dtype=np.int32), maxshape=(None,))
        acts = f.create_dataset(f"activations/{HOOK}", (n, d), dtype="f4", maxshape=(None, d), chunks=(32, d))
        block = max(32, (64 << 20) // (4 * d)) // 32 * 32
        for lo in range(0, n, block):
            hi = min(n, lo + block)
            x = rng.standard_normal((hi - lo, d), dtype=np.float32)
            x += np.outer(np.where(y[lo:hi] == 1, 0.15, -0.15).astype(np.float32), direction)
            acts[lo:hi] = x
            if (lo // block) % 32 == 0:
                el = time.perf_counter() - t0
                log(f"  writing {path}: {hi}/{n} rows, {hi * d * 4 / el / 1e6:.0f} MB/s")
    return n


def run(cmd, env=None):
    """Runs `cmd`; returns (seconds, peak RSS in MB, stdout)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=sys.stderr, env=env, text=True)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed ({status}): {' '.join(cmd)}")
    return seconds, usage.ru_maxrss / 1024, out


def measure(pg, acts, n, d, label, memory, kinds, out_dir):
    """train per kind then eval of the last probe; returns result rows."""
    rows = []
    for kind in kinds:
        probe = os.path.join(out_dir, f"{label}-{kind}.json")
        sec, rss, out = run([pg, "train", "--acts", acts, "--probe", kind, "--layer", "0", "--out", probe, "--json",
                             "--max-memory", memory])
        auroc = (json.loads(out).get("test_metrics") or {}).get("auroc", float("nan"))
        rows.append(dict(run=label, command=f"train {kind}", seconds=sec, rss_mb=rss, rows=n, auroc=auroc))
        log(f"{label}: train {kind} {sec:.1f} s, peak RSS {rss:.0f} MB, test AUROC {auroc:.4f}")
    sec, rss, out = run([pg, "eval", "--probe", probe, "--acts", acts, "--json", "--max-memory", memory])
    auroc = json.loads(out)["metrics"]["auroc"]
    rows.append(dict(run=label, command=f"eval {kinds[-1]}", seconds=sec, rss_mb=rss, rows=n, auroc=auroc,
                     rows_per_s=n / sec, mb_per_s=n * d * 4 / sec / 1e6))
    log(f"{label}: eval {sec:.1f} s, peak RSS {rss:.0f} MB, {n / sec:.0f} rows/s, {n * d * 4 / sec / 1e6:.0f} MB/s")
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gb", type=float, default=20, help="GiB of activations in the large file (0: skip it)")
    ap.add_argument("--small-gb", type=float, default=1, help="GiB of the file trained both in memory and streamed")
    ap.add_argument("--dims", type=int, default=2048)
    ap.add_argument("--dir", default="/tmp/ooc-bench")
    ap.add_argument("--logistic-big", action="store_true", help="also train logistic on the large file (many passes)")
    ap.add_argument("--polygraph", default=".build/release/polygraph")
    a = ap.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    results = []
    try:
        small = os.path.join(a.dir, "small.h5")
        n = write_store(small, a.small_gb, a.dims)
        for label, memory in [("in-memory", "16G"), ("streamed", "256M")]:
            results += measure(a.polygraph, small, n, a.dims, label, memory, ["mass-mean", "logistic"], a.dir)
        os.remove(small)
        if a.gb > 0:
            big = os.path.join(a.dir, "big.h5")
            t0 = time.perf_counter()
            n = write_store(big, a.gb, a.dims, seed=1)
            log(f"wrote {os.path.getsize(big) / 1e9:.1f} GB in {time.perf_counter() - t0:.0f} s")
            kinds = ["mass-mean"] + (["logistic"] if a.logistic_big else [])
            results += measure(a.polygraph, big, n, a.dims, f"streamed {a.gb:g} GiB", "1G", kinds, a.dir)
    finally:
        shutil.rmtree(a.dir, ignore_errors=True)
    print(f"| run | command | rows × {a.dims} | wall (s) | peak RSS (MB) | rows/s | MB/s | test AUROC |")
    print("|---|---|---|---|---|---|---|---|")
    for r in results:
        rate = f"{r['rows_per_s']:.0f} | {r['mb_per_s']:.0f}" if "rows_per_s" in r else "– | –"
        print(f"| {r['run']} | {r['command']} | {r['rows']} | {r['seconds']:.1f} | {r['rss_mb']:.0f} | {rate} | {r['auroc']:.4f} |")


if __name__ == "__main__":
    main()
