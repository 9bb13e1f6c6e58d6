"""Site integration-test app: answers with the environ keys a configuration decides, as JSON; a few behaviours."""
import json
import os
import time

LOADED_AT = time.time()
NAME = os.path.basename(os.path.dirname(__file__))
KEYS = ('REQUEST_METHOD', 'SCRIPT_NAME', 'PATH_INFO', 'QUERY_STRING', 'SCRIPT_FILENAME', 'DOCUMENT_ROOT',
        'SERVER_NAME', 'HTTP_AUTHORIZATION', 'mod_wsgi.process_group', 'mod_wsgi.application_group',
        'mod_wsgi.callable_object', 'SITE_TIER', 'SITE_NAME')


def application(environ, start_response):
    path = environ['PATH_INFO']
    if path == '/exit':
        os._exit(1)  # a process dying in the middle of a request, as a segfaulting extension would
    if path == '/sleep':
        time.sleep(float(environ.get('QUERY_STRING') or '1'))
    if '/status/' in path:  # answers with that status and a page of its own (?big: 300 kB of it)
        environ['wsgi.input'].read()
        status = int(path.rsplit('/', 1)[1])
        body = b'the application page %d\n' % status
        if environ.get('QUERY_STRING') == 'big':
            body = body * (300000 // len(body))
        start_response('%d From The App' % status, [('Content-Type', 'text/plain'), ('X-App', 'yes'),
                                                    ('Content-Length', str(len(body)))])
        return [body]
    if path.endswith('/body'):
        data = environ['wsgi.input'].read()
        body = ('%d' % len(data)).encode()
    else:
        answer = {k: environ.get(k) for k in KEYS}
        answer.update(app=NAME, pid=os.getpid(), cwd=os.getcwd(), optimize=__import__('sys').flags.optimize,
                      imported=sorted(
            m for m in __import__('sys').modules if m.startswith('site_marker')))
        body = json.dumps(answer).encode()
    start_response('200 OK', [('Content-Type', 'application/json'), ('Content-Length', str(len(body))),
                              ('X-Request-Method', environ['REQUEST_METHOD']), ('X-Frame-Options', 'SAMEORIGIN')])
    return [body]


def other(environ, start_response):
    start_response('200 OK', [('Content-Type', 'text/plain')])
    return [b'other callable']
