"""CSV statements and JSONL questions: encodings, NUL bytes, missing columns, bad labels, huge lines, special files.

Each CSV goes through `import` (reads it without the model) and, for a share of them, through `capture` (real model);
each JSONL through `capture` (questions) and, for a share, `ask --questions`."""
import os

import numpy as np

from common import Case

H = b"statement,label\n"
OK_ROW = b"Berlin is in Germany.,1\n"

CSV = {
    "empty file": b"",
    "header only": H,
    "blank lines only": b"\n\n\n",
    "NUL in statement": H + b"Par\0is is in France.,1\n" + OK_ROW,
    "NUL in label": H + b"Paris is in France.,1\0\n" + OK_ROW,
    "Latin-1 byte": H + b"M\xfcnchen is in Germany.,1\n" + OK_ROW,
    "truncated UTF-8 sequence at end": H + OK_ROW + b"Caf\xc3",
    "overlong UTF-8": H + b"\xc0\xafetc,1\n" + OK_ROW,
    "UTF-16 file": ("statement,label\nParis is in France.,1\n").encode("utf-16"),
    "no label column": b"statement\nParis is in France.\nBerlin.\n",
    "no statement column": b"text,label\nParis is in France.,1\nBerlin.,0\n",
    "label yes": H + b"Paris is in France.,yes\n" + OK_ROW,
    "label 2": H + b"Paris is in France.,2\n" + OK_ROW,
    "label -1": H + b"Paris is in France.,-1\n" + OK_ROW,
    "label nan": H + b"Paris is in France.,nan\n" + OK_ROW,
    "label 1e400": H + b"Paris is in France.,1e400\n" + OK_ROW,
    "label 0.5": H + b"Paris is in France.,0.5\n" + OK_ROW,
    "label 0x1": H + b"Paris is in France.,0x1\n" + OK_ROW,
    "label inf": H + b"Paris is in France.,inf\n" + OK_ROW,
    "label 9 digits of 1": H + b"Paris is in France.,111111111111111111111111\n" + OK_ROW,
    "unterminated quote": H + b'"Paris is in France.,1\n' + OK_ROW,
    "quote inside field": H + b'Par"is" is,1\n' + OK_ROW,
    "row with one field": H + b"Paris is in France.\n" + OK_ROW,
    "row with extra fields": H + b"Paris,is,in,France,1\n" + OK_ROW,
    "duplicate columns": b"statement,statement,label\na,b,1\nc,d,0\n",
    "only commas": b",,,,\n,,,,\n",
    "empty statement": H + b",1\n" + OK_ROW,
    "lone CR line ends": b"statement,label\rParis is in France.,1\rBerlin.,0\r",
    "binary garbage": bytes(range(256)) * 8,
    "100000 columns": b",".join(b"c%d" % i for i in range(100000)) + b"\n" + b"1," * 99999 + b"1\n",
    "2 MB statement": H + b"word " * 400000 + b",1\n" + OK_ROW,
    "8 MB line without newline": b"x" * (8 << 20),
    "100000 rows of empty lines after header": H + b"\n" * 100000,
}

Q_OK = b'{"question": "What is the capital of France?", "answers": ["Paris"]}\n'
JSONL = {
    "empty file": b"",
    "blank lines only": b"\n \n\t\n",
    "not JSON": b"What is the capital of France?\n",
    "JSON array line": b'["What is the capital of France?"]\n',
    "JSON string line": b'"What is the capital of France?"\n',
    "missing question": b'{"answers": ["Paris"]}\n',
    "question number": b'{"question": 42, "answers": ["42"]}\n',
    "question null": b'{"question": null}\n',
    "question list": b'{"question": ["a", "b"]}\n',
    "question empty": b'{"question": ""}\n',
    "answers not a list": b'{"question": "Capital of France?", "answers": "Paris"}\n',
    "answers numbers": b'{"question": "Two plus two?", "answers": [4]}\n',
    "escaped NUL in question": b'{"question": "Capital\\u0000 of France?", "answers": ["Paris"]}\n',
    "raw NUL byte": b'{"question": "Capital\0 of France?"}\n',
    "invalid UTF-8": b'{"question": "Capital of M\xfcnchen?"}\n',
    "lone surrogate escape": b'{"question": "Capital \\ud800 of France?"}\n',
    "deep nesting": b"[" * 100000 + b"]" * 100000 + b"\n",
    "deep object nesting": b'{"a":' * 50000 + b"1" + b"}" * 50000 + b"\n",
    "huge number": b'{"question": "q?", "answers": ["1"], "id": 1' + b"0" * 5000 + b"}\n",
    "truncated object": b'{"question": "Capital of France?", "answ',
    "trailing garbage": b'{"question": "Capital of France?"} xyz\n',
    "UTF-8 BOM then garbage": b"\xef\xbb\xbf\xef\xbb\xbf{}\n",
    "1 MB question": b'{"question": "' + b"why " * 250000 + b'", "answers": ["because"]}\n',
    "bad second line": Q_OK + b"{oops}\n",
    "id not a string": b'{"id": {"x": 1}, "question": "Capital of France?"}\n',
    "response a number": b'{"question": "Two plus two?", "answers": ["4"], "response": 4}\n',
    "response label 2": b'{"question": "Capital of France?", "response": "Paris", "label": 2}\n',
    "response without answers or label": b'{"question": "Capital of France?", "response": "Paris"}\n',
    "escaped NUL in response": b'{"question": "Capital of France?", "response": "Pa\\u0000ris", "label": 1}\n',
    "1 MB response": b'{"question": "Capital of France?", "response": "' + b"Paris " * 170000 + b'", "label": 1}\n',
}


