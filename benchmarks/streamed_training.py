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
import argparse, json, os, re, shutil, statistics, subprocess, sys, tempfile, time

import h5py
import numpy as np

HOOK = "blocks.0.hook_resid_post"


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def write_store(path, gib, d, seed=0):
    """`gib` GiB of float32 activations [n, d]; labels alternate; true rows are shifted by +0.75, false rows by
    -0.75 along one unit direction (noise N(0, 1) per dimension: test AUROC about 0.86)."""
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
        # Gaussian noise is drawn for 8 blocks (512 MB) and reused with a random sign per block, so writing runs at
        # disk speed rather than at numpy's sampling speed.
        pool = [rng.standard_normal((block, d), dtype=np.float32) for _ in range(min(8, (n + block - 1) // block))]
        for k, lo in enumerate(range(0, n, block)):
            hi = min(n, lo + block)
            x = pool[k % len(pool)][:hi - lo] * np.float32(1 if rng.random() < 0.5 else -1)
            x += np.outer(np.where(y[lo:hi] == 1, 0.75, -0.75).astype(np.float32), direction)
            acts[lo:hi] = x
            if (lo // block) % 32 == 0:
                el = time.perf_counter() - t0
                log(f"  writing {path}: {hi}/{n} rows, {hi * d * 4 / el / 1e6:.0f} MB/s")
    return n


def run(cmd):
    """Runs `cmd` under /usr/bin/time (a forked child's own ru_maxrss would include this interpreter's pages);
    returns (seconds, peak RSS in MB, stdout, the `streamed N passes ...` line's numbers or None)."""
    t0 = time.perf_counter()
    with tempfile.NamedTemporaryFile("w+") as rss, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", rss.name] + cmd, stdout=subprocess.PIPE, stderr=err, text=True)
        seconds = time.perf_counter() - t0
        err.seek(0)
        text = err.read()
        peak = int(open(rss.name).read().split()[-1]) / 1024
    if proc.returncode != 0:
        sys.exit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{text}")
    m = re.search(r"streamed (\d+) passes, (\d+) rows in [0-9.]+ s: ([0-9.]+) rows/s, ([0-9.]+) MB/s", text)
    streamed = dict(passes=int(m[1]), rows=int(m[2]), rows_per_s=float(m[3]), mb_per_s=float(m[4])) if m else None
    return seconds, peak, proc.stdout, streamed


def measure(pg, acts, n, d, label, memory, kinds, out_dir, rounds):
    """`train` per kind, then `eval` of the last probe, `rounds` times each; medians of wall time, max of peak RSS.
    rows/s: the store's rows over wall time. Streamed runs also give passes and the rows and MB read over wall time."""
    results = []
    for kind in kinds + ["eval"]:
        probe = os.path.join(out_dir, f"{label}-{kinds[-1] if kind == 'eval' else kind}.json".replace(" ", "_"))
        cmd = ([pg, "eval", "--probe", probe, "--acts", acts] if kind == "eval" else
               [pg, "train", "--acts", acts, "--probe", kind, "--layer", "0", "--out", probe]) + ["--json", "--max-memory", memory]
        runs = [run(cmd) for _ in range(rounds)]
        sec = statistics.median(r[0] for r in runs)
        rss = max(r[1] for r in runs)
        out, streamed = runs[-1][2], runs[-1][3]
        auroc = json.loads(out)["metrics"]["auroc"] if kind == "eval" else json.loads(out)["test_metrics"]["auroc"]
        r = dict(run=label, command=f"eval {kinds[-1]}" if kind == "eval" else f"train {kind}", seconds=sec, rss_mb=rss,
                 rows=n, auroc=auroc, rows_per_s=n / sec, passes=streamed["passes"] if streamed else None,
                 read_rows_per_s=streamed["rows"] / sec if streamed else None,
                 read_mb_per_s=streamed["rows"] * d * 4 / sec / 1e6 if streamed else None)
        log(f"{label}: {r['command']} {sec:.1f} s (median of {rounds}), peak RSS {rss:.0f} MB, {n / sec:.0f} rows/s"
            + (f", {r['passes']} passes read at {r['read_rows_per_s']:.0f} rows/s, {r['read_mb_per_s']:.0f} MB/s" if streamed else "")
            + f", AUROC {auroc:.4f}")
        results.append(r)
    return results


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gb", type=float, default=20, help="GiB of activations in the large file (0: skip it)")
    ap.add_argument("--small-gb", type=float, default=1, help="GiB of the file trained both in memory and streamed")
    ap.add_argument("--dims", type=int, default=2048)
    ap.add_argument("--dir", default="/tmp/ooc-bench")
    ap.add_argument("--logistic-big", action="store_true", help="also train logistic on the large file (many passes)")
    ap.add_argument("--rounds", type=int, default=3, help="runs per command on the small file (median)")
    ap.add_argument("--polygraph", default=".build/release/polygraph")
    a = ap.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    results = []
    try:
        small = os.path.join(a.dir, "small.h5")
        n = write_store(small, a.small_gb, a.dims)
        for label, memory in [("in-memory", "16G"), ("streamed", "256M")]:
            results += measure(a.polygraph, small, n, a.dims, label, memory, ["mass-mean", "logistic"], a.dir, a.rounds)
        os.remove(small)
        if a.gb > 0:
            big = os.path.join(a.dir, "big.h5")
            t0 = time.perf_counter()
            n = write_store(big, a.gb, a.dims, seed=1)
            log(f"wrote {os.path.getsize(big) / 1e9:.1f} GB in {time.perf_counter() - t0:.0f} s")
            kinds = ["mass-mean"] + (["logistic"] if a.logistic_big else [])
            results += measure(a.polygraph, big, n, a.dims, f"streamed {a.gb:g} GiB", "1G", kinds, a.dir, 1)
    finally:
        shutil.rmtree(a.dir, ignore_errors=True)
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; rows of {a.dims} float32")
    print("| run | command | rows | wall s | peak RSS MB | rows/s | streamed passes | read rows/s | read MB/s | AUROC |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        read = (f"{r['passes']} | {r['read_rows_per_s']:.0f} | {r['read_mb_per_s']:.0f}" if r["passes"] else "– | – | –")
        print(f"| {r['run']} | {r['command']} | {r['rows']} | {r['seconds']:.1f} | {r['rss_mb']:.0f} | {r['rows_per_s']:.0f} | "
              f"{read} | {r['auroc']:.4f} |")


if __name__ == "__main__":
    main()
