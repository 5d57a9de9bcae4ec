#!/usr/bin/env python3
"""Labels from sampled answers for the answer probe (issue 12), measured against the greedy grade it is trained on.

The answer probe learns from one greedy answer per question whether the model got it right. Two families of
probe train on what several sampled answers to the same question say instead:
- P(IK) (Kadavath et al. 2022, arXiv 2207.05221): the share of the question's sampled answers graded right, a soft
  label (each row weighted p as right and 1 - p as wrong);
- semantic-entropy probes (Kossen et al. 2024, arXiv 2406.15927): the entropy of the answers' meanings, without any
  grading: answers clustered by their first three content words that the question does not use (an approximation
  of the paper's entailment clustering); the probe predicts low entropy, split at the threshold that best separates
  the training questions (as the paper binarises it).
- self-consistency: the share of sampled answers with the greedy answer's meaning (label-free as well).
And one that keeps the greedy grade but adds every sampled answer as a training row of its own (its rows and
confidences, its grade): more and more varied labelled answers per question.

Each probe is the shipped kind (hybrid: answer_mean rows of one layer and the four confidences weighted 4x,
standardised, L2 logistic regression), C chosen by 5-fold CV grouped by topic scored within each held-out topic
(against the greedy grades), Platt-calibrated on the out-of-fold scores. Measured on greedy answers to the unseen
sets: AUROC pooled / within a topic, ECE (15 bins), with min token log-prob beside. scikit-learn stands in for the
Swift trainer (same objective and standardisation). Also printed: semantic entropy of the unseen sets' own samples
when they were captured (EXTRA_SETS in sampled_labels.sh), a detector that costs several generations.

usage: python3 benchmarks/experiments/sampled_labels.py LAYER SAMPLES_DIR NAME=GREEDY.h5 [NAME=GREEDY.h5 ...]
       (greedy answer captures; a NAME starting with "train" is a training set, whose sampled captures are
       SAMPLES_DIR/NAME-t*-s*.h5 as sampled_labels.sh names them; the others are unseen sets)
"""
import glob
import os
import re
import sys
import warnings
from collections import Counter

import h5py
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GroupKFold

warnings.filterwarnings("ignore")
CONF = ["mean_logprob", "min_logprob", "mean_entropy", "mean_margin"]
STOP = set("a an the is are was were of in on at to for by and or it its this that with as be from which who what "
           "when where how many much did does do has have had he she they his her their there".split())


def read(path, layer):
    """Every row of an answer capture: answer_mean rows, confidences, labels (-1 refused), topic, question, answer."""
    f = h5py.File(path, "r")
    key = f"blocks.{layer}.hook_resid_post"
    return dict(
        A=f["positions/answer_mean"][key][:].astype(np.float64),
        C=np.stack([f["confidence"][c][:] for c in CONF], 1).astype(np.float64),
        y=f["examples/label"][:].astype(int),
        topic=np.array([s.decode() for s in f["examples/meta/topic"][:]]),
        question=[s.decode() for s in f["examples/text"][:]],
        answer=[s.decode() for s in f["examples/answer"][:]])


def meaning(question, answer):
    """An answer's cluster key: its first three content words that the question does not use."""
    asked = set(re.findall(r"[a-z0-9]+", question.lower()))
    words = [w for w in re.findall(r"[a-z0-9]+", answer.lower()) if w not in asked and w not in STOP]
    return " ".join(words[:3])


def semantic_entropy(question, answers):
    """Entropy of the answers' clusters from their frequencies (discrete semantic entropy); no grade is used."""
    keys = [meaning(question, a) for a in answers]
    p = np.array(list(Counter(keys).values()), float) / len(keys)
    return float(-(p * np.log(p)).sum())


def samples_of(prefix, rows):
    """The sampled captures of one question file, checked to hold the same questions in the same order."""
    files = sorted(glob.glob(f"{prefix}-t*-s*.h5"))
    out = []
    for path in files:
        s = h5py.File(path, "r")
        if [q.decode() for q in s["examples/text"][:]] != rows["question"]:
            sys.exit(f"{path}: not the same questions as the greedy capture")
        out.append(path)
    return out


def within(y, s, t):
    return np.mean([roc_auc_score(y[t == g], s[t == g]) for g in np.unique(t) if 0 < y[t == g].sum() < (t == g).sum()])


def ece(y, p, bins=15):
    idx = np.minimum((p * bins).astype(int), bins - 1)
    return sum(abs(y[idx == b].mean() - p[idx == b].mean()) * (idx == b).sum() for b in range(bins) if (idx == b).any()) / len(y)