# Odd but readable: import may accept these (it stores the text as metadata only); capture still checks them.
LENIENT_IMPORT = {"label 0x1", "quote inside field", "empty statement", "lone CR line ends", "2 MB statement",
                  "duplicate columns"}
# A statement longer than the model's context is skipped and recorded (label -1, /examples/meta/skipped), not an error.
LENIENT = {"label 0x1", "quote inside field", "lone CR line ends", "duplicate columns", "2 MB statement"}
# Likewise a question whose prompt fills the context (label -1, /examples/meta/skipped).
LENIENT_JSONL = {"1 MB question", "1 MB response"}


def cases(ctx):
    tmp, out = ctx.tmp, []
    arr = os.path.join(tmp, "two.npy")
    np.save(arr, np.zeros((2, 8), np.float32))
    for i, (name, data) in enumerate(CSV.items()):
        path = os.path.join(tmp, "c%02d.csv" % i)
        with open(path, "wb") as f:
            f.write(data)
        out.append(Case("csv", "import: " + name, ["import", "--array", arr, "--csv", path, "--out",
                                                   os.path.join(tmp, "imp%02d.h5" % i), "--model-name", "m",
                                                   "--model-sha256", "0" * 64, "--layer", "0"],
                        expect="any" if name in LENIENT_IMPORT else "error"))
        # capture reads the dataset after loading the model: the tiny model keeps that cheap; every fourth case
        # also goes through the real one.
        for model, layer, tag in [(ctx.tiny, "0", "")] + ([(ctx.model, "3", " (real model)")] if i % 4 == 0 else []):
            out.append(Case("csv", "capture%s: %s" % (tag, name),
                            ["capture", "--model", model, "--dataset", path, "--out",
                             os.path.join(tmp, "cap%02d%s.h5" % (i, layer)), "--layers", layer, "--quiet"],
                            timeout=30, expect="any" if name in LENIENT else "error"))
    for i, (name, data) in enumerate(JSONL.items()):
        path = os.path.join(tmp, "q%02d.jsonl" % i)
        with open(path, "wb") as f:
            f.write(data)
        for model, layer, tag in [(ctx.tiny, "0", "")] + ([(ctx.model, "3", " (real model)")] if i % 4 == 0 else []):
            out.append(Case("jsonl", "capture%s: %s" % (tag, name),
                            ["capture", "--model", model, "--dataset", path, "--out",
                             os.path.join(tmp, "qcap%02d%s.h5" % (i, layer)), "--layers", layer,
                             "--max-answer-tokens", "2", "--quiet"], timeout=30,
                            expect="any" if name in LENIENT_JSONL else "error"))
        if i % 5 == 0 and ctx.real_probe:
            out.append(Case("jsonl", "ask: " + name, ["ask", "--model", ctx.model, "--probe", ctx.real_probe,
                                                      "--questions", path, "--max-tokens", "2"], timeout=30))
        out.append(Case("jsonl", "tokenize --file: " + name, ["tokenize", "--model", ctx.tiny, "--file", path,
                                                              "--bench"], expect="any"))
    # Special files where a dataset is expected.
    fifo = os.path.join(tmp, "fifo.csv")
    os.mkfifo(fifo)
    specials = {"a directory": tmp, "a missing file": os.path.join(tmp, "nope.csv"), "a FIFO": fifo,
                "/dev/zero": "/dev/zero", "/dev/null": "/dev/null"}
    for name, path in specials.items():
        out.append(Case("csv", "import --csv " + name, ["import", "--array", arr, "--csv", path, "--out",
                                                        os.path.join(tmp, "sp.h5"), "--model-name", "m",
                                                        "--model-sha256", "0" * 64, "--layer", "0"]))
        out.append(Case("jsonl", "capture --dataset %s" % name,
                        ["capture", "--model", ctx.tiny, "--dataset", path, "--out", os.path.join(tmp, "sp2.h5"),
                         "--layers", "0", "--quiet"], timeout=30))
    return out
