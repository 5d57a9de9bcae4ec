"""HTTP against a real `polygraph serve` (real model, shipped probe, API key, short timeouts): malformed JSON,
wrong types, huge numbers, bad headers and Content-Length, oversized bodies, invalid UTF-8, slow and half requests.
Every case must get an OpenAI-style JSON error (or, for slow clients, a close) in time, and /health must answer
after it."""
import json
import socket

from common import Case
from http_client import exchange, health, judge, request

CHAT, COMP, SCORE = "/v1/chat/completions", "/v1/completions", "/v1/score"
MSG = [{"role": "user", "content": "Capital of France?"}]


def chat(**fields):
    d = {"model": "MODEL", "messages": MSG, "max_tokens": 2}
    d.update(fields)
    return {k: v for k, v in d.items() if v is not DROP}


DROP = object()


def body_cases():
    """(name, path, body bytes or JSON-able, expect)."""
    c = "client"
    raw = [("empty body", CHAT, b"", c), ("open brace", CHAT, b"{", c), ("null", CHAT, b"null", c),
           ("array", CHAT, b"[]", c), ("number", COMP, b"123", c), ("string", SCORE, b'"x"', c),
           ("cut mid-key", CHAT, b'{"model":', c), ("trailing comma", CHAT, b'{"model": "m",}', c),
           ("NaN literal", CHAT, b'{"model":"MODEL","messages":[],"temperature":NaN}', c),
           ("invalid UTF-8 in content", CHAT,
            b'{"model":"MODEL","messages":[{"role":"user","content":"Caf\xc3\x28"}],"max_tokens":2}', c),
           ("lone surrogate", SCORE, b'{"input":"a\\ud800b"}', "any"),
           ("deep nesting", CHAT, b"[" * 50000 + b"]" * 50000, c),
           ("BOM then JSON", SCORE, b'\xef\xbb\xbf{"input":"Paris is in France."}', "any"),
           ("binary garbage", COMP, bytes(range(256)), c),
           ("number with 10000 digits", CHAT,
            b'{"model":"MODEL","messages":[],"max_tokens":1' + b"0" * 10000 + b"}", c)]
    typed = [
        ("messages a string", CHAT, chat(messages="hi"), c), ("messages empty", CHAT, chat(messages=[]), c),
        ("messages missing", CHAT, chat(messages=DROP), c), ("role a number", CHAT, chat(messages=[{"role": 1, "content": "x"}]), c),
        ("role unknown", CHAT, chat(messages=[{"role": "hacker", "content": "x"}]), c),
        ("content null", CHAT, chat(messages=[{"role": "user", "content": None}]), "any"),  # read as ""
        ("content a number", CHAT, chat(messages=[{"role": "user", "content": 5}]), c),
        ("content part of unknown type", CHAT, chat(messages=[{"role": "user", "content": [{"type": "image_url"}]}]), c),
        ("model a number", CHAT, chat(model=7), c), ("model unknown", CHAT, chat(model="gpt-9"), c),
        ("model missing", CHAT, chat(model=DROP), c),
        ("max_tokens string", CHAT, chat(max_tokens="10"), c), ("max_tokens -1", CHAT, chat(max_tokens=-1), c),
        ("max_tokens 0", CHAT, chat(max_tokens=0), c), ("max_tokens 2^63", CHAT, chat(max_tokens=2 ** 63), c),
        ("max_tokens 2^63-1", CHAT, chat(max_tokens=2 ** 63 - 1), c), ("max_tokens 1e30", CHAT, chat(max_tokens=1e30), c),
        ("max_tokens 1.5", CHAT, chat(max_tokens=1.5), c),
        ("max_completion_tokens -5", CHAT, chat(max_tokens=DROP, max_completion_tokens=-5), c),
        ("temperature -1", CHAT, chat(temperature=-1), c), ("temperature string", CHAT, chat(temperature="hot"), c),
        ("temperature 1e309", CHAT, b'{"model":"MODEL","messages":%s,"temperature":1e309}' % json.dumps(MSG).encode(), c),
        ("top_p 0", CHAT, chat(top_p=0), c), ("top_p 1e-320", CHAT, chat(top_p=1e-320), c), ("top_p 2", CHAT, chat(top_p=2), c),
        ("n 2", CHAT, chat(n=2), c), ("n 0", CHAT, chat(n=0), c), ("n 2^63-1", CHAT, chat(n=2 ** 63 - 1), c),
        ("stop a number", CHAT, chat(stop=5), c), ("stop 1000 strings", CHAT, chat(stop=["s%d" % i for i in range(1000)]), c),
        ("stop empty string", CHAT, chat(stop=[""]), "any"),
        ("stream a string", CHAT, chat(stream="yes"), c), ("stream_options a list", CHAT, chat(stream=True, stream_options=[1]), c),
        ("logprobs a string", CHAT, chat(logprobs="x"), c), ("top_logprobs 21", CHAT, chat(logprobs=True, top_logprobs=21), c),
        ("top_logprobs -1", CHAT, chat(logprobs=True, top_logprobs=-1), c),
        ("top_logprobs 2^63-1", CHAT, chat(logprobs=True, top_logprobs=2 ** 63 - 1), c),
        ("seed -1", CHAT, chat(seed=-1), "any"), ("seed 2^64", CHAT, chat(seed=2 ** 64), c), ("seed string", CHAT, chat(seed="x"), c),
        ("polygraph a list", CHAT, chat(polygraph=[1]), c), ("polygraph probe unknown", CHAT, chat(polygraph={"probe": "nope"}), c),
        ("polygraph policy nuke", CHAT, chat(polygraph={"policy": "nuke"}), c),
        ("polygraph trigger flag bogus", CHAT, chat(polygraph={"trigger_flags": ["bogus"]}), c),
        ("polygraph abstain_message a number", CHAT, chat(polygraph={"abstain_message": 5}), c),
        ("prompt a number", COMP, {"model": "MODEL", "prompt": 5, "max_tokens": 2}, c),
        ("prompt empty list", COMP, {"model": "MODEL", "prompt": [], "max_tokens": 2}, c),
        ("prompt token ids", COMP, {"model": "MODEL", "prompt": [[1, 2, 3]], "max_tokens": 2}, c),
        ("prompt longer than the context", COMP, {"model": "MODEL", "prompt": "why " * 12000, "max_tokens": 2}, c),
        ("prompt list of 5000", COMP, {"model": "MODEL", "prompt": ["a"] * 5000, "max_tokens": 1}, c),
        ("completions max_tokens 2^63", COMP, {"model": "MODEL", "prompt": "Paris is", "max_tokens": 2 ** 63}, c),
        ("score input empty list", SCORE, {"input": []}, c), ("score input empty text", SCORE, {"input": [""]}, c),
        ("score input 10000 texts", SCORE, {"input": ["a"] * 10000}, c), ("score input a number", SCORE, {"input": 5}, c),
        ("score probe unknown", SCORE, {"input": "x", "probe": "nope"}, c),
        ("score input 30000 words", SCORE, {"input": "Paris " * 30000}, "error"),
        ("score model unknown", SCORE, {"input": "x", "model": "gpt-9"}, c),
        ("score given answer without response", SCORE, {"input": {"question": "Capital of France?"}}, c),
        ("score given answer, question and messages", SCORE,
         {"input": {"question": "Q?", "messages": [{"role": "user", "content": "Q?"}], "response": "a"}}, c),
        ("score given answer, response a number", SCORE, {"input": {"question": "Q?", "response": 5}}, c),
        ("score given answers and texts mixed", SCORE, {"input": ["x", {"question": "Q?", "response": "a"}]}, c),
        ("score given answers 10000", SCORE, {"input": [{"question": "Q?", "response": "a"}] * 10000}, c),
        ("score given answer 30000 words", SCORE, {"input": {"question": "Q?", "response": "Paris " * 30000}}, "error"),
    ]
    return raw + typed


