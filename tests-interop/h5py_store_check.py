"""Checks `polygraph import` output with h5py, and polygraph's reading of an h5py-written file.

Usage: h5py_store_check.py POLYGRAPH_BIN WORKDIR. Prints one line per check and "N passed, M failed".
"""
import csv
import json
import os
import subprocess
import sys

import h5py
import numpy as np

BIN, WORK = sys.argv[1], sys.argv[2]
passed, failed = 0, 0


def check(name, condition, detail=""):
    global passed, failed
    if condition:
        passed += 1
        print(f"ok    {name}")
    else:
        failed += 1
        print(f"FAIL  {name} {detail}")


def polygraph(*args):
    return subprocess.run([BIN, *args], capture_output=True, text=True)


n, layers, d = 300, 4, 16
rng = np.random.default_rng(1)
states = rng.standard_normal((n, layers, d)).astype("<f4")
texts = [f"Statement {i}, with a comma and \"quotes\" — ü {i % 7}" for i in range(n)]
labels = [i % 3 == 0 for i in range(n)]
countries = [f"C{i % 5}" for i in range(n)]
csv_path = os.path.join(WORK, "cities_demo.csv")
with open(csv_path, "w", newline="", encoding="utf-8") as handle:
    writer = csv.writer(handle)
    writer.writerow(["statement", "label", "country"])
    for text, label, country in zip(texts, labels, countries):
        writer.writerow([text, "true" if label else "0", country])
npy3 = os.path.join(WORK, "states.npy")
np.save(npy3, states)

# 1. A 3-D float32 array with default compression.
out = os.path.join(WORK, "acts.h5")
run = polygraph("import", "--array", npy3, "--csv", csv_path, "--out", out, "--model-name", "demo-model",
                "--model-sha256", "f" * 64, "--model-architecture", "llama", "--json")
check("import of [n, layers, d] float32 succeeds", run.returncode == 0, run.stderr)
summary = json.loads(run.stdout) if run.returncode == 0 else {}
check("import --json reports the example count", summary.get("examples") == n, run.stdout)
with h5py.File(out, "r") as f:
    hooks = [f"blocks.{l}.hook_resid_post" for l in range(layers)]
    check("format attribute", f.attrs["format"] == "polygraph.activations", repr(f.attrs.get("format")))
    check("format_version is the int 1", int(f.attrs["format_version"]) == 1)
    check("model attributes", (f.attrs["model_name"], f.attrs["model_architecture"], f.attrs["model_sha256"])
          == ("demo-model", "llama", "f" * 64))
    check("n_layers and d_model", (int(f.attrs["n_layers"]), int(f.attrs["d_model"])) == (layers, d))
    check("position and committed_rows", f.attrs["position"] == "last" and int(f.attrs["committed_rows"]) == n)
    check("hooks attribute lists the hooks", list(f.attrs["hooks"]) == hooks, repr(f.attrs["hooks"]))
    check("created_at / created_by present", "T" in f.attrs["created_at"] and f.attrs["created_by"].startswith("polygraph"))
    check("one dataset per hook", sorted(f["activations"].keys()) == sorted(hooks), repr(list(f["activations"].keys())))
    for l, hook in enumerate(hooks):
        ds = f["activations"][hook]
        ok = ds.shape == (n, d) and ds.dtype == np.float32 and ds.maxshape == (None, d)
        check(f"{hook}: shape/dtype/maxshape", ok, f"{ds.shape} {ds.dtype} {ds.maxshape}")
        check(f"{hook}: rows equal the source array", np.array_equal(ds[:], states[:, l, :]))
    ds = f["activations"][hooks[2]]
    check("compression is shuffle + gzip level 1", ds.compression == "gzip" and ds.compression_opts == 1 and ds.shuffle,
          f"{ds.compression} {ds.compression_opts} {ds.shuffle}")
    check("activations are chunked", ds.chunks is not None and ds.chunks[1] == d, repr(ds.chunks))
    check("a row range reads back", np.array_equal(ds[57:61], states[57:61, 2, :]))
    check("texts", list(f["examples/text"].asstr()[:]) == texts)
    check("labels are int8 1/0", f["examples/label"].dtype == np.int8
          and list(f["examples/label"][:]) == [1 if x else 0 for x in labels])
    check("source is the CSV stem", set(f["examples/source"].asstr()[:]) == {"cities_demo"})
    check("n_tokens is int32 [n]", f["examples/n_tokens"].dtype == np.int32 and f["examples/n_tokens"].shape == (n,))
    check("extra CSV columns kept under examples/meta", list(f["examples/meta/country"].asstr()[:]) == countries)

# 2. A 2-D float64 array, no compression, explicit layer.
npy2 = os.path.join(WORK, "layer7.npy")
np.save(npy2, states[:, 1, :].astype("<f8"))
out2 = os.path.join(WORK, "layer7.h5")
run = polygraph("import", "--array", npy2, "--csv", csv_path, "--out", out2, "--model-name", "m", "--model-sha256", "0",
                "--layer", "7", "--compression", "none")
