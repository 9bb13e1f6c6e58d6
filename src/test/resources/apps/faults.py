"""Test app for SlowClientsIT and FaultsIT: counts its calls per path and how many run at once, and misbehaves
on request.

  /stats              {"calls": {path: n}, "active": n, "max_active": n, "pid": pid}  (not counted)
  /fast               "ok"
  /echo               the request body
  /download?size=N    N bytes, yielded in 64 KiB pieces; the iterable's close() appends "closed <id>" to
                      MARKER_DIR/closed (from --setenv) so a test sees it was called after a client left
  /sleep?secs=S       sleeps, then "slept <pid>"; first appends "started <pid>" to MARKER_DIR/started
  /segfault           reads address 0 through ctypes: the process dies of SIGSEGV
  /leak?mb=N          keeps N MiB more resident, for good
  /block              blocks forever (request-timeout's business)
"""
import ctypes
import json
import os
import threading
import time
from urllib.parse import parse_qs

_lock = threading.Lock()
_calls = {}
_active = 0
_max_active = 0
_leaked = []


def _param(environ, name, default):
    values = parse_qs(environ.get('QUERY_STRING', '')).get(name)
    return values[0] if values else default


def _reply(start_response, body, status='200 OK', ctype='text/plain'):
    start_response(status, [('Content-Type', ctype), ('Content-Length', str(len(body)))])
    return [body]


class _Download:
    def __init__(self, environ, size):
        self.size = size
        self.ident = _param(environ, 'id', '-')
        self.marker = environ.get('MARKER_DIR')

    def __iter__(self):
        piece = b'x' * 65536
        left = self.size
        while left > 0:
            n = min(left, len(piece))
            left -= n
            yield piece[:n]

    def close(self):
        if self.marker:
            with open(os.path.join(self.marker, 'closed'), 'a') as f:
                f.write('closed %s\n' % self.ident)


def application(environ, start_response):
    global _active, _max_active
    path = environ.get('PATH_INFO', '')
    if path == '/stats':
        with _lock:
            body = json.dumps({'calls': _calls, 'active': _active, 'max_active': _max_active,
                               'pid': os.getpid()}).encode()
        return _reply(start_response, body, ctype='application/json')
    with _lock:
        _calls[path] = _calls.get(path, 0) + 1
        _active += 1
        _max_active = max(_max_active, _active)
    try:
        if path == '/download':
            size = int(_param(environ, 'size', '1048576'))
            start_response('200 OK', [('Content-Type', 'application/octet-stream'),
                                      ('Content-Length', str(size))])
            return _Download(environ, size)
        body = environ['wsgi.input'].read()
        if path == '/echo':
            return _reply(start_response, body, ctype='application/octet-stream')
        if path == '/sleep':
            marker = environ.get('MARKER_DIR')
            if marker:
                with open(os.path.join(marker, 'started'), 'a') as f:
                    f.write('started %d\n' % os.getpid())
            time.sleep(float(_param(environ, 'secs', '1')))
            return _reply(start_response, b'slept %d' % os.getpid())
        if path == '/segfault':
            ctypes.string_at(0)
        if path == '/leak':
            _leaked.append(b'\x01' * (int(_param(environ, 'mb', '10')) * 1024 * 1024))  # written: resident
            return _reply(start_response, b'leaked')
        if path == '/block':
            threading.Event().wait()
        return _reply(start_response, b'ok')
    finally:
        with _lock:
            _active -= 1
