"""A local sink for upload measurements: reads every request body in 1 MiB chunks, discards it,
and answers each API path with a minimal valid response.

Usage: python3 cli/benches/sink.py PORT
"""
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT = int(sys.argv[1])
BASE = f"http://127.0.0.1:{PORT}"


class Sink(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def drain(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            while True:
                size = int(self.rfile.readline().strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return
                self.rfile.read(size + 2)
        remaining = int(self.headers.get("Content-Length", 0))
        while remaining:
            remaining -= len(self.rfile.read(min(remaining, 1 << 20)))

    def answer(self, status, body=None):
        data = json.dumps(body).encode() if body is not None else b""
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        self.drain()
        path = self.path.split("?")[0]
        if path.endswith("/upload-presigned-url/"):
            self.answer(200, {"url": f"{BASE}/bucket", "fields": {"key": "media/${filename}", "policy": "p"}})
        elif path == "/bucket":
            self.answer(204)
        elif path.endswith("/attachments/"):
            self.answer(201, {"id": "550e8400-e29b-41d4-a716-446655440000", "filename": "f", "file": "media/f"})
        elif path.endswith("/attachments-upload/"):
            self.answer(200)
        elif path.startswith("/upload/v1/files") or path == "/v1/files":
            self.answer(200, {"name": "files/sink"})
        elif path.endswith("/files"):
            self.answer(200, {"object": "file", "id": "f", "bytes": 0, "filename": "f", "created_at": 0, "purpose": "assistants"})
        elif "/chat/threads/" in path:
            self.answer(201, {"id": "img"})
        else:
            self.answer(404, {"error": path})


ThreadingHTTPServer(("127.0.0.1", PORT), Sink).serve_forever()
