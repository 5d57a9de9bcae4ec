#!/usr/bin/env python3
"""Other answer features for the answer probe, measured and not kept (probes/README.md, thirty-second session):
what the answer adds to the question (answer_mean - question), both concatenated, and a small MLP on the hybrid's
features (answer_mean and the four confidences weighted 4x) against the logistic hybrid.

C (logistic) is chosen by 5-fold CV grouped by topic, scored within each held-out topic, on the training rows only;
then each variant is measured on the unseen sets, pooled / within a topic, with min token log-prob beside it.
scikit-learn stands in for the Swift trainer (same objective and standardisation).

usage: python3 benchmarks/experiments/answer_features.py LAYER TRAIN.h5[,TRAIN2.h5,...] NAME=TEST.h5 [NAME=TEST.h5 ...]
       (answer captures of `capture --position answer`, e.g. made with make-probes.sh's capture settings)
"""
import sys
import warnings

import h5py
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GroupKFold
from sklearn.neural_network import MLPClassifier

warnings.filterwarnings("ignore")
CONF = ["mean_logprob", "min_logprob", "mean_entropy", "mean_margin"]


def load(path, layer):
    f = h5py.File(path, "r")
    key = f"blocks.{layer}.hook_resid_post"
    A = f["positions/answer_mean"][key][:]
    Q = f["positions/question"][key][:]
    C = np.stack([f["confidence"][c][:] for c in CONF], 1)
    y = f["examples/label"][:]
    t = np.array([s.decode() for s in f["examples/meta/topic"][:]])
    m = (y >= 0) & np.all(np.isfinite(C), 1) & np.all(np.isfinite(A), 1) & np.all(np.isfinite(Q), 1)
    return A[m].astype(np.float64), Q[m].astype(np.float64), C[m].astype(np.float64), y[m], t[m]


def within(y, s, t):
    return np.mean([roc_auc_score(y[t == g], s[t == g]) for g in np.unique(t) if 0 < y[t == g].sum() < (t == g).sum()])


def main():
    layer = int(sys.argv[1])
    train = [load(p, layer) for p in sys.argv[2].split(",")]
    tests = {arg.split("=", 1)[0]: load(arg.split("=", 1)[1], layer) for arg in sys.argv[3:]}
    A, Q, Cf, y, t = (np.concatenate([x[i] for x in train]) for i in range(5))
    cmu, csd = Cf.mean(0), Cf.std(0) + 1e-6
    variants = {
        "answer_mean": (lambda A, Q, C: A, "logistic"),
        "answer_mean - question": (lambda A, Q, C: A - Q, "logistic"),
        "answer_mean, question": (lambda A, Q, C: np.hstack([A, Q]), "logistic"),
        "hybrid": (lambda A, Q, C: np.hstack([A, 4 * (C - cmu) / csd]), "logistic"),
        "hybrid, MLP 64 alpha 1": (lambda A, Q, C: np.hstack([A, 4 * (C - cmu) / csd]), "mlp"),
    }
    for name, (features, kind) in variants.items():
        X = features(A, Q, Cf)
        mu, sd = X.mean(0), X.std(0) + 1e-6
        # the confidences are standardised already (weighted 4x); leave their scale as it is
        if name.startswith("hybrid"):
            mu[-4:], sd[-4:] = 0, 1
        Z = (X - mu) / sd
        grid = [1e-4, 1e-3, 1e-2] if kind == "logistic" else [None]
        best = None
        for C in grid:
            make = (lambda: LogisticRegression(C=C, max_iter=3000)) if kind == "logistic" else (
                lambda: MLPClassifier((64,), alpha=1.0, max_iter=300, early_stopping=True, random_state=0))
            oof = np.zeros(len(y))
            for a, b in GroupKFold(5).split(Z, y, t):
                oof[b] = make().fit(Z[a], y[a]).predict_proba(Z[b])[:, 1]
            score = within(y, oof, t)
            if best is None or score > best[0]:
                best = (score, roc_auc_score(y, oof), make)
        model = best[2]().fit(Z, y)
        line = f"{name:24s} CV {best[1]:.3f} / {best[0]:.3f} |"
        for test, (At, Qt, Ct, yt, tt) in tests.items():
            s = model.predict_proba((features(At, Qt, Ct) - mu) / sd)[:, 1]
            line += (f" {test} {roc_auc_score(yt, s):.3f} / {within(yt, s, tt):.3f}"
                     f" (min log-prob {roc_auc_score(yt, Ct[:, 1]):.3f} / {within(yt, Ct[:, 1], tt):.3f})")
        print(line, flush=True)


if __name__ == "__main__":
    main()
