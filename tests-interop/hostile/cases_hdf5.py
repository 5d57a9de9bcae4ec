"""HDF5 activation files: bookkeeping attributes edited with h5py to nonsense, datasets removed or retyped,
/tokens/offsets out of order, truncated and bit-flipped files, non-activation files named .h5.

Each damaged file is opened by inspect, train and sweep (and eval / capture --resume / merge for some)."""
import os
import shutil

import h5py
import numpy as np

from common import Case

NAN = float("nan")


def attr(name, value):
    def edit(f):
        f.attrs[name] = value
    return edit


def del_attr(name):
    def edit(f):
        del f.attrs[name]
    return edit


def del_obj(path):
    def edit(f):
        del f[path]
    return edit


def replace(path, make):
    """Replaces dataset `path` by make(old_array)."""
    def edit(f):
        old = f[path][()]
        del f[path]
        f[path] = make(old)
    return edit


HOOK = "/activations/blocks.3.hook_resid_post"

EDITS = {
    "n_layers -1": attr("n_layers", np.int64(-1)),
    "n_layers 0": attr("n_layers", np.int64(0)),
    "n_layers 2^62": attr("n_layers", np.int64(2 ** 62)),
    "n_layers string": attr("n_layers", "thirty"),
    "n_layers NaN float": attr("n_layers", NAN),
    "d_model 0": attr("d_model", np.int64(0)),
    "d_model -1": attr("d_model", np.int64(-1)),
    "d_model 10^12": attr("d_model", np.int64(10 ** 12)),
    "d_model 575 (not the data's)": attr("d_model", np.int64(575)),
    "committed_rows -1": attr("committed_rows", np.int64(-1)),
    "committed_rows 10^12": attr("committed_rows", np.int64(10 ** 12)),
    "committed_rows one past the data": attr("committed_rows", np.int64(41)),
    "committed_rows string": attr("committed_rows", "40"),
    "format other": attr("format", "other.format"),
    "format missing": del_attr("format"),
    "format_version 99": attr("format_version", np.int64(99)),
    "format_version -1": attr("format_version", np.int64(-1)),
    "hooks attribute missing": del_attr("hooks"),
    "hooks attribute empty": attr("hooks", np.array([], dtype=h5py.string_dtype())),
    "hooks name a missing dataset": attr("hooks", np.array(["blocks.99.hook_resid_post"], dtype=h5py.string_dtype())),
    "hooks attribute ints": attr("hooks", np.array([1, 2, 3])),
    "hook name hostile": attr("hooks", np.array(["../../etc/passwd"], dtype=h5py.string_dtype())),
    "position sideways": attr("position", "sideways"),
    "position missing": del_attr("position"),
    "model_sha256 int": attr("model_sha256", np.int64(7)),
    "answer_sampling int": attr("answer_sampling", np.int64(7)),
    "answer_sampling 1 MB with newlines": attr("answer_sampling", "temperature=1\n" * 70000),
    "label dataset missing": del_obj("/examples/label"),
    "text dataset missing": del_obj("/examples/text"),
    "activations group missing": del_obj("/activations"),
    "hook dataset missing": del_obj(HOOK),
    "labels float64 NaN": replace("/examples/label", lambda a: np.full(a.shape, NAN)),
    "labels 7 and -3": replace("/examples/label", lambda a: np.where(np.arange(len(a)) % 2 == 0, 7, -3).astype("i1")),
    "labels 5 rows longer": replace("/examples/label", lambda a: np.concatenate([a, a[:5]])),
    "labels 2-D": replace("/examples/label", lambda a: a.reshape(-1, 1)),
    "text dataset ints": replace("/examples/text", lambda a: np.arange(len(a))),
    "activations int8": replace(HOOK, lambda a: a.astype("i1")),
    "activations float64": replace(HOOK, lambda a: a.astype("f8")),
    "activations 1-D": replace(HOOK, lambda a: a[:, 0].copy()),
    "activations 3-D": replace(HOOK, lambda a: a[:, None, :].copy()),
    "activations wrong width": replace(HOOK, lambda a: a[:, :575].copy()),
    "activations fewer rows": replace(HOOK, lambda a: a[:10].copy()),
    "activations all NaN": replace(HOOK, lambda a: np.full(a.shape, NAN, np.float32)),
    "activations strings": replace(HOOK, lambda a: np.array(["x"] * len(a), dtype=h5py.string_dtype())),
    "confidence column wrong length": replace("/confidence/mean_logprob", lambda a: a[:3].copy()),
    "labels all one class": replace("/examples/label", lambda a: np.ones_like(a)),
}

TOKEN_EDITS = {
    "offsets decreasing": replace("/tokens/offsets", lambda a: a[::-1].copy()),
    "offsets past the token count": replace("/tokens/offsets", lambda a: a + 10 ** 9),
    "offsets negative": replace("/tokens/offsets", lambda a: a - 10 ** 6),
    "offsets one short": replace("/tokens/offsets", lambda a: a[:-1].copy()),
    "offsets float": replace("/tokens/offsets", lambda a: a.astype("f8") + 0.5),
    "offsets missing": del_obj("/tokens/offsets"),
}


