#!/usr/bin/env python3
"""Writes a structurally valid probe artifact (DESIGN.md, format_version 1) for the openai-client interop test.

The weights are a fixed pseudo-random direction, not a trained probe: the test checks the server's plumbing
(the polygraph fields, streaming, policies), not the probe's accuracy. Use POLYGRAPH_PROBE to test a trained one.
"""
import argparse
import hashlib
import json
import random


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--hook", default="blocks.14.hook_resid_post")
    ap.add_argument("--d-model", type=int, default=576)
    ap.add_argument("--name", default="SmolLM2 135M Instruct")
    args = ap.parse_args()
    rng = random.Random(0)
    d = args.d_model
    weights = [rng.gauss(0, 1) / d ** 0.5 for _ in range(d)]
    artifact = {
        "format": "polygraph.probe",
        "format_version": 1,
        "kind": "logistic",
        "model": {"name": args.name, "architecture": "llama", "sha256": sha256(args.model)},
        "hook": args.hook,
        "position": "last",
        "normalization": {"mean": [0.0] * d, "scale": [1.0] * d},
        "parameters": {"weights": weights, "bias": 0.0, "C": 1.0, "iterations": 0, "converged": True},
        "calibration": {"method": "platt", "a": 1.0, "b": 0.0, "fitted_on": "none (interop fixture)", "n": 0},
        "thresholds": {"uncertain": 0.6, "likely_false": 0.3},
        "training": {"datasets": [], "seed": 0, "split": 0.8, "metrics": {}, "layer": 14, "n_train": 0,
                     "n_calibration": 0, "n_test": 0, "skipped_unlabeled": 0, "max_false_ok": 0.1,
                     "max_true_flagged": 0.1},
        "created_at": "2026-01-01T00:00:00Z",
        "created_by": "tests-interop/make_probe_openai.py",
    }
    with open(args.out, "w") as f:
        json.dump(artifact, f)


if __name__ == "__main__":
    main()
