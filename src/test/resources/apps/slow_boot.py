"""Loads slowly when the marker file named in SLOW_BOOT_MARKER exists (a replacement worker that is not ready)."""
import os
import time

_marker = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'slow-boot-marker')
if os.path.exists(_marker):
    time.sleep(8)


def application(environ, start_response):
    body = ('%d %s %s' % (os.getpid(), environ.get('HOME', '-'), os.environ.get('LC_ALL', '-'))).encode()
    start_response('200 OK', [('Content-Type', 'text/plain')])
    return [body]
