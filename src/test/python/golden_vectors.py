"""The golden protocol vectors in src/test/resources/protocol/: their definitions, and how the bytes are made.

Requests (Java → worker) are encoded by ``front_end.encode_environ``, the deterministic marshal subset
the Java encoder must reproduce byte for byte. Responses (worker → Java) are not encoded by hand: they are
the bytes the real adapter sends when it serves the vector's application, so they show exactly what the
worker writes.

Regenerate after a deliberate protocol change (from the repository root)::

    PYTHONPATH=src/main/python python3 src/test/python/golden_vectors.py
"""

import json
import os
import socket
import sys

from front_end import encode_environ, frame, request_frames

DIRECTORY = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'resources', 'protocol')


def _environ(path_info, query, request_id, **extra):
    environ = {
        'REQUEST_METHOD': 'GET',
        'SCRIPT_NAME': '',
        'PATH_INFO': path_info,
        'QUERY_STRING': query,
        'REQUEST_URI': path_info + ('?' + query if query else ''),
        'SERVER_PROTOCOL': 'HTTP/1.1',
        'SERVER_NAME': 'localhost',
        'SERVER_PORT': '8000',
        'REMOTE_ADDR': '127.0.0.1',
        'REMOTE_PORT': '50312',
        'wsgi.url_scheme': 'http',
        'mod_wsgi.request_id': request_id,
        'mod_wsgi.script_name': '',
        'mod_wsgi.path_info': path_info,
        'mod_wsgi.request_start': '1700000000123456',
    }
    environ.update(extra)
    return environ


SIMPLE = _environ('/hello', 'x=1', 'aGVsbG8', HTTP_HOST='localhost:8000', HTTP_ACCEPT='*/*')
LATIN1 = _environ('/caf\u00c3\u00a9', '', 'bGF0aW4x', HTTP_HOST='localhost:8000',
                  HTTP_COOKIE='session=' + 'x' * 292, HTTP_X_NAME='Jos\u00e9')
LATIN1['REQUEST_URI'] = '/caf%C3%A9'
BODY = _environ('/upload', '', 'Ym9keQ', HTTP_HOST='localhost:8000',
                CONTENT_TYPE='text/plain', CONTENT_LENGTH='20')
BODY['REQUEST_METHOD'] = 'POST'
CODES = {'empty': '', 'int': -7, 'int_max': 2147483647, 'yes': True, 'no': False}

COOKIE_HEADERS = [('Content-Type', 'text/plain; charset=utf-8'), ('Set-Cookie', 'a=1; Path=/'),
                  ('Set-Cookie', 'b=2; HttpOnly')]


def _simple_app(environ, start_response):
    start_response('200 OK', COOKIE_HEADERS)
    return [b'Hello, world!\n']


def _failing_app(environ, start_response):
    raise ValueError('golden failure')


# name -> (description, frames as JSON-able dicts). Worker frames of the response vectors are checked
# against what the adapter sends for ``app`` (see ``worker_bytes``).
REQUESTS = {
    'request-simple': ('GET /hello?x=1, no body: Q then E.',
                       [{'type': 'Q', 'environ': SIMPLE}, {'type': 'E'}]),
    'request-latin1': ("PATH_INFO of /caf%C3%A9 as latin-1 code points ('u'), a 300-character ASCII "
                       "cookie ('a'), a latin-1 header value ('u').",
                       [{'type': 'Q', 'environ': LATIN1}, {'type': 'E'}]),
    'request-body': ('POST with 10 pushed bytes in two B frames, then M: the rest on request.',
                     [{'type': 'Q', 'environ': BODY}, {'type': 'B', 'payload': 'first'},
                      {'type': 'B', 'payload': ' part'}, {'type': 'M'}]),
    'environ-codes': ("Every marshal code of the environ: '' as z, int32 as i, True/False as T/F.",
                      [{'type': 'Q', 'environ': CODES}, {'type': 'E'}]),
}
RESPONSES = {
    'response-simple': ('200 with Content-Type and two Set-Cookie headers, small body: H, D, E in one '
                        'write.', _simple_app, SIMPLE),
    'response-fail': ('The application raised before the response started: X reason A.',
                      _failing_app, SIMPLE),
}
OTHERS = {
    'hello': ('HELLO from thread 0 of the worker in slot 1, pid 4242, token s3cret.',
              [{'type': 'W', 'payload': 's3cret 4242 1 0'}]),
    'read': ('The worker asks for up to 65536 more body bytes; Java answers with B.',
             [{'type': 'R', 'read': 65536}, {'type': 'B', 'payload': 'more body'}]),
}


