#!/usr/bin/env python3
"""Hostile-input suite: generates several hundred damaged inputs (fixed seed) into a temporary folder and checks
that polygraph ends each with a clean error in time (see common.py for what "clean" means).

Usage: run.py --bin .build/release/polygraph [--model M] [--only CATEGORY,...] [-k TEXT] [--keep] [--list]
Run from the repository root. Needs h5py and numpy. Exit status 1 when any case fails unexpectedly."""
import argparse
import json
import os
import random
import re
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cases_cli  # noqa: E402
import cases_gguf  # noqa: E402
import cases_hdf5  # noqa: E402
import cases_http  # noqa: E402
import cases_npy  # noqa: E402
import cases_probe  # noqa: E402
import cases_text  # noqa: E402
from common import Case, env_workers, run_all  # noqa: E402
from expected_failures import EXPECTED  # noqa: E402
from http_client import exchange, health, request  # noqa: E402

SEED = 20261204
CATEGORIES = ["gguf", "csv", "jsonl", "hdf5", "probe", "npy", "cli", "http"]


class Context:
    pass


def sh(binary, *args, timeout=300):
    p = subprocess.run([binary] + [str(a) for a in args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=timeout, stdin=subprocess.DEVNULL)
    if p.returncode != 0:
        raise SystemExit("setup failed: polygraph %s -> exit %d\n%s" % (" ".join(map(str, args)), p.returncode,
                                                                       p.stderr.decode(errors="replace")[-2000:]))
    return p.stdout.decode(errors="replace")


def setup(ctx, binary):
    """The undamaged inputs the cases start from: activation files captured with the real model, two probes."""
    t = ctx.tmp
    info = sh(binary, "inspect", ctx.model, "--max-tensors", "1")
    ctx.model_data_start = int(re.search(r"data at byte (\d+)", info).group(1))
    ctx.acts = os.path.join(t, "base.h5")
    sh(binary, "capture", "--model", ctx.model, "--dataset", "datasets/capitals.csv", "--limit", "40",
       "--layers", "2,3", "--out", ctx.acts, "--quiet")
    ctx.acts_all = os.path.join(t, "base_all.h5")
    sh(binary, "capture", "--model", ctx.model, "--dataset", "datasets/capitals.csv", "--limit", "12",
       "--layers", "3", "--position", "all", "--out", ctx.acts_all, "--quiet")
    ctx.acts_probe = os.path.join(t, "probe.json")
    sh(binary, "train", "--acts", ctx.acts, "--probe", "logistic", "--layer", "3", "--out", ctx.acts_probe, "--quiet")
    ctx.mlp_probe = os.path.join(t, "mlp.json")
    sh(binary, "train", "--acts", ctx.acts, "--probe", "mlp", "--layer", "3", "--epochs", "5", "--out",
       ctx.mlp_probe, "--quiet")
    # A logistic, single-hook shipped probe: the probe-file edits below assume one, and /v1/score needs a probe that
    # reads hidden states only (SmolLM2's answers.json is a hybrid: it also reads the answer's confidences).
    shipped = "probes/smollm2-135m-instruct/statements.json"
    ctx.real_probe = shipped if os.path.exists(shipped) else None


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start_server(ctx, binary):
    ctx.port, ctx.key = free_port(), "hostile-key-0123456789"
    ctx.server_log = os.path.join(ctx.tmp, "server.log")
    log = open(ctx.server_log, "wb")
    ctx.server = subprocess.Popen(
        [binary, "serve", "--model", ctx.model, "--probe", ctx.real_probe or ctx.acts_probe, "--port", str(ctx.port),
         "--api-key", ctx.key, "--header-timeout", "2", "--body-timeout", "2", "--idle-timeout", "5",
         "--max-body-bytes", "65536", "--max-connections", "64", "--max-tokens-limit", "8", "--queue-capacity", "4"],
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    for _ in range(240):
        if ctx.server.poll() is not None:
            raise SystemExit("setup failed: serve exited %d:\n%s" % (ctx.server.returncode, open(ctx.server_log).read()))
        if health(ctx.port, ctx.key, tries=1)[0]:
            break
        time.sleep(0.5)
    else:
        raise SystemExit("setup failed: serve not up after 120 s")
    r = exchange(ctx.port, [request("GET", "/v1/models", key=ctx.key)])
    ctx.model_id = json.loads(r.body)["data"][0]["id"]


def stop_server(ctx):
    """(ok, detail): the server must still be running, stop on SIGTERM and have logged no trap."""
    alive = ctx.server.poll() is None
    ctx.server.terminate()
    try:
        ctx.server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        ctx.server.kill()
        return False, "serve did not stop within 20 s of SIGTERM"
    log = open(ctx.server_log, errors="replace").read()
    if not alive:
        return False, "serve had exited (%s): %s" % (ctx.server.returncode, log[-500:])
    if "Fatal error" in log:
        return False, "serve log holds a trap: " + log[log.index("Fatal error"):][:300]
    return True, "stopped cleanly"


def build_cases(ctx, only):
    makers = [(["gguf"], cases_gguf), (["csv", "jsonl"], cases_text), (["hdf5"], cases_hdf5),
              (["probe"], cases_probe), (["npy"], cases_npy), (["cli"], cases_cli), (["http"], cases_http)]
    out = []
    for cats, mod in makers:
        made = mod.cases(ctx)  # every maker runs (later ones use files the GGUF maker writes), then filtered
        out += [c for c in made if c.category in only]
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--model", default="models/SmolLM2-135M-Instruct.Q4_1.gguf")
    ap.add_argument("--only", default=",".join(CATEGORIES))
    ap.add_argument("-k", default="", help="only cases whose name contains this text")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder")
    ap.add_argument("--list", action="store_true")
    ap.add_argument("-v", action="store_true", help="print every case")
    a = ap.parse_args()
    binary = os.path.abspath(a.bin)
    # Every polygraph run inherits an address-space cap, so an unbounded allocation fails fast (and is reported)
    # instead of pushing the machine into swap.
    cap = int(os.environ.get("HOSTILE_MEMORY_GB", "8")) << 30
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    only = set(a.only.split(","))
    t0 = time.monotonic()
    ctx = Context()
    ctx.tmp, ctx.model, ctx.rng = tempfile.mkdtemp(prefix="hostile-"), a.model, random.Random(SEED)
    ctx.server = None
    try:
        # A private copy: a rebuild of the original while the suite runs must not change (or lock) what it runs.
        copy = os.path.join(ctx.tmp, "polygraph")
        shutil.copy2(binary, copy)
        binary = copy
        setup(ctx, binary)
        ctx.port, ctx.key, ctx.model_id = 0, "k", "m"
        if "http" in only and not a.list:
            start_server(ctx, binary)
        cases = [c for c in build_cases(ctx, only) if a.k in c.name]
        for c in cases:
            c.xfail = EXPECTED.get((c.category, c.name))
        if a.list:
            for c in cases:
                print("%-6s %s" % (c.category, c.name))
            print("%d cases" % len(cases))
            return 0
        setup_s = time.monotonic() - t0
        print("hostile inputs: %d cases, %d workers (setup %.1f s)" % (len(cases), env_workers(), setup_s), flush=True)

        def show(r):
            tag = ("ok   " if r.ok else "FAIL ") if not r.case.xfail else ("XPASS" if r.ok else "xfail")
            if a.v or tag in ("FAIL ", "XPASS"):
                print("%s %-6s %s (%.1f s): %s" % (tag, r.case.category, r.case.name, r.seconds, r.detail), flush=True)

        results = run_all(cases, binary, os.getcwd(), env_workers(), show)
        if ctx.server:
            ok, detail = stop_server(ctx)
            ctx.server = None
            from common import Result
            r = Result(Case("http", "server alive after every case, clean SIGTERM"), ok, detail, 0.0)
            show(r)
            results.append(r)
        return summary(results, time.monotonic() - t0)
    finally:
        if ctx.server and ctx.server.poll() is None:
            ctx.server.kill()
        if not a.keep:
            shutil.rmtree(ctx.tmp, ignore_errors=True)
        else:
            print("kept " + ctx.tmp)


def summary(results, seconds):
    print("\n%-7s %6s %7s %7s %6s %8s" % ("", "cases", "passed", "failed", "xfail", "seconds"))
    tot = [0, 0, 0, 0, 0.0]
    for cat in CATEGORIES + sorted({r.case.category for r in results} - set(CATEGORIES)):
        rs = [r for r in results if r.case.category == cat]
        if not rs:
            continue
        row = [len(rs), sum(r.ok for r in rs), sum(not r.ok and not r.case.xfail for r in rs),
               sum(not r.ok and bool(r.case.xfail) for r in rs), sum(r.seconds for r in rs)]
        tot = [x + y for x, y in zip(tot, row)]
        print("%-7s %6d %7d %7d %6d %8.1f" % (cat, *row))
    print("%-7s %6d %7d %7d %6d %8.1f" % ("total", *tot))
    xf = [r for r in results if not r.ok and r.case.xfail]
    for r in xf:
        print("expected failure: %s %s -- %s" % (r.case.category, r.case.name, r.case.xfail))
    failed = [r for r in results if not r.ok and not r.case.xfail]
    for r in failed:
        print("FAILED: %s %s: %s" % (r.case.category, r.case.name, r.detail))
    print("%d cases: %d passed, %d failed, %d expected failures in %.0f s" % (
        len(results), tot[1], len(failed), len(xf), seconds))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
