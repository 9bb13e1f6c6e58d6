"""The ``mod_wsgi`` module applications import (``import mod_wsgi``).

The worker installs this module as ``sys.modules['mod_wsgi']`` before loading the application, like
mod_wsgi injects its built-in module into every interpreter. jwsgi mimics **mod_wsgi 6.0.5** (the version
the feature catalogue was read at): ``version`` is ``(6, 0, 5)``, timing values are floats of epoch
seconds (``mod_wsgi.request_start`` in the environ and in event payloads).

Provided: ``version``, ``process_group``, ``application_group``, ``maximum_processes``,
``threads_per_process``, ``FileWrapper``, ``RequestTimeout`` (defined for ``except`` clauses; jwsgi never
injects it), ``active_requests``, ``event_callbacks``, ``shutdown_callbacks``, ``subscribe_events()``,
``subscribe_shutdown()``, ``request_data()``. Not provided: the metrics functions, ``subscribe_signals``,
``LogHandler``.

Events are published as ``callback(name, **payload)``; a callback that returns a dict has it merged into
the payload the next subscribers (and the adapter, for ``application_object``) see. A callback that raises
is reported on stderr and the others still run.
"""

import sys
import threading
import traceback

version = (6, 0, 5)
process_group = ''
application_group = ''
maximum_processes = 1
threads_per_process = 1

# request_id -> {'request_id', 'thread_id', 'request_start', 'application_start', 'request_data'};
# maintained by the adapter while a request runs.
active_requests = {}

event_callbacks = []
shutdown_callbacks = []

_current = threading.local()
_stopping_lock = threading.Lock()
_stopping_published = False


class RequestTimeout(BaseException):
    """mod_wsgi 6 injects this into wedged request threads; jwsgi declares it but never raises it."""


class FileWrapper(object):
    """``wsgi.file_wrapper``: iterate a file-like object by ``read(blksize)``.

    The adapter recognises an unwrapped instance returned by the application and, when ``filelike`` is a
    real file (``fileno()`` and ``tell()``), sends it with ``os.sendfile`` instead of iterating.
    """

    def __init__(self, filelike, blksize=8192):
        self.filelike = filelike
        self.blksize = blksize

    def __iter__(self):
        return self

    def __next__(self):
        data = self.filelike.read(self.blksize)
        if data:
            return data
        raise StopIteration

    def close(self):
        close = getattr(self.filelike, 'close', None)
        if close is not None:
            close()


def configure(config):
    """Set the per-process attributes from the worker's config dict (called once by the worker)."""
    global process_group, application_group, maximum_processes, threads_per_process
    process_group = config.get('process_group', '')
    application_group = config.get('application_group', '')
    maximum_processes = config.get('processes', 1)
    threads_per_process = config.get('threads', 1)


def subscribe_events(callback):
    event_callbacks.append(callback)
    return callback


def subscribe_shutdown(callback):
    shutdown_callbacks.append(callback)
    return callback


def request_data():
    """The current request's scratch dict (also ``request_data`` in event payloads)."""
    data = getattr(_current, 'request_data', None)
    if data is None:
        raise RuntimeError('no active request for the current thread')
    return data


def publish(callbacks, name, payload):
    """Call every subscriber; returns the payload with any returned dicts merged in."""
    for callback in list(callbacks):
        try:
            result = callback(name, **payload)
        except Exception:
            sys.stderr.write('event callback %r failed for %s:\n%s' % (
                callback, name, traceback.format_exc()))
            continue
        if isinstance(result, dict):
            payload.update(result)
    return payload


def publish_stopping(reason):
    """``process_stopping`` to event and shutdown subscribers, once per process."""
    global _stopping_published
    with _stopping_lock:
        if _stopping_published:
            return
        _stopping_published = True
    if event_callbacks:
        publish(event_callbacks, 'process_stopping', {'shutdown_reason': reason})
    if shutdown_callbacks:
        publish(shutdown_callbacks, 'process_stopping', {'shutdown_reason': reason})