def header_cases(key):
    """(name, raw request bytes, expect)."""
    ok_body = json.dumps({"input": "Paris is in France."}).encode()

    def req(method="POST", path=SCORE, body=ok_body, headers=None, **kw):
        return request(method, path, body, headers, key=key, **kw)

    return [
        ("GET on a POST route", req("GET", CHAT, b""), "client"),
        ("DELETE /health", req("DELETE", "/health", b""), "client"),
        ("unknown route", req("GET", "/v2/nothing", b""), "client"),
        ("path with %00", req("GET", "/health%00/../v1/models", b""), "any"),
        ("path 20 kB", req("GET", "/" + "a" * 20000, b""), "closed"),
        ("query 20 kB", req("GET", "/health?" + "q=1&" * 5000, b""), "any"),
        ("Content-Type text/plain", req(headers={"Content-Type": "text/plain"}), "any"),
        ("Content-Length -1", req(headers={"Content-Length": "-1"}), "closed"),
        ("Content-Length abc", req(headers={"Content-Length": "abc"}), "closed"),
        ("Content-Length 2^63", req(headers={"Content-Length": str(2 ** 63)}), "closed"),
        ("Content-Length 2^64", req(headers={"Content-Length": str(2 ** 64)}), "closed"),
        ("Content-Length 2^63-1", req(headers={"Content-Length": str(2 ** 63 - 1)}), "closed"),
        ("Content-Length smaller than the body", req(headers={"Content-Length": "5"}), "any"),
        ("two different Content-Lengths", req(headers={"Content-Length": "%d\r\nContent-Length: 3" % len(ok_body)}), "closed"),
        ("chunked with a bad size", req(body=b"zz\r\nabc\r\n0\r\n\r\n", content_length=False,
                                        headers={"Transfer-Encoding": "chunked"}), "closed"),
        ("chunked size 2^64", req(body=b"10000000000000000\r\nabc\r\n", content_length=False,
                                  headers={"Transfer-Encoding": "chunked"}), "closed"),
        ("chunked 200 kB body", req(body=b"".join(b"4000\r\n" + b"a" * 0x4000 + b"\r\n" for _ in range(13)) + b"0\r\n\r\n",
                                    content_length=False, headers={"Transfer-Encoding": "chunked"}), "client"),
        ("Transfer-Encoding gzip", req(content_length=False, headers={"Transfer-Encoding": "gzip"}), "closed"),
        ("Content-Length and chunked", req(headers={"Transfer-Encoding": "chunked"}), "closed"),
        ("body 200 kB (over the limit)", req(body=b'{"input":"' + b"a" * 200000 + b'"}'), "client"),
        ("header without a colon", b"GET /health HTTP/1.1\r\nHost: x\r\nNoColonHere\r\n\r\n", "closed"),
        ("header 100 kB", b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 100000 + b"\r\n\r\n", "closed"),
        ("5000 headers", b"GET /health HTTP/1.1\r\n" + b"".join(b"X-%d: 1\r\n" % i for i in range(5000)) + b"\r\n", "closed"),
        ("NUL in a header", b"GET /health HTTP/1.1\r\nHost: x\r\nX-A: a\0b\r\n\r\n", "closed"),
        ("HTTP/9.9", b"GET /health HTTP/9.9\r\nHost: x\r\n\r\n", "closed"),
        ("request line garbage", b"\x00\x01\x02\x03 \xff\xfe\r\n\r\n", "closed"),
        ("no Host header", b"GET /health HTTP/1.1\r\n\r\n", "any"),
        ("Expect: 100-continue, body over the limit", req(body=b"", headers={"Expect": "100-continue",
                                                                             "Content-Length": "5000000"}), "closed"),
        ("no Authorization", request("POST", SCORE, ok_body), "client"),
        ("wrong key", request("POST", SCORE, ok_body, key="wrong"), "client"),
        ("Basic scheme", request("POST", SCORE, ok_body, {"Authorization": "Basic " + key}), "client"),
        ("empty Bearer", request("POST", SCORE, ok_body, {"Authorization": "Bearer "}), "client"),
        ("key 100 kB", request("POST", SCORE, ok_body, {"Authorization": "Bearer " + "k" * 100000}), "closed"),
        ("key with a NUL", request("POST", SCORE, ok_body, {"Authorization": "Bearer " + key + "\0"}), "closed"),
        ("key prefix only", request("POST", SCORE, ok_body, key=key[:-1]), "client"),
        ("bearer scheme in lower case (RFC 7235: legal)", request("POST", SCORE, ok_body, {"Authorization": "bearer " + key}),
         "success"),
    ]