def margin(y, s, baseline, n=1000):
    """AUROC(s) − AUROC(baseline) with a paired-bootstrap 95% interval."""
    rng = np.random.default_rng(0)
    diffs = []
    for _ in range(n):
        i = rng.integers(0, len(y), len(y))
        if 0 < y[i].sum() < len(i):
            diffs.append(roc_auc_score(y[i], s[i]) - roc_auc_score(y[i], baseline[i]))
    lo, hi = np.percentile(diffs, [2.5, 97.5])
    return f"{roc_auc_score(y, s) - roc_auc_score(y, baseline):+.3f} ({lo:+.3f} … {hi:+.3f})"


def platt(scores, y):
    z = np.log(np.clip(scores, 1e-9, 1 - 1e-9) / (1 - np.clip(scores, 1e-9, 1 - 1e-9)))
    model = LogisticRegression(C=1e6, max_iter=1000).fit(z[:, None], y)
    return lambda s: model.predict_proba(np.log(np.clip(s, 1e-9, 1 - 1e-9) / (1 - np.clip(s, 1e-9, 1 - 1e-9)))[:, None])[:, 1]


def fit(Z, target, weight, C):
    """A logistic regression on soft targets (each row twice: right with weight·p, wrong with weight·(1 − p))."""
    X2 = np.vstack([Z, Z])
    y2 = np.r_[np.ones(len(Z)), np.zeros(len(Z))]
    w2 = np.r_[weight * target, weight * (1 - target)]
    keep = w2 > 0
    return LogisticRegression(C=C, max_iter=3000).fit(X2[keep], y2[keep], sample_weight=w2[keep])


