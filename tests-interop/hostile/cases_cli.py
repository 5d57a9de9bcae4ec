"""Numbers on the command line: negative, zero, huge, NaN/inf, malformed, across every command's numeric options.

Every value listed for an option is one the option must refuse with an error that names it. Values that are
legal but extreme (a limit larger than the data) are in HUGE_OK: they may run, but must neither crash nor hang."""
import os

from common import Case

INT_BAD = ["-1", "9223372036854775808", "-9223372036854775809", "1e999", "nan", "", "0x10", "3abc"]
FLOAT_BAD = ["nan", "inf", "-inf", "1e999", "abc", ""]
I64MAX = "9223372036854775807"


def option_table(ctx, tmp):
    tiny = ["--model", ctx.tiny]
    real = ["--model", ctx.model]
    csv = os.path.join(tmp, "cli.csv")
    with open(csv, "w") as f:
        f.write("statement,label\nParis is in France.,1\nBerlin is in Spain.,0\n")
    cap = ["capture"] + tiny + ["--dataset", csv, "--out", os.path.join(tmp, "cli_out.h5"), "--layers", "0",
                                "--quiet"]
    gen = ["generate"] + tiny + ["--prompt", "hi"]
    train = ["train", "--acts", ctx.acts, "--probe", "logistic", "--layer", "3", "--out",
             os.path.join(tmp, "cli_p.json"), "--quiet"]
    mlp = ["train", "--acts", ctx.acts, "--probe", "mlp", "--layer", "3", "--out", os.path.join(tmp, "cli_m.json"),
           "--quiet"]
    sweep = ["sweep", "--acts", ctx.acts, "--probe", "logistic", "--quiet"]
    serve = ["serve"] + real + ["--probe", ctx.real_probe or ctx.acts_probe, "--allow-model-mismatch"]
    ask = ["ask"] + real + ["--probe", ctx.real_probe or ctx.acts_probe, "--question", "hi", "--allow-model-mismatch"]
    bench = ["bench"] + tiny
    imp = ["import", "--array", os.path.join(tmp, "good.npy"), "--csv", os.path.join(tmp, "two.csv"), "--out",
           os.path.join(tmp, "cli_imp.h5"), "--model-name", "m", "--model-sha256", "0" * 64]
    gen2 = ["generalize", "--acts", ctx.acts, ctx.acts, "--probe", "logistic"]
    # (base argv, option, extra bad values beyond the type's list, huge-but-legal values)
    return [
        (["inspect", ctx.tiny], "--max-tensors", [], [I64MAX]),
        (gen, "--max-tokens", ["-5"], [I64MAX, "0"]),
        (gen, "--temperature", ["-1", "-0.5"], ["1e300"]),
        (gen, "--top-k", ["-2"], [I64MAX]),
        (gen, "--top-p", ["0", "-0.1", "1.5", "1e-320"], []),
        (gen, "--seed", ["-1"], ["18446744073709551615"]),
        (gen, "--threads", ["0", "-1"], ["100000"]),
        (cap, "--batch-size", ["0", "-5"], [I64MAX]),
        (cap, "--limit", ["0", "-1"], [I64MAX]),
        (cap, "--max-answer-tokens", ["-1"], []),
        (cap, "--compression", ["-1", "10", "99"], []),
        (cap, "--shard", ["-1/2", "0/0", "2/2", "a/b", "1/", "0/%s" % I64MAX + "0", "0/-3"], []),
        (cap, "--layers", ["-3", "99", "3-1", "0-1099511627776", "1,,2", "nan", "--", "%s" % I64MAX], []),
        (cap, "--threads", ["0", "-1"], []),
        (train, "--seed", ["-1"], ["18446744073709551615"]),
        (train, "--split", ["0", "-0.5", "1.5"], []),
        (train, "--C", ["0", "-1"], ["1e300"]),
        (train, "--max-false-ok", ["-1", "2"], []),
        (train, "--max-true-flagged", ["-1", "2"], []),
        (train, "--layer", ["-1", "99", I64MAX, "1e3"], []),
        (mlp, "--epochs", ["0", "-1"], []),
        (mlp, "--weight-decay", ["-1"], []),
        (train[:-1] + ["--layer", "best"], "--folds", ["1", "0", "-1", I64MAX], []),
        (sweep, "--layers", ["-1", "99", "5-2"], []),
        (train, "--max-memory", ["-1", "abc", "", "nan", "1e999", "4Q", "1.5.2G"], ["0", "999T"]),
        (sweep, "--max-memory", ["-1", "lots"], ["1"]),
        (sweep, "--split", ["0", "1.5"], []),
        (gen2, "--layer", ["-2", "99"], []),
        (ask, "--max-tokens", ["-1", "0"], []),
        (serve, "--port", ["-1", "70000", "65536"], []),
        (serve, "--queue-capacity", ["0", "-1"], []),
        (serve, "--max-tokens-limit", ["0", "-1"], []),
        (serve, "--max-body-bytes", ["0", "-1"], []),
        (serve, "--header-timeout", ["0", "-1"], []),
        (serve, "--body-timeout", ["0", "-1"], []),
        (serve, "--idle-timeout", ["0", "-1"], []),
        (serve, "--max-connections", ["0", "-1"], []),
        (bench, "--repeats", ["0", "-1"], []),
        (bench, "--statements", ["0", "-1"], []),
        (bench, "--batch-size", ["0", "-1"], []),
        (bench, "--decode-tokens", ["-1"], []),
        (imp, "--n-layers", ["-1", "0"], []),
        (imp, "--layer", ["-1"], ["99"]),  # n_layers then defaults to layer + 1
    ]