# Damage the reader tolerates on purpose: rows past committed_rows (an interrupted write), committed_rows past the
# rows (clamped to what is there), hooks found from /activations when the attribute is gone, other stored dtypes
# (HDF5 converts), a hook of another width (mlp_post is wider than d_model). They may run, but must not crash.
TOLERATED = {"d_model 575 (not the data's)", "committed_rows 10^12", "committed_rows one past the data",
             "hooks attribute missing", "hooks attribute empty", "labels 5 rows longer", "labels 2-D",
             "text dataset ints", "activations int8", "activations float64", "activations wrong width",
             "activations 1-D", "activations 3-D", "offsets float", "answer_sampling 1 MB with newlines"}
# inspect only describes the file; the commands that use these datasets must refuse them.
DESCRIBED = {"labels float64 NaN", "labels 7 and -3", "activations fewer rows", "activations all NaN",
             "activations strings", "confidence column wrong length", "labels all one class"}


def expectation(name, cmd):
    return "any" if name in TOLERATED or (cmd == "inspect" and name in DESCRIBED) else "error"


def commands(ctx, path, i):
    out = os.path.join(ctx.tmp, "h%03d.json" % i)
    return [("inspect", ["inspect", path]),
            ("train", ["train", "--acts", path, "--probe", "logistic", "--layer", "3", "--out", out, "--quiet"]),
            ("sweep", ["sweep", "--acts", path, "--probe", "logistic", "--quiet"]),
            ("eval", ["eval", "--probe", ctx.acts_probe, "--acts", path])]


def cases(ctx):
    tmp, out = ctx.tmp, []
    for name, argv in commands(ctx, ctx.acts, 999)[1:]:
        out.append(Case("hdf5", "baseline %s on the undamaged file" % name, argv, expect="ok", timeout=60))
    n = 0
    for group, base, edits in (("", ctx.acts, EDITS), ("position=all ", ctx.acts_all, TOKEN_EDITS)):
        for name, edit in edits.items():
            path = os.path.join(tmp, "e%03d.h5" % n)
            shutil.copyfile(base, path)
            with h5py.File(path, "r+") as f:
                edit(f)
            picks = commands(ctx, path, n)
            if n % 4:
                picks = picks[:3]
            for cmd, argv in picks:
                out.append(Case("hdf5", "%s%s: %s" % (group, name, cmd), argv, timeout=30,
                                expect=expectation(name, cmd)))
            if n % 5 == 0:
                out.append(Case("hdf5", "%s%s: capture --resume" % (group, name),
                                ["capture", "--model", ctx.model, "--dataset", "datasets/capitals.csv", "--limit", "41",
                                 "--layers", "2,3", "--out", path, "--resume", "--quiet"], timeout=30,
                                expect=expectation(name, "resume")))
            n += 1
    with open(ctx.acts, "rb") as f:
        raw = f.read()
    rng = ctx.rng
    for off in sorted({0, 8, 100, 512, 2048, len(raw) // 2, len(raw) - 1} | {rng.randrange(1, len(raw)) for _ in range(5)}):
        path = os.path.join(tmp, "t%07d.h5" % off)
        with open(path, "wb") as f:
            f.write(raw[:off])
        out.append(Case("hdf5", "cut at byte %d: inspect" % off, ["inspect", path]))
        out.append(Case("hdf5", "cut at byte %d: train" % off, commands(ctx, path, 900)[1][1]))
    for k in range(12):
        pos, bit = rng.randrange(0, min(len(raw), 8192)), rng.randrange(8)
        b = bytearray(raw)
        b[pos] ^= 1 << bit
        path = os.path.join(tmp, "f%02d.h5" % k)
        with open(path, "wb") as f:
            f.write(b)
        out.append(Case("hdf5", "bit %d of byte %d flipped: train" % (bit, pos), commands(ctx, path, 901)[1][1],
                        expect="any"))
    one_class = os.path.join(tmp, "e%03d.h5" % list(EDITS).index("labels all one class"))
    for extra in (["--json"], ["--report", os.path.join(tmp, "one_class_report")]):
        out.append(Case("hdf5", "labels all one class: eval " + extra[0],
                        ["eval", "--probe", ctx.acts_probe, "--acts", one_class] + extra))
    others = {"empty .h5": b"", "text named .h5": b"hello\n", "GGUF named .h5": open(ctx.tiny, "rb").read()}
    for name, data in others.items():
        path = os.path.join(tmp, name.replace(" ", "_"))
        with open(path, "wb") as f:
            f.write(data)
        out.append(Case("hdf5", name + ": train", commands(ctx, path, 902)[1][1]))
        out.append(Case("hdf5", name + ": eval", commands(ctx, path, 902)[3][1]))
    fifo = os.path.join(tmp, "fifo.h5")  # libhdf5's open of a named pipe used to wait forever for a writer
    os.mkfifo(fifo)
    for cmd, argv in commands(ctx, fifo, 904):
        out.append(Case("hdf5", "a named pipe as the activation file: " + cmd, argv, timeout=10))
    foreign = os.path.join(tmp, "foreign.h5")
    with h5py.File(foreign, "w") as f:
        f["x"] = np.zeros((4, 4))
        f.create_group("activations")
    for cmd, argv in commands(ctx, foreign, 903):
        out.append(Case("hdf5", "foreign HDF5 file: " + cmd, argv))
    out.append(Case("hdf5", "merge of a damaged shard", ["merge", os.path.join(tmp, "e000.h5"),
                                                         os.path.join(tmp, "e001.h5"), "--out",
                                                         os.path.join(tmp, "merged.h5")]))
    out.append(Case("hdf5", "merge of a truncated file", ["merge", ctx.acts, os.path.join(tmp, "t0000512.h5"),
                                                          "--out", os.path.join(tmp, "merged2.h5")]))
    return out
