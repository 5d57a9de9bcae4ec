"""NumPy .npy arrays for `import`: bad magic and versions, hostile header dicts, huge and negative shapes,
unsupported dtypes, truncated data, and rows that do not match the CSV."""
import os
import struct

import numpy as np

from common import Case


def npy(header, data=b"", version=(1, 0), hlen=None, magic=b"\x93NUMPY"):
    """An .npy file with the given header text (padded to 64 bytes as numpy does) and raw data."""
    h = header.encode("latin-1") if isinstance(header, str) else header
    pre = len(magic) + 2 + (2 if version[0] == 1 else 4)
    h = h + b" " * ((-(pre + len(h) + 1)) % 64) + b"\n"
    n = len(h) if hlen is None else hlen
    size = struct.pack("<H", n) if version[0] == 1 else struct.pack("<I", n)
    return magic + bytes(version) + size + h + data


def hdr(descr="'<f4'", fortran="False", shape="(2, 8)"):
    return "{'descr': %s, 'fortran_order': %s, 'shape': %s, }" % (descr, fortran, shape)


F32 = np.arange(16, dtype="<f4").tobytes()

ARRAYS = {
    "empty file": b"",
    "five bytes": b"\x93NUMP",
    "wrong magic": npy(hdr(), F32, magic=b"\x93NUMPZ"),
    "version 9.9": npy(hdr(), F32, version=(9, 9)),
    "version 0.0": npy(hdr(), F32, version=(0, 0)),
    "header length past the end": npy(hdr(), F32, hlen=65535),
    "header length 0": npy(hdr(), F32, hlen=0),
    "v2 header length 2^32-1": npy(hdr(), F32, version=(2, 0), hlen=2 ** 32 - 1),
    "header not a dict": npy("[1, 2, 3]", F32),
    "header garbage": npy("{{{{'descr'", F32),
    "header without shape": npy("{'descr': '<f4', 'fortran_order': False, }", F32),
    "header without descr": npy("{'fortran_order': False, 'shape': (2, 8), }", F32),
    "header non-ASCII": npy(hdr(descr="'<f\xe94'"), F32),
    "header 200 kB": npy(hdr() + " " * 200000, F32, version=(2, 0)),
    "descr <i4": npy(hdr(descr="'<i4'"), F32),
    "descr >f4 (big-endian)": npy(hdr(descr="'>f4'"), F32),
    "descr |O": npy(hdr(descr="'|O'"), F32),
    "descr <c8": npy(hdr(descr="'<c8'"), F32 * 2),
    "descr structured": npy(hdr(descr="[('a', '<f4')]"), F32),
    "descr number": npy(hdr(descr="4"), F32),
    "fortran_order True": npy(hdr(fortran="True"), F32),
    "fortran_order string": npy(hdr(fortran="'no'"), F32),
    "shape ()": npy(hdr(shape="()"), F32[:4]),
    "shape (2,)": npy(hdr(shape="(2,)"), F32[:8]),
    "shape (0, 8)": npy(hdr(shape="(0, 8)")),
    "shape (2, 0)": npy(hdr(shape="(2, 0)")),
    "shape 4-D": npy(hdr(shape="(2, 1, 1, 8)"), F32),
    "shape (-1, 8)": npy(hdr(shape="(-1, 8)"), F32),
    "shape (2, -8)": npy(hdr(shape="(2, -8)"), F32),
    "shape (2^32, 2^32)": npy(hdr(shape="(4294967296, 4294967296)"), F32),
    "shape (2, 2^62)": npy(hdr(shape="(2, 4611686018427387904)"), F32),
    "shape (2, 2^40, 2^40)": npy(hdr(shape="(2, 1099511627776, 1099511627776)"), F32),
    "shape (2, 10^30)": npy(hdr(shape="(2, 1000000000000000000000000000000)"), F32),
    "shape strings": npy(hdr(shape="('2', '8')"), F32),
    "shape floats": npy(hdr(shape="(2.0, 8.0)"), F32),
    "shape 1000 dims": npy(hdr(shape="(" + "1, " * 1000 + ")"), F32),
    "data truncated": npy(hdr(), F32[:10]),
    "data missing": npy(hdr()),
    "data 3 extra bytes": npy(hdr(), F32 + b"abc"),
    "rows 3 for 2 CSV rows": npy(hdr(shape="(3, 8)"), F32 + F32[:32]),
    "3-D with zero layers": npy(hdr(shape="(2, 0, 8)")),
}


# Well-formed for numpy too (np.load reads them): a big v2 header, bytes after the data.
LEGAL = {"header 200 kB", "data 3 extra bytes"}


def cases(ctx):
    tmp, out = ctx.tmp, []
    csv = os.path.join(tmp, "two.csv")
    with open(csv, "wb") as f:
        f.write(b"statement,label\nParis is in France.,1\nBerlin is in Spain.,0\n")
    good = os.path.join(tmp, "good.npy")
    with open(good, "wb") as f:
        f.write(npy(hdr(), F32))

    def imp(path, i, extra=()):
        return ["import", "--array", path, "--csv", csv, "--out", os.path.join(tmp, "n%02d.h5" % i),
                "--model-name", "m", "--model-sha256", "0" * 64] + list(extra)

    out.append(Case("npy", "baseline 2-D import", imp(good, 99, ["--layer", "0"]), expect="ok"))
    for i, (name, data) in enumerate(ARRAYS.items()):
        path = os.path.join(tmp, "a%02d.npy" % i)
        with open(path, "wb") as f:
            f.write(data)
        out.append(Case("npy", name + " (--layer 0)", imp(path, i, ["--layer", "0"]),
                        expect="any" if name in LEGAL else "error"))
        if i % 2 == 0:
            out.append(Case("npy", name + " (--hf-hidden-states)", imp(path, i + 50, ["--hf-hidden-states"]),
                            expect="any" if name in LEGAL else "error"))
    nan = os.path.join(tmp, "nan.npy")
    np.save(nan, np.full((2, 8), np.nan, np.float32))
    out.append(Case("npy", "all NaN values", imp(nan, 97, ["--layer", "0"]), expect="any"))
    fifo = os.path.join(tmp, "fifo.npy")
    os.mkfifo(fifo)
    for name, path in {"a named pipe": fifo, "a directory": tmp, "/dev/zero": "/dev/zero", "a missing file": tmp + "/none.npy"}.items():
        out.append(Case("npy", "array is " + name, imp(path, 98, ["--layer", "0"])))
    return out
