"""Integration-test app for HTTPS and HTTP/2 (TlsIT).

/environ: the str values of the environ, one ``key<TAB>value`` line each. /echo: the request body back, read to its end (so a body with
no Content-Length, as HTTP/2 allows, must arrive whole). /stream?name=N: yields "first", then waits (up to 20 s)
until the test creates the file N in MARKER_DIR, then yields "second": a client that sees "first" before it
creates the file proves the response streams. /own-hsts: sets its own Strict-Transport-Security header.
"""
import os
import time
from urllib.parse import parse_qs


def application(environ, start_response):
    path = environ['PATH_INFO']
    if path == '/environ' or path.startswith('/secure'):
        lines = ['%s\t%s' % (k, v) for k, v in sorted(environ.items()) if isinstance(v, str)]
        body = ('\n'.join(lines) + '\n').encode('latin-1')
        start_response('200 OK', [('Content-Type', 'text/plain'), ('Content-Length', str(len(body)))])
        return [body]
    if path == '/echo':
        body = environ['wsgi.input'].read()
        start_response('200 OK', [('Content-Type', 'application/octet-stream'), ('Content-Length', str(len(body)))])
        return [body]
    if path == '/stream':
        name = parse_qs(environ.get('QUERY_STRING', '')).get('name', ['marker'])[0]
        marker = os.path.join(environ['MARKER_DIR'], os.path.basename(name))
        start_response('200 OK', [('Content-Type', 'text/plain')])
        return stream(marker)
    if path == '/own-hsts':
        start_response('200 OK', [('Content-Type', 'text/plain'), ('Strict-Transport-Security', 'max-age=1')])
        return [b'own policy']
    body = b'hello over ' + environ['SERVER_PROTOCOL'].encode()
    start_response('200 OK', [('Content-Type', 'text/plain'), ('Content-Length', str(len(body)))])
    return [body]


def stream(marker):
    yield b'first\n'
    deadline = time.monotonic() + 20
    while not os.path.exists(marker) and time.monotonic() < deadline:
        time.sleep(0.02)
    yield b'second\n' if os.path.exists(marker) else b'timed out\n'
