"""Test app for FaultsIT: each import appends a line to ``boots`` next to this file; while a file ``fail-boot``
exists there, the process exits at once (status 7), before it can ever become ready."""
import os

_here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(_here, 'boots'), 'a') as _f:
    _f.write('%d\n' % os.getpid())
if os.path.exists(os.path.join(_here, 'fail-boot')):
    os._exit(7)


def application(environ, start_response):
    body = b'%d' % os.getpid()
    start_response('200 OK', [('Content-Type', 'text/plain'), ('Content-Length', str(len(body)))])
    return [body]