FLOAT_OPTIONS = {"--temperature", "--top-p", "--split", "--C", "--max-false-ok", "--max-true-flagged",
                 "--weight-decay", "--header-timeout", "--body-timeout", "--idle-timeout"}
STRING_OPTIONS = {"--shard", "--layers", "--max-memory"}


def unique_outputs(argv, n):
    """The base argv with its output files renamed for case n (an accepted case must not make the next one fail
    with "already exists")."""
    return [a.replace("cli_", "cli%d_" % n) if isinstance(a, str) and "/cli_" in a and not a.endswith((".csv", ".npy"))
            else a for a in argv]


def cases(ctx):
    out = []
    for base, opt, extra, huge in option_table(ctx, ctx.tmp):
        if opt in STRING_OPTIONS:
            bad = extra
        elif opt in FLOAT_OPTIONS:
            bad = FLOAT_BAD[:3] + extra if len(extra) > 2 else FLOAT_BAD + extra
        elif opt == "--seed":  # UInt64: 2^63 is a legal seed
            bad = ["-1", "18446744073709551616", "nan"] + extra
        else:
            bad = INT_BAD[:4] + extra if opt not in ("--max-tokens", "--batch-size", "--port") else INT_BAD + extra
        seen = set()
        for v in bad:
            if v in seen:
                continue
            seen.add(v)
            name = "%s %s=%r" % (base[0], opt, v)
            out.append(Case("cli", name, unique_outputs(base, len(out)) + ["%s=%s" % (opt, v)], want=(opt, opt.lstrip("-"), v or "''"),
                            timeout=30))
        for v in huge:
            out.append(Case("cli", "%s %s=%s (legal, extreme)" % (base[0], opt, v),
                            unique_outputs(base, len(out)) + ["%s=%s" % (opt, v)],
                            expect="any", timeout=40))
    # An empty API key must refuse to start, never mean "no auth" (hardening defect 3).
    serve = ["serve", "--model", ctx.model, "--probe", ctx.real_probe or ctx.acts_probe, "--port", "0"]
    out.append(Case("cli", "serve --api-key ''", serve + ["--api-key="], want="key"))
    out.append(Case("cli", "serve with POLYGRAPH_API_KEY=''", serve, env={"POLYGRAPH_API_KEY": ""}, want="key"))
    return out
