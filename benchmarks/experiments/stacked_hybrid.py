#!/usr/bin/env python3
"""Two alternatives to the shipped answer probe's recipe, measured and not kept (probes/README.md, "Tried and not kept").

1. A stacked hybrid (stacked generalisation, Wolpert 1992): a logistic probe on the hidden state, then a second
   logistic regression on [the probe's out-of-fold score, the four confidences], so that the confidences are not
   penalised alongside hundreds of hidden dimensions as in the joint hybrid fit (HybridProbe, confidence weight 4).
2. Other calibrators of the probe's out-of-fold scores: Platt on [s, s²] and isotonic regression, against Platt.

Both are chosen, as make-probes.sh chooses, on the training topics only (5-fold CV grouped by topic, pooled and within
each held-out topic), and then measured on the unseen topics (factqa_test, factqa_test2). scikit-learn stands in for
the Swift trainer (same objective and standardisation).

usage: python3 benchmarks/experiments/stacked_hybrid.py MODEL_DIR POSITION LAYER C
       (MODEL_DIR: runs/make-probes/<model>/ of scripts/make-probes.sh, holding factqa_{train,train2,train3,test,test2}.h5)
"""
import os
import sys

import numpy as np
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GroupKFold
from sklearn.preprocessing import StandardScaler

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hybrid_confidence_weight  # noqa: E402

COLUMNS = hybrid_confidence_weight.COLUMNS


def load(paths, position, layer):
    """Hidden states at `position` and `layer`, the oriented confidences, labels and topics of the files' labelled rows."""
    parts = [hybrid_confidence_weight.load(path, position, layer) for path in paths]
    return tuple(np.concatenate([part[k] for part in parts]) for k in range(4))


def probe(x, y, c):
    scaler = StandardScaler().fit(x)
    model = LogisticRegression(C=c, max_iter=3000).fit(scaler.transform(x), y)
    return lambda z: model.decision_function(scaler.transform(z))


def joint_hybrid(xa, ca, ya, c, weight=4.0):
    scaler = StandardScaler().fit(np.hstack([xa, ca]))
    def features(x, conf):
        z = scaler.transform(np.hstack([x, conf])); z[:, -len(COLUMNS):] *= weight; return z
    model = LogisticRegression(C=c, max_iter=3000).fit(features(xa, ca), ya)
    return lambda x, conf: model.decision_function(features(x, conf))


def second_stage(scores, conf, y):
    f = np.column_stack([scores, conf]); scaler = StandardScaler().fit(f)
    model = LogisticRegression(C=1.0, max_iter=3000).fit(scaler.transform(f), y)
    return lambda s, cf: model.decision_function(scaler.transform(np.column_stack([s, cf])))


def within(scores, y, g):
    return np.mean([roc_auc_score(y[g == t], scores[g == t]) for t in np.unique(g) if len(set(y[g == t])) == 2])


def ece(p, y, bins=15):
    edges = np.minimum((p * bins).astype(int), bins - 1)
    return sum(abs(p[edges == b].mean() - y[edges == b].mean()) * (edges == b).sum()
               for b in range(bins) if (edges == b).any()) / len(p)


def main():
    if len(sys.argv) != 5:
        raise SystemExit(__doc__)
    folder, position, layer, c = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
    path = lambda name: os.path.join(folder, name + ".h5")
    xa, ca, ya, ga = load([path("factqa_train"), path("factqa_train2"), path("factqa_train3")], position, layer)
    folds = list(GroupKFold(5).split(xa, ya, ga))
    oof = np.zeros(len(ya)); joint = np.zeros(len(ya)); stacked = np.zeros(len(ya))
    for train, held in folds:
        oof[held] = probe(xa[train], ya[train], c)(xa[held])
        joint[held] = joint_hybrid(xa[train], ca[train], ya[train], c)(xa[held], ca[held])
    for train, held in folds:  # the second stage sees only the other folds' out-of-fold scores
        stacked[held] = second_stage(oof[train], ca[train], ya[train])(oof[held], ca[held])
    print(f"{folder} {position} layer {layer} C {c}: {len(ya)} training answers")
    print("CV on the training topics (pooled / within topics):")
    for name, s in (("probe", oof), ("joint hybrid", joint), ("stacked hybrid", stacked)):
        print(f"  {name:15s} {roc_auc_score(ya, s):.3f} / {within(s, ya, ga):.3f}")
    full, hybrid, stack = probe(xa, ya, c), joint_hybrid(xa, ca, ya, c), second_stage(oof, ca, ya)
    platt = LogisticRegression(C=1e6).fit(oof[:, None], ya)
    quad = LogisticRegression(C=1e6).fit(np.column_stack([oof, oof ** 2]), ya)
    iso = IsotonicRegression(out_of_bounds="clip", y_min=0.001, y_max=0.999).fit(oof, ya)
    for name in ("factqa_test", "factqa_test2"):
        xb, cb, yb, gb = load([path(name)], position, layer)
        best = max((roc_auc_score(yb, cb[:, k]), n) for k, (n, _) in enumerate(COLUMNS))
        s = full(xb)
        print(f"{name} ({len(yb)} answers, {yb.mean():.0%} right): best confidence {best[1]} {best[0]:.3f}; probe "
              f"{roc_auc_score(yb, s):.3f}, joint hybrid {roc_auc_score(yb, hybrid(xb, cb)):.3f}, stacked hybrid "
              f"{roc_auc_score(yb, stack(s, cb)):.3f}; the probe's ECE with Platt "
              f"{ece(platt.predict_proba(s[:, None])[:, 1], yb):.3f}, Platt on [s, s²] "
              f"{ece(quad.predict_proba(np.column_stack([s, s ** 2]))[:, 1], yb):.3f}, isotonic {ece(iso.predict(s), yb):.3f}")


if __name__ == "__main__":
    main()
