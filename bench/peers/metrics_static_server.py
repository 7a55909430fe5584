#!/usr/bin/env python3
"""A trivial static HTTP server: the peer of the agent's /metrics.

Python's standard library (http.server), HTTP/1.1 keep-alive, answering every
GET with the bytes of FILE (the agent's exposition, dumped by
metrics-bench-server --dump) from memory. What a hand-rolled exporter or a
"serve a file" sidecar costs per scrape, before it computes anything.

Usage: metrics_static_server.py FILE PORT
"""

import http.server
import sys


def main():
    path, port = sys.argv[1], int(sys.argv[2])
    with open(path, "rb") as f:
        body = f.read()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):  # noqa: N802 (http.server's naming)
            self.send_response(200)
            self.send_header("Content-Type",
                             "text/plain; version=0.0.4; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", port), Handler)
    print("serving", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
