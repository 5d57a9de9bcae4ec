#!/usr/bin/env python3
"""Talks to a running `polygraph serve` with the stock `openai` package and checks the polygraph fields.

Usage: test_openai_client.py BASE_URL MODEL_ID [API_KEY]   (BASE_URL like http://127.0.0.1:8080/v1)
Prints one line per check and `N passed, M failed`; exits non-zero on any failure.
"""
import json
import sys
import urllib.request

import openai

BASE, MODEL = sys.argv[1], sys.argv[2]
KEY = sys.argv[3] if len(sys.argv) > 3 else "unused"
FLAGS = {"ok", "uncertain", "likely_false"}
client = openai.OpenAI(base_url=BASE, api_key=KEY, max_retries=0, timeout=120)
QUESTION = [{"role": "user", "content": "What is the capital of France? Answer in one word."}]
results = []


def check(name):
    def wrap(fn):
        try:
            fn()
            results.append((name, None))
            print(f"PASS {name}")
        except Exception as e:  # noqa: BLE001 - report every failure and go on
            results.append((name, e))
            print(f"FAIL {name}: {type(e).__name__}: {e}")
        return fn
    return wrap


def extra(obj, key):
    """A field the openai models keep as an extra (pydantic extra="allow")."""
    value = getattr(obj, key, None)
    if value is None and getattr(obj, "model_extra", None):
        value = obj.model_extra.get(key)
    return value


def check_verdict(pg):
    assert isinstance(pg, dict), f"polygraph is {pg!r}"
    assert 0.0 <= pg["p_true"] <= 1.0, pg
    assert pg["flag"] in FLAGS, pg
    for key in ("probe", "hook", "position"):
        assert isinstance(pg[key], str) and pg[key], (key, pg)
    assert pg["hook"].startswith("blocks."), pg


@check("models.list names the served model")
def _():
    ids = [m.id for m in client.models.list().data]
    assert MODEL in ids, ids


@check("chat completion (non-streaming) carries text and the polygraph verdict")
def _():
    r = client.chat.completions.create(model=MODEL, messages=QUESTION, max_tokens=12, temperature=0)
    choice = r.choices[0]
    assert isinstance(choice.message.content, str) and choice.message.content.strip(), choice
    assert choice.finish_reason in ("stop", "length")
    check_verdict(extra(choice, "polygraph"))
    assert r.usage.completion_tokens >= 1 and r.usage.prompt_tokens >= 1


@check("chat completion (streaming) carries per-token scores and ends with the flag")
def _():
    stream = client.chat.completions.create(model=MODEL, messages=QUESTION, max_tokens=12, temperature=0, stream=True)
    text, token_scores, final = "", [], None
    for chunk in stream:
        if not chunk.choices:
            continue
        choice = chunk.choices[0]
        text += choice.delta.content or ""
        pg = extra(choice, "polygraph")
        if pg and "token_index" in pg:
            assert 0.0 <= pg["p_true"] <= 1.0
            token_scores.append(pg)
        if choice.finish_reason:
            final = pg
    assert text.strip(), "no streamed text"
    assert token_scores, "no per-token scores"
    assert [s["token_index"] for s in token_scores] == list(range(len(token_scores)))
    check_verdict(final)


@check("streamed and non-streamed greedy answers agree")
def _():
    a = client.chat.completions.create(model=MODEL, messages=QUESTION, max_tokens=8, temperature=0)
    s = client.chat.completions.create(model=MODEL, messages=QUESTION, max_tokens=8, temperature=0, stream=True)
    b = "".join((c.choices[0].delta.content or "") for c in s if c.choices)
    assert a.choices[0].message.content == b, (a.choices[0].message.content, b)


@check("stop sequences cut the answer before them, streamed and not, with finish_reason stop")
def _():
    full = client.chat.completions.create(model=MODEL, messages=QUESTION, max_tokens=16, temperature=0)
    text = full.choices[0].message.content
    words = text.split()
    assert len(words) >= 3, text
    stop = " " + words[2]                      # starts inside the answer, after its second word
    expected = text[:text.index(stop)]
    r = client.chat.completions.create(model=MODEL, messages=QUESTION, max_tokens=16, temperature=0, stop=[stop, "@@"])
    assert r.choices[0].message.content == expected, (r.choices[0].message.content, expected)
    assert r.choices[0].finish_reason == "stop"
    check_verdict(extra(r.choices[0], "polygraph"))
    s = client.chat.completions.create(model=MODEL, messages=QUESTION, max_tokens=16, temperature=0, stop=stop, stream=True)
    streamed = "".join((c.choices[0].delta.content or "") for c in s if c.choices)
    assert streamed == expected, (streamed, expected)


