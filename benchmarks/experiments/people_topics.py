#!/usr/bin/env python3
"""Experiment behind probes/README.md, "People questions in training" (2026-12-06): does training on the people
topics of factqa_train3.jsonl help on a people topic the probe never saw, and what do they cost on factqa_test?

One recipe throughout (L2 logistic on the standardised hidden state at POSITION, LAYER; C in scikit-learn's
convention, Newton's method in numpy), trained two ways: on factqa_train + factqa_train2 only ("old data"), and on
those plus three of the four people topics; tested on the fourth (each in turn), next to the model's own confidences.
Then both trained on all of it and tested on factqa_test, pooled and within each topic.

usage: python3 benchmarks/experiments/people_topics.py CAPTURE_DIR [POSITION LAYER C]
       CAPTURE_DIR: runs/make-probes/<model> after scripts/make-probes.sh (factqa_{train,train2,train3,test}.h5);
       defaults answer_mean 16 0.001 (SmolLM2's shipped answer probe)
"""
import sys, h5py, numpy as np
d = sys.argv[1]; pos = sys.argv[2] if len(sys.argv) > 2 else "answer_mean"; layer = int(sys.argv[3]) if len(sys.argv) > 3 else 16
C = float(sys.argv[4]) if len(sys.argv) > 4 else 0.001
def load(name):
    f = h5py.File(f"{d}/{name}.h5")
    key = f"positions/{pos}/blocks.{layer}.hook_resid_post" if pos != "answer" else f"activations/blocks.{layer}.hook_resid_post"
    X = f[key][:].astype(np.float64); y = f["examples/label"][:].astype(int)
    t = np.array([v.decode() if isinstance(v, bytes) else str(v) for v in f["examples/meta/topic"][:]])
    conf = {k: f[f"confidence/{k}"][:] for k in ("min_logprob", "mean_logprob", "mean_entropy")}
    keep = y >= 0
    return X[keep], y[keep], t[keep], {k: v[keep] for k, v in conf.items()}
def auroc(s, y):
    o = np.argsort(s, kind="mergesort"); r = np.empty(len(s)); r[o] = np.arange(1, len(s) + 1)
    # ties: average ranks
    vals, inv, cnt = np.unique(s, return_inverse=True, return_counts=True)
    sums = np.bincount(inv, weights=r); r = (sums / cnt)[inv]
    p = y.sum(); n = len(y) - p
    return (r[y == 1].sum() - p * (p + 1) / 2) / (p * n) if p and n else float("nan")
def fit(X, y):
    mu, sd = X.mean(0), X.std(0) + 1e-6; Z = (X - mu) / sd; Z = np.hstack([Z, np.ones((len(Z), 1))])
    w = np.zeros(Z.shape[1]); lam = np.full(Z.shape[1], 1 / C); lam[-1] = 0
    for _ in range(30):
        p = 1 / (1 + np.exp(-Z @ w)); g = Z.T @ (p - y) + lam * w
        H = (Z * (p * (1 - p))[:, None]).T @ Z + np.diag(lam + 1e-9)
        step = np.linalg.solve(H, g); w -= step
        if np.abs(step).max() < 1e-8: break
    return lambda X2: np.hstack([(X2 - mu) / sd, np.ones((len(X2), 1))]) @ w
def within(s, y, t):
    vals = [auroc(s[t == k], y[t == k]) for k in np.unique(t)]
    vals = [v for v in vals if v == v]; return np.mean(vals)
tr = [load(n) for n in ("factqa_train", "factqa_train2")]; p3 = load("factqa_train3"); te = load("factqa_test")
Xa = np.vstack([a[0] for a in tr]); ya = np.concatenate([a[1] for a in tr])
A = fit(Xa, ya)
print(f"{d.split('/')[-1]} {pos} L{layer} C {C}")
for k in sorted(set(p3[2])):
    m = p3[2] == k
    B = fit(np.vstack([Xa, p3[0][~m]]), np.concatenate([ya, p3[1][~m]]))
    X, y = p3[0][m], p3[1][m]
    print(f"  held-out {k:22} n {m.sum():3} right {y.sum():3}: old-data probe {auroc(A(X), y):.3f}, +3 people topics {auroc(B(X), y):.3f}, min_logprob {auroc(p3[3]['min_logprob'][m], y):.3f}, -entropy {auroc(-p3[3]['mean_entropy'][m], y):.3f}")
B = fit(np.vstack([Xa, p3[0]]), np.concatenate([ya, p3[1]]))
X, y, t, c = te
print(f"  factqa_test pooled: old-data {auroc(A(X), y):.3f}, +people {auroc(B(X), y):.3f}, min_logprob {auroc(c['min_logprob'], y):.3f}")
print(f"  factqa_test within topics: old-data {within(A(X), y, t):.3f}, +people {within(B(X), y, t):.3f}, min_logprob {within(c['min_logprob'], y, t):.3f}, -entropy {within(-c['mean_entropy'], y, t):.3f}")