check("import of [n, d] float64 with --layer succeeds", run.returncode == 0, run.stderr)
with h5py.File(out2, "r") as f:
    ds = f["activations/blocks.7.hook_resid_post"]
    check("--compression none stores no filter", ds.compression is None and not ds.shuffle)
    check("float64 input is stored as float32", ds.dtype == np.float32 and np.array_equal(ds[:], states[:, 1, :]))

# 3. Float16, HF hidden_states naming.
npy16 = os.path.join(WORK, "hf.npy")
np.save(npy16, states.astype("<f2"))
out3 = os.path.join(WORK, "hf.h5")
run = polygraph("import", "--array", npy16, "--csv", csv_path, "--out", out3, "--model-name", "m", "--model-sha256", "0",
                "--hf-hidden-states", "--compression", "gzip-4")
check("import of float16 with --hf-hidden-states succeeds", run.returncode == 0, run.stderr)
with h5py.File(out3, "r") as f:
    names = list(f.attrs["hooks"])
    check("HF naming: embed, blocks, final norm",
          names == ["hook_embed", "blocks.0.hook_resid_post", "blocks.1.hook_resid_post", "ln_final.hook_normalized"], repr(names))
    check("n_layers is slices - 1 for HF hidden states", int(f.attrs["n_layers"]) == layers - 1)
    check("float16 values round-trip", np.array_equal(f["activations/hook_embed"][:], states[:, 0, :].astype("<f2").astype("<f4")))
    check("gzip-4 level stored", f["activations/hook_embed"].compression_opts == 4)

# 4. Refusals with clear messages.
run = polygraph("import", "--array", npy3, "--csv", csv_path, "--out", out, "--model-name", "m", "--model-sha256", "0")
check("an existing output is refused without --overwrite", run.returncode != 0 and "--overwrite" in run.stderr, run.stderr)
short_csv = os.path.join(WORK, "short.csv")
with open(short_csv, "w") as handle:
    handle.write("statement,label\nonly one,1\n")
run = polygraph("import", "--array", npy3, "--csv", short_csv, "--out", os.path.join(WORK, "x.h5"), "--model-name", "m",
                "--model-sha256", "0")
check("row-count mismatch is refused", run.returncode != 0 and "align" in run.stderr, run.stderr)
fortran = os.path.join(WORK, "fortran.npy")
np.save(fortran, np.asfortranarray(states[:, 0, :]))
run = polygraph("import", "--array", fortran, "--csv", csv_path, "--out", os.path.join(WORK, "y.h5"), "--model-name", "m",
                "--model-sha256", "0", "--layer", "0")
check("a Fortran-order array is refused", run.returncode != 0 and "Fortran" in run.stderr, run.stderr)
big = os.path.join(WORK, "big.npy")
np.save(big, states.astype(">f4"))
run = polygraph("import", "--array", big, "--csv", csv_path, "--out", os.path.join(WORK, "z.h5"), "--model-name", "m",
                "--model-sha256", "0")
check("a big-endian array is refused", run.returncode != 0 and "dtype" in run.stderr, run.stderr)

# 5. polygraph reads a file h5py wrote in the same schema (when `inspect` is wired).
h5py_file = os.path.join(WORK, "from_h5py.h5")
with h5py.File(h5py_file, "w") as f:
    for key, value in {"format": "polygraph.activations", "model_name": "hf", "model_architecture": "llama",
                       "model_sha256": "1" * 64, "position": "mean", "created_at": "2026-11-29T00:00:00Z",
                       "created_by": "h5py", "prompt_template": ""}.items():
        f.attrs[key] = value
    f.attrs["format_version"] = 1
    f.attrs["n_layers"] = 2
    f.attrs["d_model"] = d
    f.create_dataset("examples/text", data=np.array(texts[:10], dtype=object), dtype=h5py.string_dtype())
    f.create_dataset("examples/label", data=np.array([1, 0] * 5, dtype=np.int8))
    f.create_dataset("examples/source", data=np.array(["a"] * 6 + ["b"] * 4, dtype="S1"))
    f.create_dataset("examples/n_tokens", data=np.arange(10, dtype=np.int32))
    f.create_dataset("activations/blocks.1.hook_resid_post", data=states[:10, 1, :], maxshape=(None, d), chunks=(4, d),
                     compression="gzip")
if " inspect " in polygraph("--help").stdout:
    run = polygraph("inspect", h5py_file, "--json")
    ok = run.returncode == 0
    info = json.loads(run.stdout) if ok else {}
    check("polygraph inspect reads an h5py-written file", ok, run.stderr)
    check("inspect counts examples and labels", info.get("examples") == 10
          and info.get("labels") == {"true": 5, "false": 5, "unknown": 0}, run.stdout[:400])
    check("inspect lists sources", info.get("sources") == [{"name": "a", "count": 6}, {"name": "b", "count": 4}], run.stdout[:400])
else:
    print("note  polygraph inspect is not wired in this build; h5py-written file check left to the Swift tests")

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
