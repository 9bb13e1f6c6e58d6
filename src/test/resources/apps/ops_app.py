"""Integration-test app for the operations endpoints (OperationsIT, ServerSetupIT, IsattyIT).

If a file named 'broken' sits next to this script, the worker exits while loading it: a worker that cannot
boot, for the health check's 503.
"""
import os
import time

if os.path.exists(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'broken')):
    os._exit(1)


def application(environ, start_response):
    path = environ['PATH_INFO']
    query = environ.get('QUERY_STRING', '')
    status = '200 OK'
    if path == '/pid':
        body = str(os.getpid()).encode()
    elif path == '/sleep':
        time.sleep(float(query or '1'))
        body = b'slept'
    elif path.startswith('/status/'):
        status = path[len('/status/'):] + ' Chosen'
        body = status.encode()
    elif path == '/env':
        body = repr(os.environ.get(query)).encode()
    elif path == '/exit':
        os._exit(3)
    else:
        body = ('app:' + path).encode()
    start_response(status, [('Content-Type', 'text/plain'), ('Content-Length', str(len(body)))])
    return [body]
