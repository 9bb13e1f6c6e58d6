"""The ``mod_wsgi`` module applications import (``import mod_wsgi``).

The worker installs this module as ``sys.modules['mod_wsgi']`` before loading the application, like
mod_wsgi injects its built-in module into every interpreter. jwsgi mimics **mod_wsgi 6.0.5** (the version
the feature catalogue was read at): ``version`` is ``(6, 0, 5)``, timing values are floats of epoch
seconds (``mod_wsgi.request_start`` in the environ and in event payloads).

Provided: ``version``, ``process_group``, ``application_group``, ``maximum_processes``,
``threads_per_process``, ``FileWrapper``, ``RequestTimeout`` (raised in a stuck request thread when the
front end sends ``interrupt``, see ``jwsgi.control``), ``active_requests``, ``event_callbacks``,
``shutdown_callbacks``, ``subscribe_events()``, ``subscribe_shutdown()``, ``request_data()``,
``process_metrics()``, ``request_metrics()`` (mod_wsgi 4.x style: always on; ``start_recording_metrics()``
exists for 6.x code and does nothing), ``server_metrics()`` (None unless ``--server-metrics``; this
process's part of Apache's scoreboard), ``subscribe_signals()`` and ``signal_callbacks`` (``process_signal``
for SIGHUP and SIGUSR2 sent to a request-serving worker), ``LogHandler`` (a ``logging.Handler`` writing to
the error log with mod_wsgi's level names).

Metrics cost on the request path: the adapter adds one ``time.time()`` and three additions to a list that
belongs to the request's thread (``thread_slot``), so no lock is needed; the functions sum the slots.

Events are published as ``callback(name, **payload)``; a callback that returns a dict has it merged into
the payload the next subscribers (and the adapter, for ``application_object``) see. A callback that raises
is reported on stderr and the others still run.
"""

import logging
import os
import queue
import resource
import signal
import sys
import threading
import time
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
signal_callbacks = []

# --server-metrics (WSGIServerMetrics On / server-metrics=on): server_metrics() answers instead of None.
_server_metrics = False
_process_num = 0

_current = threading.local()
_stopping_lock = threading.Lock()
_stopping_done = threading.Event()
_stopping_published = False


class RequestTimeout(BaseException):
    """Raised in a wedged request thread (front end ``interrupt``, ``--interrupt-timeout``), as mod_wsgi 6
    does; a BaseException so that ``except Exception`` in the application does not swallow it."""


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
    global _server_metrics, _process_num
    _server_metrics = bool(config.get('server_metrics'))
    try:
        _process_num = int(os.environ.get('JWSGI_WORKER_SLOT', '0'))
    except ValueError:
        _process_num = 0
    process_group = config.get('process_group', '')
    application_group = config.get('application_group', '')
    maximum_processes = config.get('processes', 1)
    # A service script process (mod_wsgi's threads=0) has no request threads.
    threads_per_process = 0 if config.get('mode') == 'service' else config.get('threads', 1)


# -- metrics -------------------------------------------------------------------------------------------

_start_time = time.time()
# thread_id -> [request count, busy (application) seconds, server seconds (request_start to
# application_start)]. Only the owning request thread writes its slot.
_thread_slots = {}
_interval_lock = threading.Lock()
_interval = {'time': _start_time, 'count': 0, 'busy': 0.0, 'server': 0.0}
_PAGE_SIZE = os.sysconf('SC_PAGE_SIZE') if hasattr(os, 'sysconf') else 4096
# ru_maxrss is KiB on Linux, bytes on macOS.
_MAXRSS_UNIT = 1 if sys.platform == 'darwin' else 1024


def thread_slot(thread_id):
    """The metrics slot of one request thread (created on first use)."""
    slot = _thread_slots.get(thread_id)
    if slot is None:
        slot = _thread_slots.setdefault(thread_id, [0, 0.0, 0.0])
    return slot


def _totals():
    count, busy, server = 0, 0.0, 0.0
    for slot in list(_thread_slots.values()):
        count += slot[0]
        busy += slot[1]
        server += slot[2]
    return count, busy, server


def _memory_rss():
    try:
        with open('/proc/self/statm', 'rb') as f:
            return int(f.read().split()[1]) * _PAGE_SIZE
    except (OSError, ValueError, IndexError):
        return 0


