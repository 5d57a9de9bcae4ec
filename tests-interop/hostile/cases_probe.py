"""Probe artifacts (JSON): broken JSON, wrong types, missing fields, NaN/huge weights, huge MLP shapes, another
model's sha256. Each goes through inspect and eval; a share through ask and serve --probe with the real model."""
import copy
import json
import os

from common import Case

NAN, INF = float("nan"), float("inf")


def setp(path, value):
    """An edit that sets the dotted path (creating nothing) to value; value None deletes the key."""
    keys = path.split(".")

    def edit(d):
        for k in keys[:-1]:
            d = d[int(k)] if isinstance(d, list) else d[k]
        if value is None:
            del d[keys[-1]]
        elif callable(value):
            d[keys[-1]] = value(d[keys[-1]])
        else:
            d[keys[-1]] = value
    return edit


EDITS = {
    "format other": setp("format", "polygraph.activations"),
    "format missing": setp("format", None),
    "format_version 99": setp("format_version", 99),
    "format_version string": setp("format_version", "1"),
    "format_version 2^70": setp("format_version", 2 ** 70),
    "kind svm": setp("kind", "svm"),
    "kind number": setp("kind", 3),
    "kind missing": setp("kind", None),
    "hook missing": setp("hook", None),
    "hook empty": setp("hook", ""),
    "hook layer 99": setp("hook", "blocks.99.hook_resid_post"),
    "hook layer -1": setp("hook", "blocks.-1.hook_resid_post"),
    "hook layer 2^70": setp("hook", "blocks.%d.hook_resid_post" % 2 ** 70),
    "hook unknown point": setp("hook", "blocks.3.hook_nonsense"),
    "position sideways": setp("position", "sideways"),
    "position number": setp("position", 1),
    "weights missing": setp("parameters.weights", None),
    "weights string": setp("parameters.weights", "0.1,0.2"),
    "weights one short": setp("parameters.weights", lambda w: w[:-1]),
    "weights 10^6 long": setp("parameters.weights", lambda w: [0.0] * 1000000),
    "weights NaN": setp("parameters.weights", lambda w: [NAN] + w[1:]),
    "weights Infinity": setp("parameters.weights", lambda w: [INF] + w[1:]),
    "weights 1e400": setp("parameters.weights", lambda w: ["1e400"] + w[1:]),
    "weights null element": setp("parameters.weights", lambda w: [None] + w[1:]),
    "weights nested": setp("parameters.weights", lambda w: [w]),
    "bias NaN": setp("parameters.bias", NAN),
    "bias string": setp("parameters.bias", "0"),
    "bias missing": setp("parameters.bias", None),
    "mean one short": setp("normalization.mean", lambda m: m[:-1]),
    "mean empty": setp("normalization.mean", []),
    "scale zeros": setp("normalization.scale", lambda s: [0.0] * len(s)),
    "scale negative": setp("normalization.scale", lambda s: [-1.0] * len(s)),
    "scale NaN": setp("normalization.scale", lambda s: [NAN] * len(s)),
    "normalization missing": setp("normalization", None),
    "calibration a NaN": setp("calibration.a", NAN),
    "calibration method isotonic without breakpoints": setp("calibration.method", "isotonic"),
    "calibration method spline": setp("calibration.method", "spline"),
    "calibration missing": setp("calibration", None),
    "thresholds inverted": setp("thresholds", {"likely_false": 0.9, "uncertain": 0.1}),
    "thresholds above 1": setp("thresholds", {"likely_false": 2.0, "uncertain": 3.0}),
    "thresholds NaN": setp("thresholds", {"likely_false": NAN, "uncertain": 0.5}),
    "thresholds missing": setp("thresholds", None),
    "another model's sha256": setp("model.sha256", "ab" * 32),
    "sha256 not hex": setp("model.sha256", "not-a-sha"),
    "model missing": setp("model", None),
    "training missing": setp("training", None),
    "training seed -1": setp("training.seed", -1),
    "training metrics garbage": setp("training.metrics", [1, 2]),
    "confidence features on a logistic probe": lambda d: (d.update(kind="logistic"), d["parameters"].update(
        confidence_features=["mean_logprob"])),
    "hybrid without confidence features": lambda d: (d.update(kind="hybrid"),
                                                     d["parameters"].pop("confidence_features", None)),
}