def encode_frames(frames):
    """Bytes for JSON frame descriptions (request side and the simple others)."""
    out = []
    for f in frames:
        t = f['type']
        if t == 'Q':
            out.append(frame('Q', encode_environ(f['environ'])))
        elif t in 'BDW':
            out.append(frame(t, f['payload'].encode('latin-1')))
        elif t == 'R':
            out.append(frame('R', f['read'].to_bytes(4, 'big')))
        elif t == 'H':
            text = f['status'] + '\r\n' + ''.join('%s: %s\r\n' % tuple(h) for h in f['headers'])
            out.append(frame('H', text.encode('latin-1')))
        elif t == 'X':
            out.append(frame('X', f['reason'].encode('ascii') + f['message'].encode('utf-8')))
        else:
            out.append(frame(t))
    return b''.join(out)


def describe_frames(pairs):
    """JSON frame descriptions for decoded ``(type, payload)`` pairs (the runtime's own decoder)."""
    import marshal
    out = []
    for t, payload in pairs:
        if t == 'Q':
            out.append({'type': t, 'environ': marshal.loads(payload)})
        elif t in 'BDW':
            out.append({'type': t, 'payload': payload.decode('latin-1')})
        elif t == 'R':
            out.append({'type': t, 'read': int.from_bytes(payload, 'big')})
        elif t == 'H':
            lines = payload.decode('latin-1').split('\r\n')
            out.append({'type': t, 'status': lines[0],
                        'headers': [line.split(': ', 1) for line in lines[1:-1]]})
        elif t == 'X':
            out.append({'type': t, 'reason': payload[:1].decode('ascii'),
                        'message': payload[1:].decode('utf-8')})
        else:
            out.append({'type': t})
    return out


def worker_bytes(app, environ):
    """Everything the real adapter writes on its channel while serving ``environ`` with ``app``."""
    from jwsgi.adapter import Adapter
    from jwsgi.channel import Channel

    class Fixed(object):
        callable_object = 'application'

        def get(self):
            return app

    worker_end, java_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        java_end.sendall(request_frames(environ))
        adapter = Adapter({'threads': 1}, Fixed())
        saved, sys.stderr = sys.stderr, open(os.devnull, 'w')
        try:
            adapter.serve(Channel(worker_end), adapter.thread_constants(1))
        finally:
            sys.stderr.close()
            sys.stderr = saved
        worker_end.shutdown(socket.SHUT_WR)
        data = b''
        while True:
            chunk = java_end.recv(65536)
            if not chunk:
                return data
            data += chunk
    finally:
        worker_end.close()
        java_end.close()


def all_vectors():
    """name -> (description, bin bytes)."""
    from jwsgi.channel import parse_frames
    vectors = {}
    for name, (description, frames) in list(REQUESTS.items()) + list(OTHERS.items()):
        vectors[name] = (description, encode_frames(frames))
    for name, (description, app, environ) in RESPONSES.items():
        vectors[name] = (description, worker_bytes(app, environ))
    return vectors, parse_frames


def main():
    vectors, parse_frames = all_vectors()
    for name, (description, data) in sorted(vectors.items()):
        with open(os.path.join(DIRECTORY, name + '.bin'), 'wb') as f:
            f.write(data)
        expectation = {'description': description, 'frames': describe_frames(parse_frames(data))}
        with open(os.path.join(DIRECTORY, name + '.json'), 'w', encoding='utf-8') as f:
            json.dump(expectation, f, indent=2, ensure_ascii=False)
            f.write('\n')
        print('wrote %s.bin (%d bytes)' % (name, len(data)))


if __name__ == '__main__':
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'main',
                                    'python'))
    main()