def start_recording_metrics():
    """mod_wsgi 6 opt-in; jwsgi always records (the counters are per-thread and lock free)."""


def process_metrics():
    """Cumulative figures for this process (mod_wsgi 4.x keys)."""
    now = time.time()
    count, busy, _ = _totals()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {
        'pid': os.getpid(), 'start_time': _start_time, 'restart_time': _start_time,
        'current_time': now, 'running_time': now - _start_time,
        'request_count': count, 'request_busy_time': busy,
        'request_threads': threads_per_process, 'active_requests': len(active_requests),
        'cpu_user_time': usage.ru_utime, 'cpu_system_time': usage.ru_stime,
        'cpu_time': usage.ru_utime + usage.ru_stime,
        'memory_rss': _memory_rss(), 'memory_max_rss': usage.ru_maxrss * _MAXRSS_UNIT,
        'threads': [{'thread_id': thread_id, 'request_count': slot[0]}
                    for thread_id, slot in sorted(_thread_slots.items())],
    }


def request_metrics():
    """Figures for the interval since the previous call (the first interval starts at process start)."""
    now = time.time()
    count, busy, server = _totals()
    with _interval_lock:
        start, last = _interval['time'], dict(_interval)
        _interval.update(time=now, count=count, busy=busy, server=server)
    period = max(now - start, 1e-9)
    requests = count - last['count']
    threads = max(threads_per_process, 1)
    busy_delta = busy - last['busy']
    return {
        'pid': os.getpid(), 'start_time': start, 'stop_time': now, 'sample_period': period,
        'request_count': requests, 'request_throughput': requests / period,
        'request_threads_maximum': threads_per_process, 'request_threads_active': len(active_requests),
        'request_threads_busy_time': busy_delta,
        'capacity_utilization': busy_delta / (period * threads),
        'server_time': (server - last['server']) / requests if requests else 0.0,
        'application_time': busy_delta / requests if requests else 0.0,
    }


def server_metrics():
    """This process's scoreboard (Apache's, as mod_wsgi's ``server_metrics()`` shapes it), or None without
    ``--server-metrics``.

    Apache's scoreboard holds every child; a jwsgi worker knows only itself, so ``processes`` has one entry,
    this process (``process_num`` its slot in the group), with one worker per request thread: status ``W``
    while it runs a request (``request`` and ``client`` then say which), ``_`` while it waits for one;
    ``access_count`` is its requests served, ``bytes_served`` is not counted (0). The group's whole picture
    is the front end's /server-status page.
    """
    if not _server_metrics:
        return None
    now = time.time()
    running = {}
    for info in list(active_requests.values()):
        running[info.get('thread_id')] = info
    workers = []
    for thread_num in range(1, max(threads_per_process, 0) + 1):
        slot = _thread_slots.get(thread_num) or [0, 0.0, 0.0]
        info = running.get(thread_num)
        workers.append({
            'thread_num': thread_num, 'generation': 0, 'status': 'W' if info else '_',
            'access_count': slot[0], 'bytes_served': 0,
            'start_time': info.get('application_start') if info else 0.0, 'stop_time': 0.0,
            'last_used': now if info else _start_time,
            'client': info.get('client', '') if info else '',
            'request': info.get('request', '') if info else '',
            'vhost': info.get('vhost', '') if info else '',
        })
    return {
        'server_limit': maximum_processes, 'thread_limit': threads_per_process, 'running_generation': 0,
        'restart_time': _start_time, 'current_time': now, 'running_time': now - _start_time,
        'processes': [{'process_num': _process_num, 'pid': os.getpid(), 'generation': 0,
                       'quiescing': False, 'workers': workers}],
    }


def subscribe_events(callback):
    event_callbacks.append(callback)
    return callback


def subscribe_shutdown(callback):
    shutdown_callbacks.append(callback)
    return callback


def subscribe_signals(callback):
    """Receive ``process_signal`` (``signame``, ``signum``) when this worker gets SIGHUP or SIGUSR2."""
    signal_callbacks.append(callback)
    return callback


# Signals are published from one thread of their own, in the order they came, never in a signal handler.
_signal_queue = queue.Queue()
_signal_thread = None
_signal_lock = threading.Lock()


