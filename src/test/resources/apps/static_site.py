"""Integration-test app for static files and --compress-responses (StaticFilesIT).

Every response says it came from the application. The paths under /c/ return bodies of different types and
shapes for the compression tests; anything else answers ``app:<PATH_INFO>`` (the document-root fallback).
"""
import gzip
import os
import time

# Compressible, and the same every time: the tests compare decompressed bytes with this.
LINE = b'The quick brown fox jumps over the lazy dog, from the application.\n'


def body(size):
    return (LINE * (size // len(LINE) + 1))[:size]


def respond(start_response, status, content_type, payload, extra=()):
    headers = [('Content-Length', str(len(payload)))]
    if content_type is not None:
        headers.append(('Content-Type', content_type))
    start_response(status, headers + list(extra))
    return [payload]


def stream(environ, start_response):
    """64 KiB, then nothing until the file named by ?marker= exists (at most 30 s), then 'END'."""
    marker = environ['QUERY_STRING'].partition('marker=')[2]
    start_response('200 OK', [('Content-Type', 'text/plain')])
    yield body(64 * 1024)
    deadline = time.monotonic() + 30
    while not os.path.exists(marker) and time.monotonic() < deadline:
        time.sleep(0.02)
    yield b'END'


TYPED = {
    '/c/text': 'text/plain; charset=utf-8',
    '/c/html': 'text/html',
    '/c/json': 'application/json',
    '/c/js': 'application/javascript',
    '/c/xml': 'application/xml',
    '/c/svg': 'image/svg+xml',
    '/c/atom': 'application/atom+xml',
    '/c/png': 'image/png',
    '/c/octets': 'application/octet-stream',
}


def application(environ, start_response):
    path = environ.get('PATH_INFO', '')
    if path in TYPED:
        return respond(start_response, '200 OK', TYPED[path], body(20000))
    if path == '/c/no-type':
        return respond(start_response, '200 OK', None, body(20000))
    if path == '/c/small':
        return respond(start_response, '200 OK', 'text/plain', b'tiny')
    if path == '/c/encoded':
        # The app compressed it itself: the front end must pass it on untouched (no second encoding).
        return respond(start_response, '200 OK', 'text/plain', gzip.compress(body(20000)),
                       [('Content-Encoding', 'gzip')])
    if path == '/c/partial':
        part = body(20000)[100:10100]
        return respond(start_response, '206 Partial Content', 'text/plain', part,
                       [('Content-Range', 'bytes 100-10099/20000')])
    if path == '/c/stream':
        return stream(environ, start_response)
    if path == '/c/echo':
        # The request body exactly as received, and the Content-Encoding the app saw.
        data = environ['wsgi.input'].read()
        return respond(start_response, '200 OK', 'application/octet-stream', data,
                       [('X-Seen-Content-Encoding', environ.get('HTTP_CONTENT_ENCODING', '-'))])
    payload = ('app:' + path).encode('utf-8')
    return respond(start_response, '200 OK', 'text/plain', payload)
