"""Integration-test app for several instances behind a balancer (ScalingOutIT, bench/rollout): each answer says
which instance served it and whom the application believes the client is.

GET /pid      the worker's pid (one worker per instance in these tests: the pid names the instance)
GET /client   REMOTE_ADDR, as the front end resolved it (X-Forwarded-For from a trusted proxy, or PROXY protocol)
GET /sleep?S  sleeps S seconds (a request in flight while its instance is killed), then answers 'slept'
"""
import os
import time


def application(environ, start_response):
    path = environ['PATH_INFO']
    if path == '/pid':
        body = str(os.getpid())
    elif path == '/client':
        body = environ.get('REMOTE_ADDR', '')
    elif path == '/sleep':
        time.sleep(float(environ.get('QUERY_STRING') or '1'))
        body = 'slept'
    else:
        body = 'whoami:' + path
    data = body.encode()
    start_response('200 OK', [('Content-Type', 'text/plain'), ('Content-Length', str(len(data)))])
    return [data]
