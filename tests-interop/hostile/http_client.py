"""A raw loopback HTTP/1.1 client that can misbehave, and the checks an HTTP case must pass."""
import json
import socket
import time


class Reply:
    def __init__(self, raw, closed, seconds):
        self.raw, self.closed, self.seconds = raw, closed, seconds
        self.status, self.body, self.headers = None, b"", {}
        head, _, body = raw.partition(b"\r\n\r\n")
        line = head.split(b"\r\n", 1)[0].split(b" ")
        if len(line) >= 2 and line[0].startswith(b"HTTP/") and line[1].isdigit():
            self.status = int(line[1])
            for h in head.split(b"\r\n")[1:]:
                k, _, v = h.partition(b":")
                self.headers[k.strip().lower().decode("latin-1")] = v.strip().decode("latin-1")
            self.closed = self.closed or self.headers.get("connection", "").lower() == "close"
            self.body = dechunk(body) if "chunked" in self.headers.get("transfer-encoding", "") else body

    def json_error(self):
        """The error message of an OpenAI-shaped error body, or None."""
        try:
            e = json.loads(self.body.decode("utf-8"))["error"]
            return e["message"] if isinstance(e.get("message"), str) and e["message"] else None
        except (ValueError, KeyError, TypeError, AttributeError):
            return None

    def describe(self):
        if self.status is None:
            return "no response (%s after %.1f s)" % ("closed" if self.closed else "timed out", self.seconds)
        return "%d %s" % (self.status, self.body[:160].decode("utf-8", "replace"))


def dechunk(body):
    out = b""
    while body:
        size, _, rest = body.partition(b"\r\n")
        try:
            n = int(size.split(b";")[0], 16)
        except ValueError:
            return out
        if n == 0:
            break
        out += rest[:n]
        body = rest[n + 2:]
    return out


def complete(data):
    """True when data holds a whole response (head plus Content-Length body or the last chunk)."""
    head, sep, body = data.partition(b"\r\n\r\n")
    if not sep:
        return False
    low = head.lower()
    if b"transfer-encoding: chunked" in low:
        return body.endswith(b"0\r\n\r\n")
    for line in low.split(b"\r\n"):
        if line.startswith(b"content-length:"):
            try:
                return len(body) >= int(line.split(b":")[1])
            except ValueError:
                return True
    return False


def exchange(port, parts, timeout=10.0, pause=0.0, half_close=False, read=True):
    """Sends `parts` (bytes, with `pause` seconds between them), then reads one response or until closed."""
    start = time.monotonic()
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    closed = False
    data = b""
    try:
        for i, p in enumerate(parts):
            if i and pause:
                time.sleep(pause)
            try:
                s.sendall(p)
            except (BrokenPipeError, ConnectionResetError):
                closed = True
                break
        if half_close and not closed:
            s.shutdown(socket.SHUT_WR)
        s.settimeout(max(0.1, timeout - (time.monotonic() - start)))
        while read and not complete(data):
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                break
            except ConnectionResetError:
                closed = True
                break
            if not chunk:
                closed = True
                break
            data += chunk
    finally:
        s.close()
    return Reply(data, closed, time.monotonic() - start)


def request(method, path, body=b"", headers=None, key=None, content_length=True):
    h = {"Host": "127.0.0.1", "Content-Type": "application/json"}
    if key:
        h["Authorization"] = "Bearer " + key
    if content_length and (body or method == "POST"):
        h["Content-Length"] = str(len(body))
    h.update(headers or {})
    lines = ["%s %s HTTP/1.1" % (method, path)] + ["%s: %s" % (k, v) for k, v in h.items() if v is not None]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def health(port, key, tries=3):
    for _ in range(tries):
        try:
            r = exchange(port, [request("GET", "/health", key=key)], timeout=5)
            if r.status == 200:
                return True, ""
            last = r.describe()
        except OSError as e:
            last = str(e)
        time.sleep(0.5)
    return False, last


def judge(reply, expect):
    """(ok, detail) for a reply. expect: 'client' (4xx with an error body), 'error' (4xx/5xx with an error body),
    'success' (200: a legal request among the hostile ones),
    'closed' (closed, or a 4xx error: bare if the server then closes, in time), 'any' (a response or a close, in time: only no hang/crash)."""
    if expect == "sent":  # the client went away without reading: only the /health check after it counts
        return True, "sent (%s)" % reply.describe()
    if expect == "success":
        return reply.status == 200, reply.describe()
    if expect == "any":
        return (reply.status is not None or reply.closed), reply.describe()
    if reply.status is None:
        return (expect == "closed" and reply.closed), reply.describe()
    lo, hi = (400, 499) if expect in ("client", "closed") else (400, 599)
    if not lo <= reply.status <= hi:
        return False, "status %s, expected %d-%d: %s" % (reply.status, lo, hi, reply.describe())
    if reply.json_error() is None and not (expect == "closed" and reply.closed):
        # A request the HTTP parser cannot frame gets a bare 400 and a close; one it framed gets a JSON error.
        return False, "status %d without a JSON error body: %r" % (reply.status, reply.body[:120])
    return True, reply.describe()