@check("chat logprobs (stock client types): tokens join to the answer, log-probs <= 0, top_logprobs sorted")
def _():
    r = client.chat.completions.create(model=MODEL, messages=QUESTION, max_tokens=8, temperature=0, logprobs=True,
                                       top_logprobs=3)
    content = r.choices[0].logprobs.content
    assert content and "".join(t.token for t in content) == r.choices[0].message.content, content
    for t in content:
        assert t.logprob <= 0 and len(t.top_logprobs) == 3, t
        assert [a.logprob for a in t.top_logprobs] == sorted((a.logprob for a in t.top_logprobs), reverse=True), t
        assert abs(t.top_logprobs[0].logprob - t.logprob) < 1e-5, t  # greedy: the chosen token is the top one
        assert bytes(t.bytes).decode("utf-8", "replace") == t.token, t
    assert client.chat.completions.create(model=MODEL, messages=QUESTION, max_tokens=4).choices[0].logprobs is None
    streamed = [c.choices[0].logprobs.content[0] for c in client.chat.completions.create(
        model=MODEL, messages=QUESTION, max_tokens=8, temperature=0, logprobs=True, stream=True)
        if c.choices and c.choices[0].logprobs]
    assert [t.token for t in streamed] == [t.token for t in content], (streamed, content)
    assert all(abs(a.logprob - b.logprob) < 1e-6 for a, b in zip(streamed, content))


@check("completion logprobs (integer form): parallel arrays and offsets")
def _():
    r = client.completions.create(model=MODEL, prompt="The capital of France is", max_tokens=6, temperature=0, logprobs=2)
    lp = r.choices[0].logprobs
    assert "".join(lp.tokens) == r.choices[0].text, lp
    assert len(lp.token_logprobs) == len(lp.tokens) == len(lp.top_logprobs) == len(lp.text_offset)
    assert all(len(d) <= 2 for d in lp.top_logprobs) and all(x <= 0 for x in lp.token_logprobs)
    assert lp.text_offset[0] == 0 and lp.text_offset == sorted(lp.text_offset)


@check("logprobs out of range is a 400 naming the field")
def _():
    try:
        client.chat.completions.create(model=MODEL, messages=QUESTION, max_tokens=4, logprobs=True, top_logprobs=21)
    except openai.BadRequestError as e:
        assert "top_logprobs" in str(e), e
    else:
        raise AssertionError("top_logprobs=21 was accepted")


@check("text completion (non-streaming and streaming)")
def _():
    r = client.completions.create(model=MODEL, prompt="The capital of France is", max_tokens=6, temperature=0)
    assert isinstance(r.choices[0].text, str)
    check_verdict(extra(r.choices[0], "polygraph"))
    finals = [extra(c.choices[0], "polygraph") for c in client.completions.create(
        model=MODEL, prompt="The capital of France is", max_tokens=6, stream=True) if c.choices and c.choices[0].finish_reason]
    assert len(finals) == 1
    check_verdict(finals[0])


@check("per-request policy override: abstain replaces the answer and keeps the original")
def _():
    r = client.chat.completions.create(model=MODEL, messages=QUESTION, max_tokens=8, extra_body={"polygraph": {
        "policy": "abstain", "abstain_message": "ABSTAINED", "trigger_flags": ["ok", "uncertain", "likely_false"]}})
    pg = extra(r.choices[0], "polygraph")
    assert r.choices[0].message.content == "ABSTAINED", r.choices[0].message.content
    assert pg["action"] == "abstained" and pg["original_content"], pg


