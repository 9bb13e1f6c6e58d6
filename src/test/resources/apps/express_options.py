"""ExpressOptionsIT's application: reports what mod_wsgi-express's options changed in its worker."""
import json
import logging
import os
import sys
import time
import warnings

import mod_wsgi

_SIGNALS = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'signals.txt')
_log = logging.getLogger('express_options')
_log.addHandler(mod_wsgi.LogHandler())
_log.propagate = False


@mod_wsgi.subscribe_signals
def _on_signal(name, signame, signum):
    with open(_SIGNALS, 'a') as f:
        f.write('%s %d\n' % (signame, signum))


def application(environ, start_response):
    path = environ['PATH_INFO']
    if path.startswith('/status/'):
        status = int(path.rsplit('/', 1)[1])
        start_response('%d Application' % status, [('Content-Type', 'text/plain'), ('X-From', 'app')])
        return [b'the application\'s own error body']
    if path == '/slow':
        time.sleep(float(environ['QUERY_STRING']))
    if path == '/log':
        _log.error('logged through mod_wsgi.LogHandler: %s', environ['QUERY_STRING'])
    facts = {
        'method': environ['REQUEST_METHOD'],
        'pid': os.getpid(),
        'env': {k: v for k, v in os.environ.items()
                if k.startswith('MOD_WSGI_') or k in ('PYTHON_EGG_CACHE', 'PYTHONWARNINGS', 'FROM_ENVVARS')},
        'warnoptions': sys.warnoptions,
        'switch_interval': sys.getswitchinterval(),
        'server_metrics': mod_wsgi.server_metrics(),
    }
    body = json.dumps(facts).encode()
    start_response('200 OK', [('Content-Type', 'application/json'), ('X-Method', environ['REQUEST_METHOD']),
                              ('Content-Length', str(len(body)))])
    return [body]
