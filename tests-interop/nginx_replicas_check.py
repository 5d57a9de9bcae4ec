"""Three `polygraph serve` replicas behind nginx (deploy/nginx), a bounded load, one replica killed mid-run.

Started by test_nginx_replicas.sh. Checks: every replica gets traffic and labels its /metrics with its replica id;
after a replica is SIGKILLed, every request *started after the kill* succeeds (nginx retries the refused
connection on another replica; requests in flight on the dead replica may fail and are counted); the replica is
restarted and receives traffic again once fail_timeout has passed. Stops every process it started, by pid.
usage: nginx_replicas_check.py BIN MODEL PROBE WORKDIR
"""
import http.client, json, os, socket, subprocess, sys, threading, time

BIN, MODEL, PROBE, WORK = sys.argv[1:5]
FAIL_TIMEOUT = 2
procs = {}
passed = failed = 0


def check(name, ok, detail=""):
    global passed, failed
    passed, failed = passed + bool(ok), failed + (not ok)
    print(("ok    " if ok else "FAIL  ") + name + ("" if ok else f"  {detail}"), flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(port, path, timeout=2):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read().decode()
    finally:
        conn.close()


def wait_up(port, proc, what, seconds=60):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"FAIL: {what} exited with {proc.returncode}; see {WORK}")
        try:
            if get(port, "/health")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"FAIL: {what} not up after {seconds} s")


def start_replica(name, port):
    log = open(f"{WORK}/{name}.log", "a")
    procs[name] = subprocess.Popen([BIN, "serve", "--model", MODEL, "--probe", PROBE, "--port", str(port),
                                    "--replica-id", name, "--queue-capacity", "64"], stdout=log, stderr=log)
    return procs[name]


def request(port, kind, index):
    """One request through nginx; returns (ok, detail, upstream)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        if kind == "score":
            body = {"input": f"The city of Paris is in France. ({index})"}
            conn.request("POST", "/v1/score", json.dumps(body), {"Content-Type": "application/json"})
            response = conn.getresponse()
            data = response.read()
            ok = response.status == 200 and "p_true" in data.decode()
        else:
            body = {"model": "SmolLM2-135M-Instruct.Q4_1", "stream": True, "max_tokens": 6,
                    "messages": [{"role": "user", "content": f"Name a colour. ({index})"}]}
            conn.request("POST", "/v1/chat/completions", json.dumps(body), {"Content-Type": "application/json"})
            response = conn.getresponse()
            data = response.read().decode(errors="replace")
            ok = response.status == 200 and data.rstrip().endswith("data: [DONE]")
        return ok, f"{response.status} {data[:80]!r}", response.getheader("X-Polygraph-Upstream", "")
    except Exception as error:  # a cut stream or a reset connection: an in-flight failure
        return False, repr(error), ""
    finally:
        conn.close()


def main():
    ports = {f"r{i}": free_port() for i in (1, 2, 3)}
    nginx_port = free_port()
    for name, port in ports.items():
        start_replica(name, port)
    for name, port in ports.items():
        wait_up(port, procs[name], f"replica {name}")
    conf = subprocess.run([os.path.join(os.path.dirname(__file__), "..", "deploy", "nginx", "render.sh"),
                           "--listen", f"127.0.0.1:{nginx_port}", "--max-fails", "1", "--fail-timeout", f"{FAIL_TIMEOUT}s",
                           "--whole", WORK] + [f"127.0.0.1:{p}" for p in ports.values()],
                          check=True, capture_output=True, text=True).stdout
    open(f"{WORK}/nginx.conf", "w").write(conf)
    nginx_log = open(f"{WORK}/nginx.out", "w")
    procs["nginx"] = subprocess.Popen(["nginx", "-c", f"{WORK}/nginx.conf", "-p", WORK, "-e", f"{WORK}/error.log"],
                                      stdout=nginx_log, stderr=nginx_log)
    wait_up(nginx_port, procs["nginx"], "nginx")

    results, lock, stop = [], threading.Lock(), threading.Event()
    counter = iter(range(10**9))

    def worker(slot):
        while not stop.is_set():
            index = next(counter)
            kind = "stream" if index % 3 == 0 else "score"
            started = time.time()
            ok, detail, upstream = request(nginx_port, kind, index)
            with lock:
                results.append((started, time.time(), ok, kind, detail, upstream))

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    t0 = time.time()
    for t in threads:
        t.start()
    time.sleep(5)
    procs["r2"].kill()
    procs["r2"].wait()
    killed_at = time.time()
    print(f"killed replica r2 (port {ports['r2']}) at t={killed_at - t0:.1f} s", flush=True)
    time.sleep(5)
    start_replica("r2", ports["r2"])
    wait_up(ports["r2"], procs["r2"], "restarted replica r2")
    restored_at = time.time()
    print(f"restored r2 at t={restored_at - t0:.1f} s", flush=True)
    time.sleep(FAIL_TIMEOUT + 4)
    stop.set()
    for t in threads:
        t.join()

    before = [r for r in results if r[0] < killed_at]
    after = [r for r in results if r[0] >= killed_at]
    in_flight_failed = [r for r in before if not r[2]]
    after_failed = [r for r in after if not r[2]]
    spread = {}
    for r in before:
        spread[r[5]] = spread.get(r[5], 0) + 1
    print(f"{len(results)} requests ({sum(r[3] == 'stream' for r in results)} streamed): {len(before)} started before "
          f"the kill ({len(in_flight_failed)} failed: in flight on r2), {len(after)} after (failed: {len(after_failed)})")
    print(f"before the kill, by upstream: {spread}")
    check("load ran (at least 30 requests)", len(results) >= 30, len(results))
    # A request nginx retried on another replica names both ("a, b"): count each address once.
    served = {a.strip() for u in spread for a in u.split(",") if a.strip()}
    check("all three replicas served requests before the kill", len(served) == 3, spread)
    check("every request started before the kill that failed was in flight when r2 died",
          all(r[1] >= killed_at - 0.5 for r in in_flight_failed), in_flight_failed[:3])
    check("every request started after the kill succeeded", not after_failed, after_failed[:3])
    r2_port = str(ports["r2"])
    after_restore = [r for r in results if r[0] >= restored_at + FAIL_TIMEOUT and r2_port in r[5]]
    check("the restored replica gets traffic again (after fail_timeout)", len(after_restore) > 0)
    for name, port in ports.items():
        status, text = get(port, "/metrics")
        samples = [l for l in text.splitlines() if l and not l.startswith("#")]
        check(f"{name} /metrics: every series has replica=\"{name}\"",
              status == 200 and samples and all(f'replica="{name}"' in l for l in samples))
    served = sum(float(l.rsplit(" ", 1)[1]) for l in get(ports["r2"], "/metrics")[1].splitlines()
                 if l.startswith("polygraph_requests_total") and "/v1/" in l)
    check("restarted r2 counted requests from nginx in its own /metrics", served > 0, served)


try:
    main()
finally:
    for name, proc in procs.items():
        if proc.poll() is None:
            proc.terminate()
    for name, proc in procs.items():
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed or not passed else 0)
