"""A proxy backend for ProxyIT, Python stdlib only: prints "PORT <n>" once listening on 127.0.0.1, or, given a
path argument, "UNIX <path>" once listening on that UNIX socket.

GET  anything else      200, text: "METHOD target", then every header as received, one a line
GET  /.../redirect      302 to this backend's own absolute URL (for ProxyPassReverse)
GET  /.../bytes?mib=N   N MiB of a repeating pattern, Content-Length set
GET  /.../held          1 MiB, then waits until /release is called, then 1 MiB more (streaming proof)
GET  /release           releases /held
POST anything           reads the body in 64 KiB pieces; text: "<length> <sha256>"
GET  /received          how many body bytes the running upload has read so far
GET  /.../sleep?secs=S  answers after S seconds
GET  /.../ws            WebSocket (RFC 6455): sends "hello", then echoes each text message (fragmented or not) as "echo: <text>"
"""
import base64
import hashlib
import socket
import socketserver
import struct
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

MIB = 1024 * 1024
PATTERN = bytes(range(256)) * 4096  # 1 MiB
released = threading.Event()
received = [0]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def reply(self, status, body, content_type="text/plain", extra=()):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in extra:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        last = url.path.rstrip("/").rsplit("/", 1)[-1]
        if last == "ws" and self.headers.get("Upgrade", "").lower() == "websocket":
            return self.websocket()
        if last == "redirect":
            host, port = self.server.server_address[:2]
            return self.reply(302, b"", extra=[("Location", "http://%s:%d/base/elsewhere?x=1" % (host, port))])
        if last == "bytes":
            mib = int(query["mib"][0])
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(mib * MIB))
            self.end_headers()
            for _ in range(mib):
                self.wfile.write(PATTERN)
            return
        if last == "held":
            released.clear()
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(2 * MIB))
            self.end_headers()
            self.wfile.write(PATTERN)
            self.wfile.flush()
            released.wait(60)
            self.wfile.write(PATTERN)
            return
        if last == "release":
            released.set()
            return self.reply(200, b"released", "text/plain")
        if last == "received":
            return self.reply(200, str(received[0]).encode(), "text/plain")
        if last == "sleep":
            threading.Event().wait(float(query["secs"][0]))
            return self.reply(200, b"slept", "text/plain")
        lines = ["%s %s" % (self.command, self.path)] + ["%s: %s" % kv for kv in self.headers.items()]
        self.reply(200, "\n".join(lines).encode("latin-1"), "text/plain")

    def do_POST(self):
        remaining = int(self.headers["Content-Length"])
        digest = hashlib.sha256()
        received[0] = 0
        while remaining:
            piece = self.rfile.read(min(remaining, 65536))
            if not piece:
                break
            digest.update(piece)
            remaining -= len(piece)
            received[0] += len(piece)
        self.reply(200, ("%d %s" % (received[0], digest.hexdigest())).encode(), "text/plain")

    def websocket(self):
        key = self.headers["Sec-WebSocket-Key"]
        accept = base64.b64encode(hashlib.sha1((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest())
        self.send_response(101)
        self.send_header("Upgrade", "websocket")
        self.send_header("Connection", "Upgrade")
        self.send_header("Sec-WebSocket-Accept", accept.decode())
        self.end_headers()
        self.wfile.flush()
        self.send_frame(0x1, b"hello")
        message = b""
        while True:
            fin, opcode, payload = self.read_frame()
            if opcode is None or opcode == 0x8:
                if opcode == 0x8:
                    self.send_frame(0x8, payload[:2])
                break
            if opcode == 0x9:
                self.send_frame(0xA, payload)
            elif opcode in (0x0, 0x1):
                message += payload
                if fin:
                    self.send_frame(0x1, b"echo: " + message)
                    message = b""
        self.close_connection = True

    def send_frame(self, opcode, payload):
        head = bytes([0x80 | opcode])
        n = len(payload)
        if n < 126:
            head += bytes([n])
        elif n < 65536:
            head += bytes([126]) + struct.pack("!H", n)
        else:
            head += bytes([127]) + struct.pack("!Q", n)
        self.wfile.write(head + payload)
        self.wfile.flush()

    def read_exact(self, n):
        data = self.rfile.read(n)
        return data if len(data) == n else None

    def read_frame(self):
        head = self.read_exact(2)
        if head is None:
            return True, None, b""
        fin, opcode, length = bool(head[0] & 0x80), head[0] & 0x0F, head[1] & 0x7F
        if length == 126:
            length = struct.unpack("!H", self.read_exact(2))[0]
        elif length == 127:
            length = struct.unpack("!Q", self.read_exact(8))[0]
        mask = self.read_exact(4) if head[1] & 0x80 else b"\0\0\0\0"
        data = self.read_exact(length) if length else b""
        return fin, opcode, bytes(b ^ mask[i % 4] for i, b in enumerate(data))


class Server(ThreadingHTTPServer):
    daemon_threads = True
    address_family = socket.AF_INET


class UnixServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


if len(sys.argv) > 1:
    server = UnixServer(sys.argv[1], Handler)
    print("UNIX", sys.argv[1], flush=True)
else:
    server = Server(("127.0.0.1", 0), Handler)
    print("PORT", server.server_address[1], flush=True)
server.serve_forever()