@check("chat_template_kwargs through extra_body: accepted; a bad name is a 400 naming the field")
def _():
    plain = client.chat.completions.create(model=MODEL, messages=QUESTION, max_tokens=6, temperature=0)
    r = client.chat.completions.create(model=MODEL, messages=QUESTION, max_tokens=6, temperature=0,
                                       extra_body={"chat_template_kwargs": {"enable_thinking": False}})
    # SmolLM2's template reads no variable: the same prompt, the same greedy answer
    assert r.usage.prompt_tokens == plain.usage.prompt_tokens, (r.usage, plain.usage)
    assert r.choices[0].message.content == plain.choices[0].message.content
    try:
        client.chat.completions.create(model=MODEL, messages=QUESTION, max_tokens=4,
                                       extra_body={"chat_template_kwargs": {"not a name": 1}})
    except openai.BadRequestError as e:
        assert e.body and e.body.get("param") == "chat_template_kwargs", e.body
    else:
        raise AssertionError("a malformed chat_template_kwargs was accepted")


@check("unknown model is a 404 NotFoundError")
def _():
    try:
        client.chat.completions.create(model="gpt-nonexistent", messages=QUESTION, max_tokens=4)
    except openai.NotFoundError as e:
        assert e.body and e.body.get("code") == "model_not_found", e.body
    else:
        raise AssertionError("no error")


@check("empty messages and an over-long prompt are 400 BadRequestErrors")
def _():
    for messages, code in (([], "empty_messages"),
                           ([{"role": "user", "content": "word " * 10000}], "context_length_exceeded")):
        try:
            client.chat.completions.create(model=MODEL, messages=messages, max_tokens=4)
        except openai.BadRequestError as e:
            assert e.body and e.body.get("code") == code, e.body
        else:
            raise AssertionError(f"no error for {code}")


@check("one keep-alive connection carries back-to-back requests (the server says when it closes)")
def _():
    import http.client
    from urllib.parse import urlsplit
    url = urlsplit(BASE)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
    headers = {"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"}
    for stream in (False, True, False, True):
        body = json.dumps({"model": MODEL, "messages": QUESTION, "max_tokens": 3, "stream": stream})
        conn.request("POST", url.path + "/chat/completions", body, headers)
        resp = conn.getresponse()  # RemoteDisconnected here = the server closed a connection it had kept open
        data = resp.read()
        assert resp.status == 200, (resp.status, data[:200])
        if conn.sock is not None:   # kept open: it must still be usable, so wait and check it was not closed
            conn.sock.settimeout(0.3)
            try:
                assert conn.sock.recv(1, 2) != b"", "server closed a keep-alive connection without Connection: close"
            except TimeoutError:
                pass
            conn.sock.settimeout(60)
    conn.close()


def get(path, data=None):
    req = urllib.request.Request(BASE.rsplit("/v1", 1)[0] + path, data=data,
                                 headers={"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as resp:
        return resp.read().decode()


@check("/v1/score scores texts without generating")
def _():
    body = json.loads(get("/v1/score", json.dumps({"input": ["Paris is in France.", "Paris is in Peru."]}).encode()))
    assert len(body["data"]) == 2
    for item in body["data"]:
        assert 0.0 <= item["p_true"] <= 1.0 and item["flag"] in FLAGS


@check("/v1/score scores given answers by teacher forcing, at the probe's answer position")
def _():
    question = "What is the capital of France?"
    body = json.loads(get("/v1/score", json.dumps({"input": [
        {"question": question, "response": "The capital of France is Paris."},
        {"messages": [{"role": "user", "content": question}], "response": "The capital of France is Lyon."},
    ]}).encode()))
    assert len(body["data"]) == 2
    for item in body["data"]:
        assert 0.0 <= item["p_true"] <= 1.0 and item["flag"] in FLAGS and item["position"].startswith("answer")
    assert body["data"][0]["raw"] != body["data"][1]["raw"]


@check("/v1/probes, /health and /metrics answer")
def _():
    assert json.loads(get("/v1/probes"))["data"]
    assert json.loads(get("/health"))["status"] == "ok"
    metrics = get("/metrics")
    for name in ("polygraph_requests_total", "polygraph_request_duration_seconds", "polygraph_tokens_generated_total",
                 "polygraph_flags_total", "polygraph_queue_depth"):
        assert name in metrics, name


if len(sys.argv) > 4 and sys.argv[4] == "--check-auth":
    @check("a wrong API key is a 401 AuthenticationError")
    def _():
        bad = openai.OpenAI(base_url=BASE, api_key="wrong", max_retries=0)
        try:
            bad.models.list()
        except openai.AuthenticationError:
            pass
        else:
            raise AssertionError("no error")

failed = sum(1 for _, e in results if e)
print(f"{len(results) - failed} passed, {failed} failed")
sys.exit(1 if failed else 0)
