"""The Java front end, played by the tests: environ encoding and frame I/O over a real socket.

``encode_environ`` writes exactly the marshal subset docs/protocol.md lists, deterministically (entries in
the dict's order; str as `z` when ASCII and under 256 bytes, `a` when ASCII and longer, else `u` with
UTF-8), which is what io.jwsgi.protocol.EnvironEncoder must produce byte for byte.
"""

import socket
import struct
import threading

HEADER = struct.Struct('>BI')
INT32 = struct.Struct('<i')
UINT32 = struct.Struct('>I')


def encode_str(text):
    try:
        data = text.encode('ascii')
    except UnicodeEncodeError:
        data = text.encode('utf-8', 'surrogatepass')
        return b'u' + INT32.pack(len(data)) + data
    if len(data) < 256:
        return b'z' + bytes([len(data)]) + data
    return b'a' + INT32.pack(len(data)) + data


def encode_value(value):
    if value is True:
        return b'T'
    if value is False:
        return b'F'
    if isinstance(value, int):
        if not -2 ** 31 <= value < 2 ** 31:
            raise ValueError('int out of int32 range: %d' % value)
        return b'i' + INT32.pack(value)
    if isinstance(value, str):
        return encode_str(value)
    raise TypeError('environ values are str, int or bool, not %s' % type(value).__name__)


def encode_environ(environ):
    parts = [b'{']
    for key, value in environ.items():
        key.encode('ascii')
        parts.append(encode_str(key))
        parts.append(encode_value(value))
    parts.append(b'0')
    return b''.join(parts)


def frame(ftype, payload=b''):
    return HEADER.pack(ord(ftype), len(payload)) + payload


def request_frames(environ, body=(), more=False):
    """`Q`, the pushed `B` frames, then `M` (more on request) or `E`."""
    return (frame('Q', encode_environ(environ)) + b''.join(frame('B', b) for b in body)
            + frame('M' if more else 'E'))


def base_environ(**extra):
    environ = {
        'REQUEST_METHOD': 'GET', 'SCRIPT_NAME': '', 'PATH_INFO': '/', 'QUERY_STRING': '',
        'REQUEST_URI': '/', 'SERVER_NAME': 'localhost', 'SERVER_PORT': '8000',
        'SERVER_PROTOCOL': 'HTTP/1.1', 'REMOTE_ADDR': '127.0.0.1', 'REMOTE_PORT': '50000',
        'wsgi.url_scheme': 'http', 'mod_wsgi.request_id': 'r1',
        'mod_wsgi.request_start': '1700000000123456',
    }
    environ.update(extra)
    return environ


class FrontEnd(object):
    """The Java end of one channel."""

    def __init__(self, sock):
        self.sock = sock
        self.sock.settimeout(10)
        self._buf = b''

    def send(self, data):
        self.sock.sendall(data)

    def _recv_exact(self, n):
        while len(self._buf) < n:
            data = self.sock.recv(65536)
            if not data:
                raise EOFError('channel closed with %d of %d bytes' % (len(self._buf), n))
            self._buf += data
        data, self._buf = self._buf[:n], self._buf[n:]
        return data

    def read_frame(self):
        ftype, length = HEADER.unpack(self._recv_exact(5))
        return chr(ftype), self._recv_exact(length)

    def read_response(self, body_source=None):
        """Frames up to and including `E` or `X`; answers `R` from ``body_source`` (a list of bytes
        chunks, consumed; `E` when empty)."""
        frames = []
        while True:
            ftype, payload = self.read_frame()
            if ftype == 'R':
                want = UINT32.unpack(payload)[0]
                frames.append(('R', want))
                if body_source:
                    chunk = body_source.pop(0)
                    assert len(chunk) <= want, (len(chunk), want)
                    self.send(frame('B', chunk))
                else:
                    self.send(frame('E'))
                continue
            frames.append((ftype, payload))
            if ftype in 'EX':
                return frames


class Response(object):
    """A decoded response: status, headers, body, the frames, and the FAIL reason if any."""

    def __init__(self, frames):
        self.frames = frames
        self.types = ''.join(f[0] for f in frames)
        self.status = None
        self.headers = []
        self.body = b''.join(p for t, p in frames if t == 'D')
        self.fail = None
        for ftype, payload in frames:
            if ftype == 'H':
                lines = payload.decode('latin-1').split('\r\n')
                assert lines[-1] == '', payload
                self.status = lines[0]
                self.headers = [tuple(line.split(': ', 1)) for line in lines[1:-1]]
            elif ftype == 'X':
                self.fail = (payload[:1].decode('ascii'), payload[1:].decode('utf-8'))

    def header(self, name):
        values = [v for n, v in self.headers if n.lower() == name.lower()]
        return values[0] if values else None


class Exchange(object):
    """A worker-side adapter serving one channel of a socketpair in a thread; the test is Java."""

    def __init__(self, adapter, thread_id=1):
        from jwsgi.channel import Channel
        a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        self.channel = Channel(a)
        self.front = FrontEnd(b)
        self.adapter = adapter
        self.constants = adapter.thread_constants(thread_id)
        self.error = None
        self.thread = None

    def start(self):
        def serve():
            try:
                self.adapter.serve(self.channel, self.constants)
            except BaseException as e:
                self.error = e
        self.thread = threading.Thread(target=serve, daemon=True)
        self.thread.start()

    def join(self):
        self.thread.join(10)
        assert not self.thread.is_alive(), 'adapter did not finish'

    def request(self, environ, body=(), more=False, body_source=None):
        self.front.send(request_frames(environ, body, more))
        self.start()
        response = Response(self.front.read_response(body_source))
        self.join()
        if self.error is not None:
            raise self.error
        return response

    def close(self):
        self.channel.close()
        self.front.sock.close()