def cases(ctx):
    out = []

    def add(name, parts, expect, timeout=15.0, **kw):
        def run():
            reply = exchange(ctx.port, parts, timeout=timeout, **kw)
            ok, detail = judge(reply, expect)
            alive, why = health(ctx.port, ctx.key)
            if not alive:
                return False, "%s; then /health failed: %s" % (detail, why)
            return ok, detail
        out.append(Case("http", name, func=run, lane="http", timeout=timeout))

    for name, path, body, expect in body_cases():
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        data = data.replace(b'"MODEL"', json.dumps(ctx.model_id).encode())
        add("%s %s" % (path, name), [request("POST", path, data, key=ctx.key)], expect)
    for name, raw, expect in header_cases(ctx.key):
        add(name, [raw], expect)
    # Slow and half requests (server runs with --header-timeout 2 --body-timeout 2).
    body = json.dumps({"input": "Paris is in France."}).encode()
    full = request("POST", SCORE, body, key=ctx.key)
    add("slowloris: half a request head, then silence", [full[:30]], "closed", timeout=12)
    add("head byte by byte, 0.5 s apart", [full[i:i + 1] for i in range(12)], "closed", timeout=15, pause=0.5)
    add("connect and send nothing", [b""], "closed", timeout=12)
    add("body shorter than Content-Length, then silence", [full[:-5]], "closed", timeout=12)
    add("body shorter than Content-Length, then half-close", [full[:-5]], "closed", timeout=12, half_close=True)
    add("whole request, then half-close", [full], "any", timeout=15, half_close=True)
    add("request, then close without reading", [full], "sent", timeout=5, read=False)
    add("chat request, then close without reading", [request("POST", CHAT, json.dumps(chat(model=ctx.model_id)).encode(),
                                                             key=ctx.key)], "sent", timeout=5, read=False)

    def idle_flood():
        socks = []
        try:
            for _ in range(150):  # the server runs with --max-connections 64
                socks.append(socket.create_connection(("127.0.0.1", ctx.port), timeout=5))
            alive, why = health(ctx.port, ctx.key, tries=5)
            return alive, "/health answered with 150 idle connections open" if alive else "/health: " + why
        finally:
            for s in socks:
                s.close()
    out.append(Case("http", "150 idle connections, then /health", func=idle_flood, lane="http", timeout=30))
    return out
