#!/usr/bin/env python3
"""Tiny HTTP file server for the downloader tests (stdlib only).

Serves files from --root on 127.0.0.1 at a free port, printed as the first line of stdout.
Paths:
  /files/NAME            the file, honouring "Range: bytes=N-" with 206 Partial Content
  /cutonce/N/NAME        the first request for this path sends full headers but drops the connection after N bytes;
                         later requests behave like /files/NAME (Range honoured)
  /norange/NAME          ignores Range and always answers 200 with the whole file
Every request is appended to --log as "METHOD PATH RANGE-HEADER-OR-DASH".
"""
import argparse
import os
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

args = None
cut_done = set()
lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *a):  # keep stderr quiet
        pass

    def do_GET(self):
        rng = self.headers.get("Range")
        with lock:
            with open(args.log, "a") as f:
                f.write("GET %s %s\n" % (self.path, rng or "-"))
        parts = self.path.strip("/").split("/")
        cut_at = None
        honour_range = True
        if len(parts) == 2 and parts[0] == "files":
            name = parts[1]
        elif len(parts) == 3 and parts[0] == "cutonce":
            name = parts[2]
            with lock:
                if self.path not in cut_done:
                    cut_done.add(self.path)
                    cut_at = int(parts[1])
        elif len(parts) == 2 and parts[0] == "norange":
            name = parts[1]
            honour_range = False
        else:
            return self.send_error(404)
        path = os.path.join(args.root, name)
        if not os.path.isfile(path):
            return self.send_error(404)
        with open(path, "rb") as f:
            data = f.read()
        start = 0
        if rng and honour_range and rng.startswith("bytes="):
            start = int(rng[len("bytes="):].split("-")[0])
            if start >= len(data):
                self.send_response(416)
                self.send_header("Content-Range", "bytes */%d" % len(data))
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", "bytes %d-%d/%d" % (start, len(data) - 1, len(data)))
        else:
            self.send_response(200)
        body = data[start:]
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Accept-Ranges", "bytes" if honour_range else "none")
        self.end_headers()
        if cut_at is not None:
            self.wfile.write(body[:cut_at])
            self.wfile.flush()
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        self.wfile.write(body)


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # clients that cancel reset the connection; that is expected here


def main():
    global args
    p = argparse.ArgumentParser()
    p.add_argument("--root", required=True)
    p.add_argument("--log", required=True)
    args = p.parse_args()
    server = QuietServer(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