def main():
    layer, samples_dir = int(sys.argv[1]), sys.argv[2]
    named = [a.split("=", 1) for a in sys.argv[3:]]
    tests = {name: read(path, layer) for name, path in named if not name.startswith("train")}
    parts, sampled = [], []
    for name, path in named:
        if not name.startswith("train"):
            continue
        g = read(path, layer)
        files = samples_of(os.path.join(samples_dir, name), g)
        parts.append(g)
        sampled.append([read(p, layer) for p in files])
    S = min(len(s) for s in sampled)
    print(f"layer {layer}, {S} samples per training question", flush=True)
    cat = lambda key, rows: np.concatenate([r[key] for r in rows])
    A, Cf, y, topic = cat("A", parts), cat("C", parts), cat("y", parts), cat("topic", parts)
    questions = sum((r["question"] for r in parts), [])
    sy = np.stack([np.concatenate([s[k]["y"] for s in sampled]) for k in range(S)], 1)  # [rows, S]
    sanswers = [sum((s[k]["answer"] for s in sampled), []) for k in range(S)]
    answered = (sy >= 0).sum(1)
    p_right = np.where(answered > 0, (sy == 1).sum(1) / np.maximum(answered, 1), np.nan)
    se = np.array([semantic_entropy(questions[i], [sanswers[k][i] for k in range(S)]) for i in range(len(y))])
    greedy_answers = sum((r["answer"] for r in parts), [])
    agree = np.array([np.mean([meaning(questions[i], sanswers[k][i]) == meaning(questions[i], greedy_answers[i])
                               for k in range(S)]) for i in range(len(y))])
    ok = (y >= 0) & np.isfinite(p_right) & np.isfinite(se) & np.all(np.isfinite(Cf), 1) & np.all(np.isfinite(A), 1)
    print(f"training questions {ok.sum()} (greedy right {y[ok].mean():.3f}, samples right {np.nanmean(sy[ok] == 1):.3f}); "
          f"AUROC of the training labels for the greedy grade: share of right samples "
          f"{roc_auc_score(y[ok], p_right[ok]):.3f}, -semantic entropy {roc_auc_score(y[ok], -se[ok]):.3f}, "
          f"the greedy answer's agreement with the samples {roc_auc_score(y[ok], agree[ok]):.3f}", flush=True)
    # SEP's binarisation: the threshold that minimises the squared error of two constant fits (Kossen et al. §4)
    cand = np.unique(se[ok])
    cost = [((se[ok][se[ok] <= c] - se[ok][se[ok] <= c].mean()) ** 2).sum()
            + ((se[ok][se[ok] > c] - se[ok][se[ok] > c].mean()) ** 2).sum() if (se[ok] > c).any() else np.inf for c in cand]
    threshold = cand[int(np.argmin(cost))]
    low_se = (se <= threshold).astype(float)
    print(f"semantic entropy threshold {threshold:.3f}: {low_se[ok].mean():.3f} of the questions low", flush=True)

    cmu, csd = Cf[ok].mean(0), Cf[ok].std(0) + 1e-6
    def features(A_, C_):
        return np.hstack([A_, 4 * (C_ - cmu) / csd])
    X = features(A[ok], Cf[ok])
    mu, sd = X.mean(0), X.std(0) + 1e-6
    mu[-4:], sd[-4:] = 0, 1
    Z, yg, t = (X - mu) / sd, y[ok].astype(float), topic[ok]
    # rows of the sampled answers themselves (their own rows, confidences and grades)
    aug = [(features(np.concatenate([s[k]["A"] for s in sampled]), np.concatenate([s[k]["C"] for s in sampled])),
            sy[:, k]) for k in range(S)]
    AZ = np.vstack([(Xk[ok] - mu) / sd for Xk, _ in aug])
    Ay = np.concatenate([yk[ok] for _, yk in aug]).astype(float)
    At = np.concatenate([t for _ in aug])
    Aok = (Ay >= 0) & np.all(np.isfinite(AZ), 1)

    variants = {
        "greedy grade (the shipped labels)": (Z, yg, np.ones(len(yg)), t),
        "share of right samples, P(IK)": (Z, p_right[ok], np.ones(len(yg)), t),
        "greedy and samples averaged": (Z, (yg + S * p_right[ok]) / (S + 1), np.ones(len(yg)), t),
        "low semantic entropy (SEP)": (Z, low_se[ok], np.ones(len(yg)), t),
        "greedy answer's agreement with the samples": (Z, agree[ok], np.ones(len(yg)), t),
        "greedy grade + every sampled answer as a row": (np.vstack([Z, AZ[Aok]]), np.r_[yg, Ay[Aok]],
                                                          np.ones(len(yg) + Aok.sum()), np.r_[t, At[Aok]]),
    }
    for name, (Zv, target, weight, groups) in variants.items():
        if target.min() == target.max():
            print(f"{name:45s} one label only: more samples needed", flush=True)
            continue
        best = None
        for C in [1e-4, 1e-3, 1e-2]:
            oof = np.zeros(len(yg))  # scored on the greedy rows of the held-out topics
            for a, b in GroupKFold(5).split(Z, yg, t):
                train_topics = set(t[a])
                rows = np.array([g in train_topics for g in groups])
                oof[b] = fit(Zv[rows], target[rows], weight[rows], C).predict_proba(Z[b])[:, 1]
            score = within(yg, oof, t)
            if best is None or score > best[0]:
                best = (score, roc_auc_score(yg, oof), C, oof)
        model = fit(Zv, target, weight, best[2])
        calibrate = platt(best[3], yg)
        line = f"{name:45s} C {best[2]:g} CV {best[1]:.3f} / {best[0]:.3f} |"
        for test, r in tests.items():
            m = (r["y"] >= 0) & np.all(np.isfinite(r["C"]), 1) & np.all(np.isfinite(r["A"]), 1)
            s = model.predict_proba((features(r["A"][m], r["C"][m]) - mu) / sd)[:, 1]
            yt, tt = r["y"][m], r["topic"][m]
            line += (f" {test} {roc_auc_score(yt, s):.3f} / {within(yt, s, tt):.3f} ECE {ece(yt, calibrate(s)):.3f}"
                     f" vs min log-prob {margin(yt, s, r['C'][m, 1])};")
        print(line, flush=True)
    line = f"{'min token log-prob':45s} {'':22s} |"
    for test, r in tests.items():
        m = (r["y"] >= 0) & np.all(np.isfinite(r["C"]), 1)
        line += f" {test} {roc_auc_score(r['y'][m], r['C'][m, 1]):.3f} / {within(r['y'][m], r['C'][m, 1], r['topic'][m]):.3f};"
    print(line, flush=True)
    # semantic entropy of the unseen sets' own samples, where they were captured
    for test, r in tests.items():
        files = sorted(glob.glob(os.path.join(samples_dir, f"{test}-t*-s*.h5")))
        if not files:
            continue
        samples = [read(p, layer) for p in files]
        if any(s["question"] != r["question"] for s in samples):
            sys.exit(f"{test}: the sampled captures do not hold the greedy file's questions")
        ent = np.array([semantic_entropy(r["question"][i], [s["answer"][i] for s in samples] + [r["answer"][i]])
                        for i in range(len(r["y"]))])
        agree = np.array([np.mean([meaning(r["question"][i], s["answer"][i]) == meaning(r["question"][i], r["answer"][i])
                                   for s in samples]) for i in range(len(r["y"]))])
        m = (r["y"] >= 0) & np.isfinite(ent)
        yt, tt = r["y"][m], r["topic"][m]
        print(f"{test}, {len(files)} samples per question: semantic entropy (samples + the greedy answer) "
              f"{roc_auc_score(yt, -ent[m]):.3f} / {within(yt, -ent[m], tt):.3f}, the greedy answer's agreement "
              f"{roc_auc_score(yt, agree[m]):.3f} / {within(yt, agree[m], tt):.3f}", flush=True)


if __name__ == "__main__":
    main()
