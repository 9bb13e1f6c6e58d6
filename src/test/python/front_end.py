"""The Java front end, played by the tests: environ encoding and frame I/O over a real socket, and
``WorkerProcessCase``, which runs worker.py as a real subprocess against a listener the test owns.

``encode_environ`` writes exactly the marshal subset docs/protocol.md lists, deterministically (entries in
the dict's order; str as `z` when ASCII and under 256 bytes, `a` when ASCII and longer, else `u` with
UTF-8), which is what io.jwsgi.protocol.EnvironEncoder must produce byte for byte.
"""

import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import textwrap
import threading
import unittest

import jwsgi

WORKER = os.path.join(os.path.dirname(os.path.abspath(jwsgi.__file__)), 'worker.py')
TOKEN = 'tok3n'

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


class FixedApplication(object):
    """Stands in for jwsgi.application.Application with a given callable."""

    callable_object = 'application'

    def __init__(self, app):
        self.app = app

    def get(self):
        return self.app


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


class WorkerProcessCase(unittest.TestCase):
    """worker.py as a real subprocess; the test plays Java: listens, checks HELLOs, sends requests."""

    def setUp(self):
        self.directory = tempfile.mkdtemp()
        self.socket_path = os.path.join(self.directory, 'group.sock')
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(self.socket_path)
        self.listener.listen(16)
        self.listener.settimeout(20)
        self.process = None
        self.control = None
        self.fronts = []

    def tearDown(self):
        for front in self.fronts:
            front.sock.close()
        self.listener.close()
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        if self.process is not None:
            self.process.stdout.close()
            self.process.stderr.close()
        shutil.rmtree(self.directory)

    def start(self, app, threads=1, socket_path=None, config=None, script='app.wsgi'):
        app_path = os.path.join(self.directory, script)
        with open(app_path, 'w') as f:
            f.write(textwrap.dedent(app))
        lib = os.path.join(self.directory, 'lib')
        os.mkdir(lib)
        os.mkdir(os.path.join(lib, 'extra'))
        with open(os.path.join(lib, 'extra.pth'), 'w') as f:
            f.write('extra\n')
        settings = {
            'process_group': 'main', 'application_group': '', 'processes': 1, 'multiprocess': False,
            'threads': threads, 'application_type': 'script', 'entry_point': app_path,
            'callable_object': 'application', 'working_directory': self.directory,
            'python_path': [lib], 'maximum_requests': 0, 'server_software': 'jwsgi/0.1.0',
            'version': '0.1.0'}
        settings.update(config or {})
        config_path = os.path.join(self.directory, 'worker.json')
        with open(config_path, 'w') as f:
            json.dump(settings, f)
        env = dict(os.environ, JWSGI_SOCKET=socket_path or self.socket_path, JWSGI_TOKEN=TOKEN,
                   JWSGI_WORKER_SLOT='1', JWSGI_CONFIG=config_path)
        env.pop('PYTHONPATH', None)
        env.pop('PYTHONUNBUFFERED', None)
        self.process = subprocess.Popen([sys.executable, WORKER], env=env, cwd='/',
                                        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE)

    def accept(self):
        """Accept one request channel and check its HELLO; returns (front end, thread index). The
        control channel (always the first to connect) is kept as ``self.control``."""
        front, index = self.accept_any()
        if index == 'control':
            self.control = front
            front, index = self.accept_any()
        return front, int(index)

    def accept_any(self):
        sock, _ = self.listener.accept()
        front = FrontEnd(sock)
        self.fronts.append(front)
        ftype, payload = front.read_frame()
        self.assertEqual(ftype, 'W')
        token, pid, slot, index = payload.decode('ascii').split(' ')
        self.assertEqual((token, int(pid), slot), (TOKEN, self.process.pid, '1'))
        return front, index

    def request(self, front, environ=None, body=()):
        front.send(request_frames(environ or base_environ(PATH_INFO='/env'), body))
        return Response(front.read_response())

    def finish(self):
        """Wait for the process; returns (exit code, stdout, stderr)."""
        out, err = self.process.communicate(timeout=20)
        return self.process.returncode, out.decode(), err.decode()

    def control_line(self, timeout=10):
        """The next control command from the worker other than ``heartbeat``."""
        self.control.sock.settimeout(timeout)
        while True:
            ftype, payload = self.control.read_frame()
            assert ftype == 'C', ftype
            if payload != b'heartbeat':
                return payload.decode('ascii')

    def send_control(self, line):
        self.control.send(frame('C', line.encode('ascii')))
