#!/usr/bin/env python3
"""Does an answer probe gain from training on the answers other models wrote, teacher-forced through this model?
Measured and not kept (probes/README.md, "A stacked hybrid and other calibrators").

The model's own answers to the training questions (factqa_train*.h5) against the same plus the other models' answers
to those questions (written_train.h5 of scripts/make-probes.sh's given part, rows whose `writer` is another model).
Chosen as make-probes.sh chooses: 5-fold CV grouped by topic, scored on the model's own answers of the held-out topics
only (pooled / within topics), every training fold without the held-out topics' rows of either kind; then measured on
the own answers to the unseen topics (factqa_test, factqa_test2). scikit-learn stands in for the Swift trainer.

usage: python3 benchmarks/experiments/others_answers_in_training.py MODEL_DIR POSITION LAYER C logistic|hybrid
"""
import os
import sys

import h5py
import numpy as np
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GroupKFold

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from stacked_hybrid import joint_hybrid, load, probe, within  # noqa: E402


def main():
    if len(sys.argv) != 6:
        raise SystemExit(__doc__)
    folder, position, layer, c, kind = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
    me = os.path.basename(os.path.normpath(folder))
    path = lambda name: os.path.join(folder, name + ".h5")
    xa, ca, ya, ga = load([path("factqa_train"), path("factqa_train2"), path("factqa_train3")], position, layer)
    xw, cw, yw, gw = load([path("written_train")], position, layer)
    with h5py.File(path("written_train"), "r") as f:  # load() keeps labelled rows with finite features, in order
        labels = f["examples/label"][:]
        hook = f"blocks.{layer}.hook_resid_post"
        x = f[f"activations/{hook}"][:] if position == "answer" else f[f"positions/{position}/{hook}"][:]
        writers = np.array([w.decode() for w in f["examples/meta/writer"][:]])[(labels >= 0) & np.isfinite(x).all(1)]
    others = writers != me

    def fit(x, conf, y):
        if kind == "hybrid":
            return joint_hybrid(x, conf, y, c)
        p = probe(x, y, c)
        return lambda z, _: p(z)

    print(f"{me} {position} layer {layer} C {c} {kind}: {len(ya)} own answers, {others.sum()} by other models "
          f"({yw[others].mean():.0%} right)")
    folds = list(GroupKFold(5).split(xa, ya, ga))
    for name, extra in (("own answers", None), ("own + other models' answers", others)):
        scores = np.zeros(len(ya))
        for train, held in folds:
            if extra is None:
                model = fit(xa[train], ca[train], ya[train])
            else:
                keep = extra & ~np.isin(gw, np.unique(ga[held]))
                model = fit(np.vstack([xa[train], xw[keep]]), np.vstack([ca[train], cw[keep]]),
                            np.concatenate([ya[train], yw[keep]]))
            scores[held] = model(xa[held], ca[held])
        if extra is None:
            model = fit(xa, ca, ya)
        else:
            model = fit(np.vstack([xa, xw[extra]]), np.vstack([ca, cw[extra]]), np.concatenate([ya, yw[extra]]))
        line = f"  {name}: CV {roc_auc_score(ya, scores):.3f} / within {within(scores, ya, ga):.3f}"
        for test in ("factqa_test", "factqa_test2"):
            xb, cb, yb, _ = load([path(test)], position, layer)
            best = max(roc_auc_score(yb, cb[:, k]) for k in range(cb.shape[1]))
            line += f"; {test} {roc_auc_score(yb, model(xb, cb)):.3f} (best confidence {best:.3f})"
        print(line, flush=True)


if __name__ == "__main__":
    main()
