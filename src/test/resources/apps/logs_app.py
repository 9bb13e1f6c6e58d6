"""Integration-test app for LoggingIT and TrustedProxyIT.

/environ          the environ's str values as JSON
/status?CODE      an empty response with that status
/bytes?N          N bytes of body
/stream?N         203 and N chunks of 64 KiB, streamed (a client that leaves mid-download)
/print?N          N lines of 100 characters to stderr (the error log), then a short body
"""
import json
import sys

REASONS = {200: 'OK', 203: 'Non-Authoritative Information', 204: 'No Content', 304: 'Not Modified',
           404: 'Not Found', 500: 'Internal Server Error'}


def application(environ, start_response):
    path = environ['PATH_INFO']
    query = environ.get('QUERY_STRING', '')
    if path == '/environ':
        body = json.dumps({k: v for k, v in environ.items() if isinstance(v, str)}, sort_keys=True).encode()
        start_response('200 OK', [('Content-Type', 'application/json'), ('Content-Length', str(len(body)))])
        return [body]
    if path == '/status':
        code = int(query)
        start_response('%d %s' % (code, REASONS.get(code, 'Other')), [('Set-Cookie', 'a=1'), ('Set-Cookie', 'b=2')])
        return []
    if path == '/bytes':
        body = b'x' * int(query)
        start_response('200 OK', [('Content-Type', 'text/plain'), ('Content-Length', str(len(body)))])
        return [body]
    if path == '/stream':
        start_response('203 Non-Authoritative Information', [('Content-Type', 'application/octet-stream')])
        chunk = b'z' * 65536
        return (chunk for _ in range(int(query)))
    if path == '/print':
        for i in range(int(query)):
            sys.stderr.write('line-%06d %s\n' % (i, 'p' * 88))
        sys.stderr.flush()
        start_response('200 OK', [('Content-Type', 'text/plain'), ('Content-Length', '7')])
        return [b'printed']
    start_response('404 Not Found', [('Content-Type', 'text/plain'), ('Content-Length', '9')])
    return [b'not found']
