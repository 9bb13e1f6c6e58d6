"""Integration-test app: one URL per behaviour under test."""
import os
import sys


def application(environ, start_response):
    path = environ['PATH_INFO']
    if path == '/pid':
        body = str(os.getpid()).encode()
    elif path == '/raise':
        raise RuntimeError('boom from the test app')
    elif path == '/sleep':
        import time
        time.sleep(float(environ.get('QUERY_STRING') or '1'))
        body = b'slept'
    elif path == '/print':
        print('hello from print')
        environ['wsgi.errors'].write('hello from wsgi.errors\n')
        body = b'printed'
    else:
        body = b'Hello world!'
    start_response('200 OK', [('Content-Type', 'text/plain'), ('Content-Length', str(len(body)))])
    return [body]
