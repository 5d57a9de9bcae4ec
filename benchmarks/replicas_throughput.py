"""Gate throughput with 1 vs 3 `polygraph serve` replicas behind nginx (deploy/nginx), same run, same load.

CLIENTS concurrent clients send POST /v1/score (one statement each) and streamed chat completions (max_tokens 8)
through nginx for SECONDS; prints requests/s per kind, the median latency, and the ratio 3 vs 1 replicas.
usage: python3 benchmarks/replicas_throughput.py [BIN] [SECONDS=15] [CLIENTS=6]
"""
import http.client, json, os, socket, statistics, subprocess, sys, tempfile, threading, time

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
BIN = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, ".build", "debug", "polygraph")
SECONDS = float(sys.argv[2]) if len(sys.argv) > 2 else 15
CLIENTS = int(sys.argv[3]) if len(sys.argv) > 3 else 6
MODEL = os.path.join(ROOT, "models", "SmolLM2-135M-Instruct.Q4_1.gguf")
PROBE = os.path.join(ROOT, "probes", "smollm2-135m-instruct", "statements.json")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def up(port, proc):
    for _ in range(600):
        if proc.poll() is not None:
            raise SystemExit(f"process exited: {proc.args}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/health")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.1)


def one(port, index):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    if index % 2:
        conn.request("POST", "/v1/score", json.dumps({"input": f"The city of Lima is in Peru. ({index})"}),
                     {"Content-Type": "application/json"})
        kind = "score"
    else:
        body = {"model": "SmolLM2-135M-Instruct.Q4_1", "stream": True, "max_tokens": 8, "messages": [{"role": "user", "content": f"Hi {index}"}]}
        conn.request("POST", "/v1/chat/completions", json.dumps(body), {"Content-Type": "application/json"})
        kind = "stream"
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return kind, response.status == 200 and (kind == "score" or data.rstrip().endswith(b"[DONE]"))


def run(replicas, work):
    procs = []
    try:
        ports = [free_port() for _ in range(replicas)]
        for i, port in enumerate(ports):
            procs.append(subprocess.Popen([BIN, "serve", "--model", MODEL, "--probe", PROBE, "--port", str(port),
                                           "--replica-id", f"r{i}", "--queue-capacity", "64"],
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        for port, proc in zip(ports, procs):
            up(port, proc)
        listen = free_port()
        conf = subprocess.run([os.path.join(ROOT, "deploy", "nginx", "render.sh"), "--listen", f"127.0.0.1:{listen}",
                               "--whole", work] + [f"127.0.0.1:{p}" for p in ports],
                              check=True, capture_output=True, text=True).stdout
        open(f"{work}/nginx.conf", "w").write(conf)
        procs.append(subprocess.Popen(["nginx", "-c", f"{work}/nginx.conf", "-p", work, "-e", f"{work}/error.log"],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        up(listen, procs[-1])
        done, lock, counter = [], threading.Lock(), iter(range(10**9))
        deadline = time.time() + SECONDS

        def client():
            while time.time() < deadline:
                started = time.time()
                kind, ok = one(listen, next(counter))
                with lock:
                    done.append((kind, ok, time.time() - started))

        threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
        began = time.time()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.time() - began
        result = {}
        for kind in ("score", "stream"):
            rows = [r for r in done if r[0] == kind]
            result[kind] = (sum(r[1] for r in rows) / elapsed, statistics.median(r[2] for r in rows) if rows else 0,
                            sum(not r[1] for r in rows))
        return result
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait()


with tempfile.TemporaryDirectory() as work:
    results = {n: run(n, work) for n in (1, 3)}
print(f"{CLIENTS} clients, {SECONDS:.0f} s per setting, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
print("| replicas | scores/s | median score latency s | streamed chats/s | median chat latency s | failed |")
print("|---|---|---|---|---|---|")
for n, r in results.items():
    print(f"| {n} | {r['score'][0]:.2f} | {r['score'][1]:.3f} | {r['stream'][0]:.2f} | {r['stream'][1]:.3f} | "
          f"{r['score'][2] + r['stream'][2]} |")
one_, three = results[1], results[3]
total = lambda r: r["score"][0] + r["stream"][0]
print(f"requests/s, 3 vs 1 replicas: {total(three) / max(total(one_), 1e-9):.2f}x")
