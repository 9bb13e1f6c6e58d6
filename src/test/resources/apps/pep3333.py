"""Integration-test app for PEP 3333 and the HTTP path: each URL exposes one thing the server gave it.

Environ dump (/environ): one line per key, ``key<TAB>type<TAB>value``; str values are hex of their UTF-8
encoding (so every code point survives), everything else is ``repr()``.

Files: ``RECORD_DIR`` (from --setenv) is where close() calls, invocations and "started" markers go, so a
later request (or the test itself) can see what happened in an earlier one.
"""
import hashlib
import os
import sys
import time
from urllib.parse import parse_qs


def params(environ):
    return {k: v[-1] for k, v in parse_qs(environ.get('QUERY_STRING', ''), keep_blank_values=True).items()}


def record(environ, name, line):
    directory = environ.get('RECORD_DIR')
    if directory:
        with open(os.path.join(directory, name), 'a') as f:
            f.write(line + '\n')


def recorded(environ, name):
    try:
        with open(os.path.join(environ['RECORD_DIR'], name)) as f:
            return f.read()
    except FileNotFoundError:
        return ''


def text(start_response, body, status='200 OK', extra=()):
    if isinstance(body, str):
        body = body.encode('utf-8')
    start_response(status, [('Content-Type', 'text/plain'), ('Content-Length', str(len(body)))] + list(extra))
    return [body]


def dump_environ(environ):
    lines = []
    for key in sorted(environ):
        value = environ[key]
        if type(value) is str:
            shown = value.encode('utf-8').hex()
        else:
            shown = repr(value)
        lines.append('%s\t%s\t%s' % (key, type(value).__name__, shown))
    errors = environ['wsgi.errors']
    errors.write('environ dumped\n')
    lines.append('errors.writable\tbool\t%r' % errors.writable())
    return '\n'.join(lines) + '\n'


def read_input(environ, mode, n):
    stream = environ['wsgi.input']
    if mode == 'read':
        return [stream.read()]
    if mode == 'read-n':
        pieces = []
        while True:
            piece = stream.read(n)
            if not piece:
                return pieces
            pieces.append(piece)
    if mode == 'readline':
        pieces = []
        while True:
            line = stream.readline()
            if not line:
                return pieces
            pieces.append(line)
    if mode == 'readlines':
        return stream.readlines()
    if mode == 'iter':
        return list(stream)
    raise ValueError('unknown mode %r' % mode)


class Recorded(object):
    """An iterable that records its close() call under its id."""

    def __init__(self, environ, ident, chunks):
        self.environ = environ
        self.ident = ident
        self.chunks = chunks

    def __iter__(self):
        return iter(self.chunks)

    def close(self):
        record(self.environ, 'closed', self.ident)


def raising_after_one_chunk():
    yield b'first chunk'
    raise RuntimeError('raised mid-iteration by the test app')


def endless(chunk_size):
    chunk = b'x' * chunk_size
    for _ in range(100000):
        yield chunk


def incremental(delay):
    yield b'first'
    time.sleep(delay)
    yield b'second'


def exc_info_after_body(start_response):
    start_response('200 OK', [('Content-Type', 'text/plain')])
    yield b'first chunk'
    try:
        raise ValueError('failed after the body started')
    except ValueError:
        start_response('500 Replaced', [('Content-Type', 'text/plain')], sys.exc_info())
    yield b'never sent'


def echo(stream, size):
    while True:
        piece = stream.read(size)
        if not piece:
            return
        yield piece


BAD_STATUS = {
    'no-reason': '200',
    'no-code': 'OK',
    'four-digits': '2000 X',
    'crlf': '200 OK\r\nX-Injected: yes',
    'lf': '200 OK\nX-Injected: yes',
}

BAD_HEADERS = {
    'name-crlf': ('X-Bad\r\nX-Injected', 'yes'),
    'value-crlf': ('X-Bad', 'a\r\nX-Injected: yes'),
    'value-lf': ('X-Bad', 'a\nX-Injected: yes'),
    'name-bytes': (b'X-Injected', 'yes'),
    'value-bytes': ('X-Injected', b'yes'),
    'value-int': ('X-Injected', 1),
}


