#!/usr/bin/env python3
"""Bounded load check for `polygraph serve` on loopback: N concurrent clients for T seconds.

Reports throughput (requests/s, generated tokens/s), latency p50/p99, errors (429s counted apart, as the bounded
queue's deliberate answer) and the server's resident memory (RSS from /proc, before and after).

    python3 benchmarks/load_test.py --url http://127.0.0.1:8080 --pid SERVER_PID [--clients 50] [--seconds 30]
    python3 benchmarks/load_test.py --bin .build/release/polygraph --model M [--probe P.json] [--batch-size 8]
        # starts its own server (without --probe: the shipped probes for the model)

Only loopback URLs are accepted. Standard library only.
"""
import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

PROMPTS = ["What is the capital of France?", "Is the Pacific the largest ocean?", "Name a prime number above 10.",
           "Who wrote Hamlet?", "Is water wet?", "What colour is the sky on a clear day?"]


def rss_mib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def client(url, model, deadline, max_tokens, stream, out, lock, key):
    i = 0
    while time.monotonic() < deadline:
        body = {"model": model, "max_tokens": max_tokens, "temperature": 0, "stream": stream,
                "messages": [{"role": "user", "content": PROMPTS[i % len(PROMPTS)]}]}
        i += 1
        req = urllib.request.Request(url + "/v1/chat/completions", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json", "Authorization": f"Bearer {key}"})
        start = time.monotonic()
        try:
            with urllib.request.urlopen(req, timeout=300) as resp:
                raw = resp.read().decode()
            if stream:
                events = [l[6:] for l in raw.split("\n") if l.startswith("data: ")]
                ok = events and events[-1] == "[DONE]" and not any('"error"' in e[:12] for e in events)
                tokens = sum(1 for e in events[:-1] if '"token_index"' in e)
            else:
                data = json.loads(raw)
                ok = "polygraph" in data["choices"][0]
                tokens = data["usage"]["completion_tokens"]
            with lock:
                out["latencies" if ok else "errors_list"].append(time.monotonic() - start)
                out["tokens"] += tokens
        except urllib.error.HTTPError as e:
            with lock:
                if e.code == 429:
                    out["rejected"] += 1
                else:
                    out["errors_list"].append(f"HTTP {e.code}: {e.read()[:200]!r}")
            if e.code == 429:
                time.sleep(0.2)   # back off like a polite client
        except Exception as e:  # noqa: BLE001
            with lock:
                out["errors_list"].append(f"{type(e).__name__}: {e}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", help="server base URL (loopback only)")
    ap.add_argument("--pid", type=int, help="server process id, for RSS")
    ap.add_argument("--bin", help="polygraph binary: start a server for the test")
    ap.add_argument("--model", default="models/SmolLM2-135M-Instruct.Q4_1.gguf")
    ap.add_argument("--probe")
    ap.add_argument("--queue", type=int, default=64, help="--queue-capacity for a server this script starts")
    ap.add_argument("--batch-size", type=int, default=8,
                    help="--batch-size for a server this script starts (requests decoded together; 1: one at a time)")
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--max-tokens", type=int, default=16)
    ap.add_argument("--stream", action="store_true", help="use SSE streaming requests")
    ap.add_argument("--api-key", default="unused")
    args = ap.parse_args()
    args.clients = min(args.clients, 200)
    args.seconds = min(args.seconds, 120)

    server = None
    if args.bin:
        port = free_port()
        cmd = [args.bin, "serve", "--model", args.model, "--port", str(port),
               "--queue-capacity", str(args.queue), "--batch-size", str(args.batch_size)]
        if args.probe:
            cmd += ["--probe", args.probe]
        server = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        args.url, args.pid = f"http://127.0.0.1:{port}", server.pid
        for _ in range(240):
            try:
                urllib.request.urlopen(args.url + "/health", timeout=1).read()
                break
            except Exception:  # noqa: BLE001
                if server.poll() is not None:
                    sys.exit("server exited: " + server.stderr.read().decode())
                time.sleep(0.5)
    host = urllib.parse.urlparse(args.url).hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        sys.exit("refusing a non-loopback URL")
    try:
        headers = {"Authorization": f"Bearer {args.api_key}"}
        models = json.loads(urllib.request.urlopen(urllib.request.Request(args.url + "/v1/models", headers=headers)).read())
        model = models["data"][0]["id"]
        rss_before = rss_mib(args.pid) if args.pid else None
        out = {"latencies": [], "errors_list": [], "rejected": 0, "tokens": 0}
        lock = threading.Lock()
        deadline = time.monotonic() + args.seconds
        started = time.monotonic()
        threads = [threading.Thread(target=client, args=(args.url, model, deadline, args.max_tokens, args.stream,
                                                         out, lock, args.api_key)) for _ in range(args.clients)]
        peak = rss_before or 0
        for t in threads:
            t.start()
        while any(t.is_alive() for t in threads):
            time.sleep(0.5)
            if args.pid:
                peak = max(peak, rss_mib(args.pid) or 0)
        elapsed = time.monotonic() - started
        lat = sorted(out["latencies"])
        q = (lambda p: lat[min(len(lat) - 1, int(p * len(lat)))] * 1000) if lat else (lambda p: float("nan"))
        report = {
            "clients": args.clients, "batch_size": args.batch_size if args.bin else None, "seconds": round(elapsed, 1), "max_tokens": args.max_tokens, "stream": args.stream,
            "completed": len(lat), "rejected_429": out["rejected"], "errors": len(out["errors_list"]),
            "requests_per_s": round(len(lat) / elapsed, 2), "tokens_per_s": round(out["tokens"] / elapsed, 1),
            "latency_ms_p50": round(q(0.50), 1), "latency_ms_p99": round(q(0.99), 1),
            "latency_ms_mean": round(statistics.mean(lat) * 1000, 1) if lat else None,
            "rss_mib_before": round(rss_before, 1) if rss_before else None, "rss_mib_peak": round(peak, 1) if peak else None,
        }
        print(json.dumps(report, indent=2))
        for e in out["errors_list"][:5]:
            print("error:", e, file=sys.stderr)
        sys.exit(1 if out["errors_list"] else 0)
    finally:
        if server:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
