#!/usr/bin/env python3
"""A loopback HTTP receiver for the jobs tests, bounded in requests and time.

    receiver.py PORT LOG PLAN [MAX_REQUESTS] [MAX_SECONDS]

PLAN is a comma-separated list of responses given in order, then the last one
forever: a status code ("500"), "410", "503:2" for 503 with Retry-After: 2,
or "hang:9" to hold the request 9 seconds before answering 200.
Every request is appended to LOG as one JSON line (method, path, headers,
base64 body) so the test can verify signatures in SQL afterwards. Listens on
127.0.0.1 only, and exits after MAX_REQUESTS requests or MAX_SECONDS seconds.
"""
import base64, json, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port, log_path, plan = int(sys.argv[1]), sys.argv[2], sys.argv[3].split(",")
max_requests = int(sys.argv[4]) if len(sys.argv) > 4 else 100
max_seconds = float(sys.argv[5]) if len(sys.argv) > 5 else 60
lock = threading.Lock()
served = 0


class Handler(BaseHTTPRequestHandler):
    def handle_one(self):
        global served
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        with lock:
            step = plan[min(served, len(plan) - 1)]
            served += 1
            with open(log_path, "a") as f:
                f.write(json.dumps({
                    "method": self.command, "path": self.path,
                    "headers": {k.lower(): v for k, v in self.headers.items()},
                    "body": base64.b64encode(body).decode(),
                }) + "\n")
        code, _, retry_after = step.partition(":")
        if code == "hang":
            time.sleep(float(retry_after))
            code, retry_after = "200", ""
        self.send_response(int(code))
        if retry_after:
            self.send_header("Retry-After", retry_after)
        reply = json.dumps({"status": int(code)}).encode()
        self.send_header("Content-Type", "application/json")
        self.send_header("Set-Cookie", "session=never-stored")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        try:
            self.wfile.write(reply)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the sender was killed mid-request (the lease test does that)
        if served >= max_requests:
            threading.Thread(target=self.server.shutdown, daemon=True).start()

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = handle_one

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
timer = threading.Timer(max_seconds, server.shutdown)
timer.daemon = True
timer.start()
server.serve_forever()