def application(environ, start_response):
    path = environ['PATH_INFO']
    q = params(environ)
    if path == '/environ' or path.startswith('/environ/'):
        return text(start_response, dump_environ(environ))
    if path == '/input':
        pieces = read_input(environ, q.get('mode', 'read'), int(q.get('n', '7')))
        return text(start_response, b''.join(pieces), extra=[('X-Pieces', str(len(pieces)))])
    if path == '/hash':
        stream = environ['wsgi.input']
        digest = hashlib.sha256()
        total = 0
        while True:
            piece = stream.read(65536)
            if not piece:
                break
            digest.update(piece)
            total += len(piece)
        return text(start_response, '%d %s' % (total, digest.hexdigest()))
    if path == '/echo':
        start_response('200 OK', [('Content-Type', 'application/octet-stream')])
        return echo(environ['wsgi.input'], 65536)
    if path == '/status':
        return text(start_response, 'status ' + q['s'], status=BAD_STATUS[q['s']])
    if path == '/header':
        start_response('200 OK', [('Content-Type', 'text/plain'), BAD_HEADERS[q['h']]])
        return [b'should not be sent']
    if path == '/start-twice':
        start_response('200 OK', [('Content-Type', 'text/plain')])
        start_response('201 Created', [('Content-Type', 'text/plain')])
        return [b'should not be sent']
    if path == '/exc-info-before-body':
        start_response('200 OK', [('Content-Type', 'text/plain'), ('X-First', 'yes')])
        try:
            raise ValueError('failed before the body')
        except ValueError:
            body = b'custom error page'
            start_response('500 Replaced', [('Content-Type', 'text/plain'), ('X-Replaced', 'yes'),
                                            ('Content-Length', str(len(body)))], sys.exc_info())
        return [body]
    if path == '/exc-info-after-body':
        return exc_info_after_body(start_response)
    if path == '/write-then-iterable':
        write = start_response('200 OK', [('Content-Type', 'text/plain')])
        write(b'from write; ')
        return [b'from iterable']
    if path == '/close':
        ident = q['id']
        start_response('200 OK', [('Content-Type', 'application/octet-stream')])
        mode = q['mode']
        if mode == 'normal':
            return Recorded(environ, ident, [b'one ', b'two'])
        if mode == 'raise':
            return Recorded(environ, ident, raising_after_one_chunk())
        if mode == 'endless':
            return Recorded(environ, ident, endless(65536))
        raise ValueError(mode)
    if path == '/recorded':
        return text(start_response, recorded(environ, q['name']))
    if path == '/content-length-truncates':
        start_response('200 OK', [('Content-Type', 'text/plain'), ('Content-Length', '5')])
        return iter([b'0123', b'456789', b'abc'])
    if path == '/two-cookies':
        return text(start_response, 'cookies', extra=[('Set-Cookie', 'a=1; Path=/'), ('Set-Cookie', 'b=2; Path=/')])
    if path == '/incremental':
        start_response('200 OK', [('Content-Type', 'text/plain')])
        return incremental(float(q.get('delay', '1')))
    if path == '/file':
        headers = [('Content-Type', 'application/octet-stream')]
        if 'length' in q:
            headers.append(('Content-Length', q['length']))
        start_response('200 OK', headers)
        return environ['wsgi.file_wrapper'](open(q['path'], 'rb'))
    if path == '/non-bytes':
        start_response('200 OK', [('Content-Type', 'text/plain')])
        return ['a str, not bytes']
    if path == '/non-bytes-generator':
        start_response('200 OK', [('Content-Type', 'text/plain')])
        return (item for item in ['a str, not bytes'])
    if path == '/pid':
        return text(start_response, str(os.getpid()))
    if path == '/sleep':
        record(environ, 'started', q.get('id', '-'))
        time.sleep(float(q.get('secs', '1')))
        return text(start_response, 'slept')
    if path == '/big':
        size = int(q.get('size', str(1 << 20)))
        body = bytes(i % 251 for i in range(size))
        start_response('200 OK', [('Content-Type', 'application/octet-stream'), ('Content-Length', str(size))])
        return [body]
    if path == '/big-header':
        start_response('200 OK', [('Content-Type', 'text/plain'), ('X-Big', 'h' * int(q.get('size', '20000')))])
        return [b'big header']
    if path == '/invoked':
        record(environ, 'invoked', environ['REQUEST_METHOD'] + ' ' + environ['REQUEST_URI'])
        body = environ['wsgi.input'].read()
        return text(start_response, 'invoked %d' % len(body))
    if path == '/short-content-length':
        start_response('200 OK', [('Content-Type', 'text/plain'), ('Content-Length', '100')])
        return [b'only five']
    if path == '/non-bytes-after-headers':
        start_response('200 OK', [('Content-Type', 'text/plain')])
        return iter([b'bytes first', 'then a str'])
    if path == '/start-in-generator':
        def lazy():
            start_response('200 OK', [('Content-Type', 'text/plain'), ('X-Lazy', 'yes')])
            yield b''
            yield b'started inside the generator'
        return lazy()
    if path == '/returns-none':
        start_response('200 OK', [('Content-Type', 'text/plain')])
        return None
    if path == '/no-start-response':
        return [b'no start_response']
    if path == '/bad-content-length':
        start_response('200 OK', [('Content-Type', 'text/plain'), ('Content-Length', 'abc')])
        return [b'x']
    if path == '/file-like':
        import io
        start_response('200 OK', [('Content-Type', 'application/octet-stream')])
        return environ['wsgi.file_wrapper'](io.BytesIO(b'from a file-like object ' * 1000), 100)
    if path == '/file-offset':
        f = open(q['path'], 'rb')
        f.seek(int(q['offset']))
        start_response('200 OK', [('Content-Type', 'application/octet-stream')])
        return environ['wsgi.file_wrapper'](f)
    if path == '/no-body-status':
        start_response(q['s'], [('Content-Type', 'text/plain')])
        return [b'body for a status without one']
    if path == '/connection-close':
        return text(start_response, 'closing', extra=[('Connection', 'close')])
    if path == '/ignore-body':
        return text(start_response, 'ignored')
    return text(start_response, 'path ' + path)