MLP_EDITS = {
    "mlp outputs 2^55": setp("parameters.layers.0.outputs", 2 ** 55),
    "mlp outputs 2^63": setp("parameters.layers.0.outputs", 2 ** 63),
    "mlp outputs -1": setp("parameters.layers.0.outputs", -1),
    "mlp inputs 0": setp("parameters.layers.0.inputs", 0),
    "mlp layers empty": setp("parameters.layers", []),
    "mlp layers missing": setp("parameters.layers", None),
    "mlp last layer 2 outputs": setp("parameters.layers", lambda ls: ls[:-1] + [dict(ls[-1], outputs=2)]),
    "mlp weights NaN": setp("parameters.layers.0.weights", lambda w: [NAN] + w[1:]),
    "mlp bias short": setp("parameters.layers.0.bias", lambda b: b[:-1]),
}

RAW = {
    "empty file": b"",
    "not JSON": b"probe = {",
    "JSON null": b"null",
    "JSON array": b"[]",
    "deep nesting": b"[" * 200000 + b"]" * 200000,
    "invalid UTF-8": b'{"format": "polygraph.probe\xff"}',
    "10 MB of spaces": b" " * (10 << 20),
    "duplicate format keys": b'{"format": "polygraph.probe", "format": "x", "format_version": 1}',
}


# Values inspect may show (it only describes the artifact); applying the probe must refuse them.
DESCRIBED = {"another model's sha256", "sha256 not hex", "hook layer 99", "hook layer -1", "hook layer 2^70",
             "hook unknown point", "position sideways"}


def commands(ctx, path, real):
    acts = ctx.acts
    cmds = [("inspect", ["inspect", path])]
    if not real:
        cmds.append(("eval", ["eval", "--probe", path, "--acts", acts]))
    else:
        cmds.append(("ask", ["ask", "--model", ctx.model, "--probe", path, "--question", "Capital of France?",
                             "--max-tokens", "2"]))
        cmds.append(("serve", ["serve", "--model", ctx.model, "--probe", path, "--port", "0"]))
    return cmds


def cases(ctx):
    out = []
    bases = [("", ctx.acts_probe, EDITS, False), ("mlp ", ctx.mlp_probe, MLP_EDITS, False)]
    if ctx.real_probe:
        bases.append(("shipped ", ctx.real_probe, {k: EDITS[k] for k in list(EDITS)[::4]}, True))
    for (prefix, base, edits, real) in bases:
        with open(base) as f:
            doc = json.load(f)
        for name, argv in commands(ctx, base, real):
            if name != "serve":
                out.append(Case("probe", "%sbaseline %s" % (prefix, name), argv, expect="ok", timeout=40))
        for i, (name, edit) in enumerate(edits.items()):
            d = copy.deepcopy(doc)
            edit(d)
            path = os.path.join(ctx.tmp, "p_%s%02d.json" % (prefix.strip(), i))
            with open(path, "w") as f:
                f.write(json.dumps(d).replace('"1e400"', "1e400"))
            for cmd, argv in commands(ctx, path, real):
                expect = "any" if name.startswith("training") and cmd != "serve" else "error"
                if cmd == "inspect" and name in DESCRIBED:
                    expect = "any"
                if cmd == "serve" and expect == "any":
                    continue
                out.append(Case("probe", "%s%s: %s" % (prefix, name, cmd), argv, expect=expect, timeout=30))
    fifo = os.path.join(ctx.tmp, "fifo.json")
    os.mkfifo(fifo)
    for cmd, argv in commands(ctx, fifo, False) + commands(ctx, fifo, True)[1:]:
        out.append(Case("probe", "a named pipe as the probe: " + cmd, argv, timeout=15))
    for i, (name, data) in enumerate(RAW.items()):
        path = os.path.join(ctx.tmp, "praw%02d.json" % i)
        with open(path, "wb") as f:
            f.write(data)
        for cmd, argv in commands(ctx, path, False):
            out.append(Case("probe", "%s: %s" % (name, cmd), argv))
    return out
