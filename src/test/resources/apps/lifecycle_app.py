"""Integration-test app for the worker lifecycle (WorkerLifecycleIT): reports what the worker process is."""
import json
import os
import resource
import sys

import mod_wsgi


@mod_wsgi.subscribe_events
def report(name, **payload):
    if name == 'process_stopping':
        print('lifecycle event process_stopping shutdown_reason=%s' % payload['shutdown_reason'])
    elif name == 'request_finished':
        print('lifecycle event request_finished request_id=%s status=%s'
              % (payload['request_id'], payload['status']))


def umask():
    current = os.umask(0)
    os.umask(current)
    return current


def facts():
    try:
        with open('/proc/self/comm') as f:
            comm = f.read().strip()
    except OSError:
        comm = None
    if os.environ.get('JWSGI_IT_IMPORT'):
        __import__(os.environ['JWSGI_IT_IMPORT'])
    return {
        'pid': os.getpid(), 'uid': os.getuid(), 'euid': os.geteuid(), 'gid': os.getgid(),
        'umask': oct(umask()), 'comm': comm,
        'data': resource.getrlimit(resource.RLIMIT_DATA), 'as': resource.getrlimit(resource.RLIMIT_AS),
        'cpu': resource.getrlimit(resource.RLIMIT_CPU),
        'hash': hash('jwsgi'), 'dont_write_bytecode': sys.flags.dont_write_bytecode,
        'LANG': os.environ.get('LANG'), 'LC_ALL': os.environ.get('LC_ALL'),
        'threads': mod_wsgi.threads_per_process, 'request_count': mod_wsgi.process_metrics()['request_count'],
    }


def application(environ, start_response):
    """One ``key=value`` line per fact (JSON-encoded values), easy to read from Java."""
    body = ''.join('%s=%s\n' % (k, json.dumps(v)) for k, v in facts().items()).encode()
    start_response('200 OK', [('Content-Type', 'text/plain'), ('Content-Length', str(len(body)))])
    return [body]
