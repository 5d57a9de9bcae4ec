#!/usr/bin/env python3
"""An ensemble over layers against one layer's hybrid answer probe, measured and not kept (probes/README.md, "An
ensemble over layers"). arXiv 2604.13386 reports ensembles of per-layer probes gaining on hard sets. Here: a hybrid
probe (standardised hidden state + the four confidences weighted 4, L2 logistic, scikit-learn standing in for the Swift
trainer) per layer on the answers' mean rows; (a) the mean of their standardised logits, (b) a logistic regression on
their out-of-fold logits (5 folds grouped by topic: stacking, Wolpert 1992). Measured on unseen-topic captures.

usage: python3 benchmarks/experiments/layer_ensemble.py NAME '{"layers": [9, 11, ...], "train": [H5, ...],
       "tests": {"test": H5, ...}, "pos": "answer_mean", "C": 0.001}'   (answer captures of scripts/make-probes.sh)
"""
import h5py, numpy as np, sys, json
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GroupKFold

CONF = ['min_logprob', 'mean_logprob', 'mean_entropy', 'mean_margin']
def load(paths, layers, pos):
    X = {l: [] for l in layers}; C = []; y = []; g = []
    for p in paths:
        f = h5py.File(p, 'r')
        lab = f['examples/label'][:]
        keep = lab >= 0
        for l in layers:
            X[l].append(f[f'positions/{pos}/blocks.{l}.hook_resid_post' if pos != 'answer' else f'activations/blocks.{l}.hook_resid_post'][:][keep])
        C.append(np.stack([f['confidence/' + c][:] for c in CONF], 1)[keep])
        y.append(lab[keep]); g.append(np.array([t.decode() if isinstance(t, bytes) else t for t in f['examples/meta/topic'][:]])[keep])
    return {l: np.concatenate(v) for l, v in X.items()}, np.concatenate(C), np.concatenate(y), np.concatenate(g)

def feats(X, C, mu, sd, cmu, csd, w=4.0):
    return np.hstack([(X - mu) / sd, w * (C - cmu) / csd])

def fit(X, C, y, Creg):
    mu, sd = X.mean(0), X.std(0) + 1e-6; cmu, csd = C.mean(0), C.std(0) + 1e-6
    m = LogisticRegression(C=Creg, max_iter=2000).fit(feats(X, C, mu, sd, cmu, csd), y)
    return lambda X2, C2: m.decision_function(feats(X2, C2, mu, sd, cmu, csd))

def within(s, y, g):
    a = [roc_auc_score(y[g == t], s[g == t]) for t in np.unique(g) if 0 < y[g == t].sum() < (g == t).sum()]
    return np.mean(a)

model = sys.argv[1]
cfg = json.loads(sys.argv[2])
layers = cfg['layers']; pos = cfg.get('pos', 'answer_mean'); Creg = cfg.get('C', 0.001)
Xtr, Ctr, ytr, gtr = load(cfg['train'], layers, pos)
tests = {n: load([p], layers, pos) for n, p in cfg['tests'].items()}
print(model, 'train', len(ytr), 'right', ytr.mean().round(3), flush=True)
for n, (X, C, y, g) in tests.items():
    print(f'  {n}: n={len(y)} min_logprob {roc_auc_score(y, C[:,0]):.3f} mean_logprob {roc_auc_score(y, C[:,1]):.3f}')
# per-layer probes on all training rows, and OOF logits by topic-grouped folds
gkf = GroupKFold(5)
oof = np.zeros((len(ytr), len(layers))); per = {}
for j, l in enumerate(layers):
    for tr, te in gkf.split(Xtr[l], ytr, gtr):
        oof[te, j] = fit(Xtr[l][tr], Ctr[tr], ytr[tr], Creg)(Xtr[l][te], Ctr[te])
    f = fit(Xtr[l], Ctr, ytr, Creg)
    per[l] = {n: f(X[l], C) for n, (X, C, y, g) in tests.items()}
    print(f'  L{l}: cv {roc_auc_score(ytr, oof[:, j]):.3f} cv-within {within(oof[:, j], ytr, gtr):.3f} ' +
          ' '.join(f'{n} {roc_auc_score(y, per[l][n]):.3f}' for n, (X, C, y, g) in tests.items()), flush=True)
# stacked: mean of standardised per-layer logits; meta logistic on OOF logits
sd = oof.std(0)
meta = LogisticRegression(C=1.0, max_iter=2000).fit(oof / sd, ytr)
print('  meta weights', np.round(meta.coef_[0], 2))
for n, (X, C, y, g) in tests.items():
    S = np.stack([per[l][n] for l in layers], 1) / sd
    avg = S.mean(1); st = meta.decision_function(S)
    print(f'  {n}: mean-of-layers {roc_auc_score(y, avg):.3f} (within {within(avg, y, g):.3f})  stacked {roc_auc_score(y, st):.3f} (within {within(st, y, g):.3f})  min_logprob within {within(C[:,0], y, g):.3f}')
