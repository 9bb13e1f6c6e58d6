"""The application of DebuggingIT: echoes, reports its process, prints, sleeps, raises and crashes on request."""

import ctypes
import json
import os
import sys
import time


def application(environ, start_response):
    path = environ['PATH_INFO']
    if path == '/boom':
        secret = 'forty-two'
        raise ValueError('boom with ' + secret)
    if path == '/crash':
        ctypes.string_at(0)  # a segmentation fault, for gdb
    if path == '/print':
        print('printed by the application to stdout')
        sys.stdout.flush()
    if path == '/sleep':
        time.sleep(float(environ.get('QUERY_STRING') or '1'))
    if path == '/process':
        body = json.dumps({
            'pid': os.getpid(),
            'multiprocess': environ['wsgi.multiprocess'],
            'multithread': environ['wsgi.multithread'],
            'debug_mode': os.environ.get('MOD_WSGI_DEBUG_MODE'),
            'stdin': os.readlink('/proc/self/fd/0'),
            'stdout': os.readlink('/proc/self/fd/1'),
        }).encode()
    else:
        body = b'echo:' + environ['wsgi.input'].read()
    start_response('200 OK', [('Content-Type', 'text/plain')])
    return [body]