def deliver_signal(signum):
    """Queue ``process_signal`` for the subscribers (called by the worker's main thread)."""
    global _signal_thread
    with _signal_lock:
        if _signal_thread is None:
            _signal_thread = threading.Thread(target=_dispatch_signals, name='mod_wsgi-signals', daemon=True)
            _signal_thread.start()
    _signal_queue.put(signum)


def _dispatch_signals():
    while True:
        publish_signal(_signal_queue.get())


def publish_signal(signum):
    """``process_signal`` to the event subscribers and the signal subscribers; said on stderr when no one
    listens (mod_wsgi logs and discards it)."""
    try:
        signame = signal.Signals(signum).name
    except ValueError:
        signame = 'SIG%d' % signum
    if not event_callbacks and not signal_callbacks:
        sys.stderr.write('mod_wsgi: %s received, no subscriber (mod_wsgi.subscribe_signals) pid=%d\n'
                         % (signame, os.getpid()))
        return
    if event_callbacks:
        publish(event_callbacks, 'process_signal', {'signame': signame, 'signum': signum})
    if signal_callbacks:
        publish(signal_callbacks, 'process_signal', {'signame': signame, 'signum': signum})


class LogHandler(logging.Handler):
    """A ``logging.Handler`` for the error log: each record one line (or one per line of a traceback) on the
    worker's stderr, which the front end writes to the error log, as ``[wsgi:LEVEL] message`` with Apache's
    level names (CRITICAL crit, ERROR error, WARNING warn, INFO info, DEBUG debug). On a request thread the
    line carries the request id, as ``wsgi.errors`` lines do."""

    _LEVELS = ((logging.CRITICAL, 'crit'), (logging.ERROR, 'error'), (logging.WARNING, 'warn'),
               (logging.INFO, 'info'))

    def __init__(self, level=logging.NOTSET):
        logging.Handler.__init__(self, level)

    @classmethod
    def apache_level(cls, levelno):
        for threshold, name in cls._LEVELS:
            if levelno >= threshold:
                return name
        return 'debug'

    def emit(self, record):
        try:
            text = self.format(record)
            prefix = '[wsgi:%s] ' % self.apache_level(record.levelno)
            request_id = _current_request_id()
            if request_id:
                prefix += '[%s] ' % request_id
            stream = sys.stderr
            stream.write(''.join(prefix + line + '\n' for line in (text.splitlines() or [''])))
            stream.flush()
        except Exception:
            self.handleError(record)


def _current_request_id():
    data = getattr(_current, 'request_data', None)
    if data is None:
        return None
    for request_id, info in list(active_requests.items()):
        if info.get('request_data') is data:
            return request_id
    return None


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
    """``process_stopping`` to event and shutdown subscribers, once per process.

    A later caller (the SIGTERM path, while the control thread's publication still runs) waits for the first
    one to finish: otherwise the process could exit before the subscribers have seen the event.
    """
    global _stopping_published
    with _stopping_lock:
        first = not _stopping_published
        _stopping_published = True
    if not first:
        _stopping_done.wait()
        return
    try:
        if event_callbacks:
            publish(event_callbacks, 'process_stopping', {'shutdown_reason': reason})
        if shutdown_callbacks:
            publish(shutdown_callbacks, 'process_stopping', {'shutdown_reason': reason})
    finally:
        _stopping_done.set()


def _adopt_package(path):
    """Give this module the ``__path__`` of a ``mod_wsgi`` package on ``path``, if there is one, so that its
    subpackages import: a Django project lists ``mod_wsgi.server`` or ``mod_wsgi.express`` in
    ``INSTALLED_APPS`` and Django imports them in the worker too, where the name ``mod_wsgi`` is this module.
    mod_wsgi itself merges the same way (its built-in module is the installed package's when there is one);
    only the package's subpackages are reachable, its ``__init__`` is not executed, so ``version`` and the
    rest stay the runtime's. Called by the worker (and each sub-interpreter) once ``sys.path`` is final."""
    import importlib.machinery
    module = sys.modules[__name__]
    try:
        spec = importlib.machinery.PathFinder.find_spec('mod_wsgi', path)
    except (ImportError, ValueError):
        spec = None
    if spec is not None and spec.submodule_search_locations:
        module.__path__ = list(spec.submodule_search_locations)
    elif hasattr(module, '__path__'):
        del module.__path__
