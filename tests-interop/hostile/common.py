"""Cases, the checks every case must pass, and the runner.

A case runs `polygraph ARGS...` (or, for HTTP, a Python function) and passes when it
  - ends within its time limit (no hang),
  - does not crash: exit code 1-127 (or 0 where success is allowed), never a signal or >= 128, no Swift trap,
  - on failure says so clearly: stderr has an "Error:" line, and neither a raw HDF5 diagnostic dump nor Swift's
    internal type names (DecodingError, Optional(...), Swift.*) nor a long dump,
  - and, where a case names text the message must contain (`want`), has it.
"""
import os
import re
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable, Optional

RAW_DIAGNOSTICS = re.compile(
    r"HDF5-DIAG|#0\d\d: |H5[A-Z][A-Za-z]*_[a-z_]+\(|Fatal error|Illegal instruction|Segmentation fault|Bus error"
    r"|Swift\.|DecodingError|EncodingError|keyNotFound\(|typeMismatch\(|valueNotFound\(|dataCorrupted\("
    r"|CodingKeys|Optional\(|NSCocoaErrorDomain|Error Domain=|_GenericObjCError|The operation could not be completed"
    r"|Expected to decode|Array<|Dictionary<"
    r"|GGUFError\.|InferenceError\.|TokenizationError\.|ProbeError\.|StoreError\.|HDF5Error\.|CommandError\.")
MAX_STDERR = 8000  # a clean error is a few lines; more is a dump


@dataclass
class Case:
    category: str
    name: str
    argv: list = field(default_factory=list)
    expect: str = "error"  # "error": must fail cleanly; "any": may also succeed (no crash, no hang); "ok": must succeed
    timeout: float = 20.0
    stdin: Optional[bytes] = None
    want: object = None  # text (or tuple of alternatives) the output must contain, e.g. the option at fault
    prepare: Optional[Callable] = None  # called right before the case runs (in its lane)
    lane: Optional[str] = None      # cases of one lane run in order, one at a time
    xfail: Optional[str] = None     # a known defect: the reason, printed in the summary
    func: Optional[Callable] = None  # custom check instead of a CLI run: returns (ok, detail)
    env: Optional[dict] = None      # extra environment variables for the run


@dataclass
class Result:
    case: Case
    ok: bool
    detail: str
    seconds: float


def check_cli(case, rc, out, err, seconds):
    """(ok, detail) for one finished CLI run."""
    text = err + out
    if rc is None:
        return False, "hang: no exit within %.0f s" % case.timeout
    if rc < 0 or rc >= 128:
        return False, "crash: exit %d; %s" % (rc, first_lines(err))
    bad = RAW_DIAGNOSTICS.search(text)
    if bad:
        return False, "raw diagnostic %r (exit %d): %s" % (bad.group(0), rc, first_lines(text))
    if case.expect == "ok":
        return (rc == 0), "exit %d: %s" % (rc, first_lines(err or out))
    if rc == 0:
        if case.expect == "any":
            return True, "accepted (exit 0)"
        return False, "accepted (exit 0), expected an error: %s" % first_lines(out or err)
    if "Error:" not in err and "error:" not in err:
        return False, "exit %d without an Error: line: %s" % (rc, first_lines(err or out))
    if len(err) > MAX_STDERR:
        return False, "exit %d with %d bytes on stderr (a dump): %s" % (rc, len(err), first_lines(err))
    wants = [case.want] if isinstance(case.want, str) else list(case.want or [])
    if wants and not any(w in text for w in wants):
        return False, "exit %d, message names none of %r: %s" % (rc, wants, first_lines(err))
    return True, "exit %d: %s" % (rc, first_lines(err, 1))


def first_lines(text, n=2):
    lines = [ln for ln in text.strip().splitlines() if ln.strip()][:n]
    return " | ".join(ln[:200] for ln in lines)


def run_cli(case, binary, cwd):
    start = time.monotonic()
    try:
        env = dict(os.environ, **case.env) if case.env else None
        p = subprocess.run([binary] + [str(a) for a in case.argv], input=case.stdin, cwd=cwd, env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=case.timeout,
                           stdin=None if case.stdin is not None else subprocess.DEVNULL)
        rc, out, err = p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired as e:
        rc, out, err = None, e.stdout or b"", e.stderr or b""
    seconds = time.monotonic() - start
    out = out.decode("utf-8", "replace")[:200000]
    err = err.decode("utf-8", "replace")[:200000]
    ok, detail = check_cli(case, rc, out, err, seconds)
    return ok, detail, seconds


def run_one(case, binary, cwd):
    start = time.monotonic()
    try:
        if case.prepare:
            case.prepare()
        if case.func:
            ok, detail = case.func()
            seconds = time.monotonic() - start
        else:
            ok, detail, seconds = run_cli(case, binary, cwd)
    except Exception as e:  # a broken case is a failed case, not a broken suite
        ok, detail, seconds = False, "case error: %s: %s" % (type(e).__name__, e), time.monotonic() - start
    return Result(case, ok, detail, seconds)


def run_all(cases, binary, cwd, workers, on_result):
    """Runs lane-less cases in parallel and each lane's cases in order; calls on_result(result) as each ends."""
    lanes, singles = {}, []
    for c in cases:
        (lanes.setdefault(c.lane, []) if c.lane else singles).append(c)
    lock = threading.Lock()
    results = []

    def done(r):
        with lock:
            results.append(r)
            on_result(r)

    def run_lane(lane_cases):
        for c in lane_cases:
            done(run_one(c, binary, cwd))

    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(run_lane, lc) for lc in lanes.values()]
        futures += [pool.submit(lambda c=c: done(run_one(c, binary, cwd))) for c in singles]
        for f in futures:
            f.result()
    return results


def env_workers():
    return int(os.environ.get("HOSTILE_WORKERS", min(4, max(2, os.cpu_count() or 2))))
