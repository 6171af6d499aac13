#!/usr/bin/env python3
"""Reference control plane for scrub-agent (DESIGN.md section 6, "Control plane").

A small, real HTTP server for local use and for the C++ end-to-end tests. Python 3.11
standard library only. It binds 127.0.0.1, prints exactly one line to stdout when ready:

    listening http://127.0.0.1:PORT

and records what it saw under --state-dir (calls.jsonl, events.json, state.json, uploads/).
Every state file is replaced atomically (temp file + rename), so a test may read it at any
time. See README.md next to this file for the misbehaviour specs.
"""

import argparse
import datetime
import hashlib
import hmac
import http.server
import json
import os
import signal
import sys
import tempfile
import threading
import time
import urllib.parse

API_VERSION = "1"
EVENT_STATES = {"running", "step_started", "step_finished", "heartbeat",
                "succeeded", "failed", "cancelled"}
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"  # every zstd frame starts with this


class HttpError(Exception):
    """Raised by a handler to end a request with status and {"error": message}."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status, self.message = status, message


def parse_misbehave(specs):
    """Turn ["503:2", "slow:50", "expired", ...] into a dict; a repeated kind: last wins."""
    counted = {"503", "503-events", "slow", "cancel-after", "drop"}
    out = {}
    for spec in specs:
        kind, _, arg = spec.partition(":")
        if kind == "expired" and not arg:
            out["expired"] = True
        elif kind in counted and arg.isdigit():
            out[kind] = int(arg)
        else:
            raise ValueError(f"bad --misbehave spec {spec!r}")
    return out


def write_atomic(path, data):
    """Write bytes to path via a temp file in the same directory and a rename."""
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".tmp-")
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def now():
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds")


class ControlPlane:
    """All server state. Every mutation and file write happens under self.lock."""

    def __init__(self, job_bytes, job_id, token, state_dir, heartbeat_s, misbehave):
        self.job_bytes, self.job_id, self.token = job_bytes, job_id, token
        self.state_dir, self.heartbeat_s, self.mb = state_dir, heartbeat_s, misbehave
        self.lock = threading.Lock()
        self.requests = 0        # requests seen (not /_state), for drop:N and 503:N
        self.event_posts = 0     # authenticated event POSTs seen, for 503-events:N
        self.calls = []          # one dict per request, mirrored to calls.jsonl
        self.events = {}         # seq -> {"event": body, "reply": reply}
        self.state = {"job_id": job_id, "registered": False, "register": None,
                      "revoked": False, "expired": bool(misbehave.get("expired")),
                      "events": 0, "duplicates": 0, "duplicate_conflicts": 0,
                      "last_state": None, "cancel_sent": False, "uploads": {},
                      "requests": 0, "misbehave": misbehave}
        os.makedirs(os.path.join(state_dir, "uploads"), exist_ok=True)
        self.save(events=True)  # every file exists from the start

    def path(self, name):
        return os.path.join(self.state_dir, name)

    def save(self, events=False):
        """Rewrite state.json and calls.jsonl (and events.json if asked). Caller holds lock."""
        self.state["requests"] = self.requests
        write_atomic(self.path("state.json"), json.dumps(self.state, indent=2).encode())
        lines = "".join(json.dumps(c) + "\n" for c in self.calls)
        write_atomic(self.path("calls.jsonl"), lines.encode())
        if events:
            ordered = [self.events[s]["event"] for s in sorted(self.events)]
            write_atomic(self.path("events.json"), json.dumps(ordered, indent=2).encode())

    def record(self, call):
        with self.lock:
            self.calls.append(call)
            self.save()

    def take_misbehaviour(self):
        """Count one request; return "drop", "503" or None. drop:N applies to requests
        1..N, then 503:M to the next M requests (a dropped request is not counted twice)."""
        with self.lock:
            self.requests += 1
            n = self.requests
        drop = self.mb.get("drop", 0)
        if n <= drop:
            return "drop"
        if n <= drop + self.mb.get("503", 0):
            return "503"
        return None


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"   # keep-alive, and "Expect: 100-continue" is honoured
    server_version = "scrub-control-plane/1"
    cp: ControlPlane = None         # set in main()

    # -- plumbing ---------------------------------------------------------------------

    def log_message(self, fmt, *args):  # goes to stderr; never includes the token
        sys.stderr.write("control_plane: %s\n" % (fmt % args))

    def read_body(self):
        """Read the whole request body (Content-Length or chunked) before replying, so
        that a keep-alive connection stays in sync whatever the reply is."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            parts = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # skip trailers
                    return b"".join(parts)
                parts.append(self.rfile.read(size))
                self.rfile.readline()  # CRLF after each chunk
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def send(self, status, obj=None, raw=None):
        body = raw if raw is not None else (b"" if obj is None else json.dumps(obj).encode())
        self.send_response(status)
        if status != 204:  # a 204 carries neither a body nor a Content-Length
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if status != 204:
            self.wfile.write(body)

    def auth_state(self):
        got = self.headers.get("Authorization")
        if got is None:
            return "missing"
        good = hmac.compare_digest(got.encode(), ("Bearer " + self.cp.token).encode())
        return "matched" if good else "mismatch"

    # -- dispatch ---------------------------------------------------------------------

    def do_GET(self):
        self.handle_any("GET")

    def do_POST(self):
        self.handle_any("POST")

    def do_PUT(self):
        self.handle_any("PUT")

    def do_DELETE(self):
        self.handle_any("DELETE")

    def do_PATCH(self):
        self.handle_any("PATCH")

    def handle_any(self, method):
        cp = self.cp
        try:
            body = self.read_body()
        except ValueError:
            self.close_connection = True
            return self.send(400, {"error": "malformed body framing"})
        path = urllib.parse.urlsplit(self.path).path

        if path == "/_state":  # debugging aid: no auth, no misbehaviour, not recorded
            with cp.lock:
                return self.send(200, raw=json.dumps(cp.state, indent=2).encode())

        call = {"ts": now(), "method": method, "path": path, "auth": self.auth_state(),
                "api_version": self.headers.get("X-Scrub-Api-Version")}
        action = cp.take_misbehaviour()
        if cp.mb.get("slow"):
            time.sleep(cp.mb["slow"] / 1000.0)
        if action == "drop":  # close the connection without writing a single byte
            call.update(status=None, misbehaviour="drop")
            cp.record(call)
            self.close_connection = True
            return
        try:
            if action == "503":
                call["misbehaviour"] = "503"
                raise HttpError(503, "injected failure (503:N)")
            status, reply = self.route(method, path, body, call)
        except HttpError as e:
            status, reply = e.status, {"error": e.message}
        call["status"] = status
        cp.record(call)  # recorded before the reply leaves, so a client never outruns it
        if isinstance(reply, bytes):
            self.send(status, raw=reply)
        else:
            self.send(status, reply)

    def route(self, method, path, body, call):
        """Check auth, version, job id; run the endpoint. Returns (status, reply)."""
        cp = self.cp
        with cp.lock:
            revoked, expired = cp.state["revoked"], cp.state["expired"]
        if call["auth"] != "matched":
            raise HttpError(401, "missing or wrong bearer token")
        if expired:
            raise HttpError(401, "token expired")
        if revoked:
            raise HttpError(401, "token revoked")
        if call["api_version"] != API_VERSION:
            raise HttpError(400, "X-Scrub-Api-Version must be 1")

        parts = path.split("/")  # "", "v1", "jobs", JOB, [endpoint, [name...]]
        if len(parts) < 4 or parts[:3] != ["", "v1", "jobs"]:
            raise HttpError(404, "no such endpoint")
        if urllib.parse.unquote(parts[3]) != cp.job_id:
            raise HttpError(404, "unknown job")
        rest = parts[4:]
        endpoint = rest[0] if rest else ""
        routes = {("", "GET"): self.get_job, ("register", "POST"): self.register,
                  ("events", "POST"): self.post_event, ("artifacts", "PUT"): self.upload,
                  ("revoke", "POST"): self.revoke}
        known = endpoint in {e for e, _ in routes}
        if not known or (len(rest) > 1) != (endpoint == "artifacts"):  # only artifacts/NAME
            raise HttpError(404, "no such endpoint")
        if (endpoint, method) not in routes:
            raise HttpError(405, f"{method} not allowed here")
        return routes[(endpoint, method)](body, call, rest[1:])

    # -- endpoints --------------------------------------------------------------------

    @staticmethod
    def json_object(body, call):
        try:
            obj = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            call["body_size"] = len(body)
            raise HttpError(400, "body is not valid JSON")
        call["body"] = obj
        if not isinstance(obj, dict):
            raise HttpError(400, "body must be a JSON object")
        return obj

    def get_job(self, body, call, _):
        return 200, self.cp.job_bytes

    def register(self, body, call, _):
        obj = self.json_object(body, call)
        with self.cp.lock:
            self.cp.state.update(registered=True, register=obj)
        return 200, {"heartbeat_s": self.cp.heartbeat_s}

    def post_event(self, body, call, _):
        cp = self.cp
        with cp.lock:
            cp.event_posts += 1
            failing = cp.event_posts <= cp.mb.get("503-events", 0)
        if failing:  # checked before parsing: a 503'd event is never recorded
            call["misbehaviour"] = "503-events"
            raise HttpError(503, "injected failure (503-events:N)")
        ev = self.json_object(body, call)
        seq = ev.get("seq")
        if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0:
            raise HttpError(400, "seq must be a non-negative integer")
        if ev.get("state") not in EVENT_STATES:
            raise HttpError(400, "state must be one of " + ", ".join(sorted(EVENT_STATES)))
        with cp.lock:
            if seq in cp.events:  # a retry: same reply as the first time, recorded once
                seen = cp.events[seq]
                cp.state["duplicates"] += 1
                if seen["event"] != ev:
                    cp.state["duplicate_conflicts"] += 1
                call["duplicate"] = True
                return 200, seen["reply"]
            cp.state["events"] += 1
            cancel = "cancel-after" in cp.mb and cp.state["events"] >= cp.mb["cancel-after"]
            reply = {"cancel": cancel}
            cp.events[seq] = {"event": ev, "reply": reply}
            cp.state["last_state"] = cp.events[max(cp.events)]["event"]["state"]
            cp.state["cancel_sent"] |= cancel
            cp.save(events=True)
        return 200, reply

    def upload(self, body, call, name_parts):
        # The name may arrive as "a/b" or "a%2Fb"; both are stored as uploads/a/b.zst.
        name = urllib.parse.unquote("/".join(name_parts))
        pieces = name.split("/")
        if any(p in ("", ".", "..") or "\\" in p or "\0" in p for p in pieces):
            raise HttpError(400, "bad artifact name")
        digest = hashlib.sha256(body).hexdigest()
        claimed = self.headers.get("X-Content-SHA256")
        call.update(name=name, size=len(body), sha256=digest, content_sha256=claimed)
        if claimed is None:
            raise HttpError(400, "missing X-Content-SHA256")
        if claimed.strip().lower() != digest:
            raise HttpError(400, "X-Content-SHA256 does not match the body")
        if not body.startswith(ZSTD_MAGIC):
            raise HttpError(400, "body is not zstd-compressed")
        dest = os.path.join(self.cp.state_dir, "uploads", *pieces[:-1], pieces[-1] + ".zst")
        with self.cp.lock:
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            write_atomic(dest, body)
            self.cp.state["uploads"][name] = {"size": len(body), "sha256": digest}
        return 200, {"sha256": digest}

    def revoke(self, body, call, _):
        with self.cp.lock:
            self.cp.state["revoked"] = True
        return 204, None


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--job", required=True, help="job JSON file served by GET /v1/jobs/{job}")
    ap.add_argument("--token", required=True, help="the bearer token the agent must send")
    ap.add_argument("--job-id", help="job id in URLs (default: the job file's \"id\")")
    ap.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: any free)")
    ap.add_argument("--state-dir", help="where to record calls (default: a new temp dir)")
    ap.add_argument("--misbehave", action="append", default=[], metavar="SPEC",
                    help="503:N 503-events:N slow:MS cancel-after:N expired drop:N")
    ap.add_argument("--heartbeat-s", type=int, default=30, help="heartbeat_s in register reply")
    args = ap.parse_args()
    try:
        misbehave = parse_misbehave(args.misbehave)
    except ValueError as e:
        ap.error(str(e))
    with open(args.job, "rb") as f:
        job_bytes = f.read()
    job = json.loads(job_bytes)  # fail early on a broken job file
    job_id = args.job_id or (job.get("id") if isinstance(job, dict) else None)
    if not job_id:
        ap.error("--job-id is needed when the job file has no \"id\"")
    state_dir = os.path.abspath(args.state_dir or tempfile.mkdtemp(prefix="scrub-cp-"))

    Handler.cp = ControlPlane(job_bytes, str(job_id), args.token, state_dir,
                              args.heartbeat_s, misbehave)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True

    # serve_forever runs in a thread; the main thread waits for SIGTERM/SIGINT, then
    # calls shutdown() (which must not run on the serving thread itself).
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    sys.stderr.write(f"control_plane: job {job_id}, state dir {state_dir}\n")
    print(f"listening http://127.0.0.1:{server.server_address[1]}", flush=True)
    while not stop.wait(0.5):
        pass
    server.shutdown()
    server.server_close()
    sys.stderr.write("control_plane: stopped\n")


if __name__ == "__main__":
    main()
