#!/usr/bin/env python3
"""Copy a Polygraph activation file keeping only the rows whose /examples/meta/topic is TOPIC ("only") or is not
("except"), every per-row dataset filtered alike (for experiments that hold one topic of a capture out).

usage: python3 benchmarks/experiments/h5_filter_topic.py SRC.h5 DST.h5 only|except TOPIC
"""
import sys, h5py, numpy as np
src, dst, mode, topic = sys.argv[1:5]
with h5py.File(src) as f, h5py.File(dst, "w") as g:
    t = np.array([v.decode() if isinstance(v, bytes) else str(v) for v in f["examples/meta/topic"][:]])
    keep = (t == topic) if mode == "only" else (t != topic)
    n = int(keep.sum())
    for k, v in f.attrs.items(): g.attrs[k] = v
    g.attrs["committed_rows"] = np.int64(n)
    def copy(name, obj):
        if isinstance(obj, h5py.Dataset):
            data = obj[:][keep]
            if obj.dtype.kind == "O":
                d = g.create_dataset(name, data=data.astype(object), dtype=h5py.string_dtype(), maxshape=(None,) + obj.shape[1:], chunks=True)
            else:
                d = g.create_dataset(name, data=data, maxshape=(None,) + obj.shape[1:], chunks=True)
            for k, v in obj.attrs.items(): d.attrs[k] = v
        else:
            grp = g.require_group(name)
            for k, v in obj.attrs.items(): grp.attrs[k] = v
    f.visititems(copy)
print(dst, n)
