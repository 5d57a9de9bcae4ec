"""Writes h5py_written.h5: a format_version 1 activation file made by h5py (not Polygraph), with
fixed-length source strings, an int32 format_version and gzip chunks, for ActivationStoreTests.
Values: activations[i, j] = i + j / 100 (float32), 10 rows x 8."""
import h5py
import numpy as np

with h5py.File("h5py_written.h5", "w") as f:
    for key, value in {"format": "polygraph.activations", "model_name": "hf-model", "model_architecture": "llama",
                       "model_sha256": "ab" * 32, "position": "mean", "created_at": "2026-11-29T00:00:00Z",
                       "created_by": "h5py", "prompt_template": ""}.items():
        f.attrs[key] = value
    f.attrs["format_version"] = np.int32(1)
    f.attrs["n_layers"] = 2
    f.attrs["d_model"] = 8
    f.create_dataset("examples/text", data=np.array([f"text {i}" for i in range(10)], dtype=object),
                     dtype=h5py.string_dtype())
    f.create_dataset("examples/label", data=np.array([1, 0, -1, 1, 0, 1, 0, 1, 0, 1], dtype=np.int8))
    f.create_dataset("examples/source", data=np.array(["a"] * 6 + ["b"] * 4, dtype="S1"))
    f.create_dataset("examples/n_tokens", data=np.arange(10, dtype=np.int32))
    acts = (np.arange(10)[:, None] + np.arange(8)[None, :] / 100).astype(np.float32)
    f.create_dataset("activations/blocks.1.hook_resid_post", data=acts, maxshape=(None, 8), chunks=(4, 8),
                     compression="gzip")
