#!/usr/bin/env python3
"""Experiment behind the hybrid probe's default confidence weight (probes/README.md, "Hybrid confidence weight").

A hybrid probe is an L2 logistic regression on the standardised hidden state plus four confidence features. With
hundreds of hidden dimensions and a strong penalty (C 0.001–0.01), the four confidences are held back like any one
dimension. Scaling them by s after standardisation divides their penalty by s². This script chooses s among
1, 4, 16, 64 (and C) by 5-fold CV grouped by topic on the training answers only, then reports the unseen-topic test
AUROC of every cell, next to the best confidence baseline. scikit-learn stands in for the Swift trainer (same
objective, same standardisation); the product's own numbers come from `polygraph train`/`eval` (make-probes.sh).

usage: python3 benchmarks/experiments/hybrid_confidence_weight.py TRAIN.h5 TEST.h5 POSITION LAYER
       (the answer captures of scripts/make-probes.sh, runs/make-probes/<model>/factqa_{train,test}.h5)
"""
import sys

import h5py
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GroupKFold
from sklearn.preprocessing import StandardScaler

COLUMNS = [("mean_logprob", 1), ("min_logprob", 1), ("mean_entropy", -1), ("mean_margin", 1)]


def load(path, position, layer):
    f = h5py.File(path, "r")
    labels = f["examples/label"][:]
    hook = f"blocks.{layer}.hook_resid_post"
    x = f[f"activations/{hook}"][:] if position == "answer" else f[f"positions/{position}/{hook}"][:]
    conf = np.stack([sign * f["confidence/" + c][:] for c, sign in COLUMNS], 1)
    topics = f["examples/meta/topic"][:]
    keep = (labels >= 0) & np.isfinite(x).all(1)
    conf = conf[keep]
    conf = np.where(np.isfinite(conf), conf, np.nanmean(conf, 0))
    return x[keep], conf, labels[keep], topics[keep]


def hybrid_scores(x_train, c_train, y_train, x_test, c_test, c, weight):
    scaler = StandardScaler().fit(np.hstack([x_train, c_train]))
    z_train = scaler.transform(np.hstack([x_train, c_train]))
    z_test = scaler.transform(np.hstack([x_test, c_test]))
    z_train[:, -len(COLUMNS):] *= weight
    z_test[:, -len(COLUMNS):] *= weight
    model = LogisticRegression(C=c, max_iter=3000).fit(z_train, y_train)
    return model.decision_function(z_test)


def main():
    train_path, test_path, position, layer = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    xa, ca, ya, ga = load(train_path, position, layer)
    xb, cb, yb, _ = load(test_path, position, layer)
    baselines = {name: roc_auc_score(yb, cb[:, k]) for k, (name, _) in enumerate(COLUMNS)}
    best = max(baselines, key=baselines.get)
    print(f"{position} layer {layer}: {len(ya)} training answers, {len(yb)} test answers; "
          f"best baseline on the test answers {best} {baselines[best]:.3f}")
    print("C      weight  CV AUROC (training topics)  test AUROC (unseen topics)")
    cells = []
    for c in (0.001, 0.01, 0.1):
        for weight in (1, 4, 16, 64):
            oof = np.zeros(len(ya))
            for tr, te in GroupKFold(5).split(xa, ya, ga):
                oof[te] = hybrid_scores(xa[tr], ca[tr], ya[tr], xa[te], ca[te], c, weight)
            cv = roc_auc_score(ya, oof)
            test = roc_auc_score(yb, hybrid_scores(xa, ca, ya, xb, cb, c, weight))
            cells.append((cv, c, weight, test))
            print(f"{c:<6} {weight:<7} {cv:.3f}                       {test:.3f}")
    cv, c, weight, test = max(cells)
    print(f"CV chooses C {c}, weight {weight}: test AUROC {test:.3f} ({test - baselines[best]:+.3f} vs {best})")


if __name__ == "__main__":
    main()
