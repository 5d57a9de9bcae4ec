# Token-level probes aggregated over the answer (span-max: Obeso et al. 2025, arXiv 2509.03531) against the answer_mean
# hybrid and the model's own min token log-prob, on SmolLM2's answers captured with `capture --position all` (every
# answer token's rows and confidences, and the per-answer positions, in one file; token_probes.sh makes them):
#   python3 token_probes.py W LAYER [C]    reads W/{train,train2,train3,test,test2,test4}.h5
# Every answer token is labelled with its answer's grade (the captures have no token-level labels).
import h5py, sys
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GroupKFold

CONF = ['min_logprob', 'mean_logprob', 'mean_entropy', 'mean_margin']
TOKCONF = ['token_entropy', 'token_logprob', 'token_margin']
TRAIN, TESTS = ['train', 'train2', 'train3'], ['test', 'test2', 'test4']

def load(work, name, layer):
    f = h5py.File(f'{work}/{name}.h5', 'r')
    hook = f'blocks.{layer}.hook_resid_post'
    off, A = f['tokens/offsets'][:], f['activations/' + hook][:]
    lab = f['examples/label'][:]
    keep = np.flatnonzero((lab >= 0) & (np.diff(off) > 0))
    d = dict(M=f['positions/answer_mean/' + hook][:][keep], C=np.stack([f['confidence/' + c][:] for c in CONF], 1)[keep],
             y=lab[keep], g=f['examples/meta/topic'].asstr()[:][keep])
    conf = np.stack([f['confidence/' + c][:] for c in TOKCONF], 1)
    d['T'] = np.concatenate([A[off[i]:off[i + 1]] for i in keep])
    d['TC'] = np.nan_to_num(np.concatenate([conf[off[i]:off[i + 1]] for i in keep]))
    d['ex'] = np.concatenate([np.full(off[i + 1] - off[i], k) for k, i in enumerate(keep)])
    return d

def merge(ds):
    out = {k: np.concatenate([d[k] for d in ds]) for k in ['T', 'TC', 'M', 'C', 'y', 'g']}
    base, ex = 0, []
    for d in ds: ex.append(d['ex'] + base); base += len(d['y'])
    out['ex'] = np.concatenate(ex)
    return out

def subset(d, idx):  # the answers idx (and their tokens) of d
    m = np.isin(d['ex'], idx); remap = -np.ones(len(d['y']), int); remap[idx] = np.arange(len(idx))
    return dict(T=d['T'][m], TC=d['TC'][m], ex=remap[d['ex'][m]], M=d['M'][idx], C=d['C'][idx], y=d['y'][idx], g=d['g'][idx])

def standardiser(X): mu, sd = X.mean(0), X.std(0) + 1e-6; return lambda Z: (Z - mu) / sd

def fit_tokens(d, hybrid, C):  # one row per answer token, each answer weighing 1 in all
    sx, sc = standardiser(d['T']), standardiser(d['TC'])
    feats = lambda e: np.hstack([sx(e['T']), 4 * sc(e['TC'])]) if hybrid else sx(e['T'])
    w = 1.0 / np.bincount(d['ex'])[d['ex']]
    clf = LogisticRegression(C=C, max_iter=3000).fit(feats(d), d['y'][d['ex']], sample_weight=w * len(w) / w.sum())
    return lambda e: aggregate(clf.decision_function(feats(e)), e)

def fit_mean(d, C):  # the shipped kind: hybrid on the answer's mean row
    sx, sc = standardiser(d['M']), standardiser(d['C'])
    feats = lambda e: np.hstack([sx(e['M']), 4 * sc(e['C'])])
    clf = LogisticRegression(C=C, max_iter=3000).fit(feats(d), d['y'])
    return lambda e: {'': clf.decision_function(feats(e))}

def aggregate(s, e):
    n = len(e['y']); count = np.bincount(e['ex'], minlength=n)
    low = np.full(n, np.inf); np.minimum.at(low, e['ex'], s)
    soft = -np.log(np.bincount(e['ex'], np.exp(-np.clip(s, -30, 30)), n) / count)
    return {'-mean': np.bincount(e['ex'], s, n) / count, '-min': low, '-softmin': soft}

def within(s, y, g):
    return np.mean([roc_auc_score(y[g == t], s[g == t]) for t in np.unique(g) if 0 < y[g == t].sum() < (g == t).sum()])

def fit(work, layer, C):
    tr = merge([load(work, n, layer) for n in TRAIN]); tests = {n: load(work, n, layer) for n in TESTS}
    print(f'layer {layer}, C {C}: {len(tr["y"])} training answers, {len(tr["T"])} tokens, {tr["y"].mean():.3f} right')
    kinds = {'token': lambda d: fit_tokens(d, False, C), 'token hybrid': lambda d: fit_tokens(d, True, C),
             'answer_mean hybrid': lambda d: fit_mean(d, C)}
    cv = {}
    for a, b in GroupKFold(5).split(tr['y'], tr['y'], tr['g']):
        train, held = subset(tr, a), subset(tr, b)
        for kind, make in kinds.items():
            for agg, s in make(train)(held).items(): cv.setdefault(kind + agg, []).append(within(s, held['y'], held['g']))
        cv.setdefault('min log-prob', []).append(within(held['C'][:, 0], held['y'], held['g']))
    print('| detector | CV within topics | ' + ' | '.join(TESTS) + ' |\n|---|---|' + '---|' * len(TESTS))
    rows = {}
    for kind, make in kinds.items():
        probe = make(tr)
        for n, e in tests.items():
            for agg, s in probe(e).items(): rows.setdefault(kind + agg, {})[n] = s
    for n, e in tests.items():
        rows.setdefault('min log-prob', {})[n] = e['C'][:, 0]; rows.setdefault('mean log-prob', {})[n] = e['C'][:, 1]
    for name, scores in rows.items():
        cells = [f'{roc_auc_score(tests[n]["y"], s):.3f} ({within(s, tests[n]["y"], tests[n]["g"]):.3f})' for n, s in scores.items()]
        print(f'| {name} | {np.mean(cv[name]):.3f} | ' + ' | '.join(cells) + ' |' if name in cv else f'| {name} | | ' + ' | '.join(cells) + ' |')

if __name__ == '__main__':
    fit(sys.argv[1], int(sys.argv[2]), float(sys.argv[3]) if len(sys.argv) > 3 else 0.001)
