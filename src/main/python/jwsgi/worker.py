"""Entry point of a jwsgi worker process: one CPython process of a daemon process group.

How to start it (what the Java supervisor does)::

    <python> <server-root>/python/jwsgi/worker.py

with these environment variables (all removed from ``os.environ`` before the application loads):

- ``JWSGI_SOCKET``: path of the group's UNIX socket (Java listens, each worker thread connects).
- ``JWSGI_TOKEN``: the server's secret token, sent back in every HELLO (must contain no space).
- ``JWSGI_WORKER_SLOT``: this process's 0-based slot in its group.
- ``JWSGI_CONFIG``: path of a JSON file: ``process_group``, ``application_group``, ``processes``,
  ``multiprocess``, ``threads``, ``application_type`` (script | module | welcome), ``entry_point``,
  ``callable_object``, ``working_directory``, ``python_path``, ``maximum_requests``, ``server_software``,
  ``version``.

Started as a script, Python puts this file's directory first on ``sys.path``, which would make
``channel``, ``adapter``... importable as top-level modules and shadow an application's own. So the
runtime swaps that entry for the package's parent directory while it imports itself, and removes that too
before the application loads. (``python3 -m jwsgi.worker`` with the parent directory on ``PYTHONPATH``
works as well; the supervisor uses the script form.)

Startup, like a mod_wsgi daemon process: chdir to ``working_directory``; ``sys.path`` gets the working
directory first, then every ``python_path`` entry goes through ``site.addsitedir`` (so ``.pth`` files
work) and everything that added is hoisted to the very front (mod_wsgi's ``python-path=`` behaviour);
``sys.argv = ['mod_wsgi']``; ``sys.modules['mod_wsgi']`` is ``jwsgi.mod_wsgi``; stdout and stderr stay the
process's own (the Java side reads them line by line into the error log) but are made line-buffered and
write-through, since ``-u`` is not guaranteed.

Decision, application loading: the application is loaded once, before any channel connects, so the first
request does not pay for it. If that fails (syntax error, import error, missing callable) the traceback
goes to stderr and the worker **still serves**: each request retries the load (fixing the file heals the
worker) and, while it fails, writes the traceback prefixed with the request id to stderr and answers `X`
reason `A`. mod_wsgi likewise answers 500 and logs the traceback per request.

Then one thread per ``threads`` connects its own channel, sends HELLO (`W` ``"<token> <pid> <slot>
<thread-index>"``, thread-index 0-based; ``mod_wsgi.thread_id`` is that plus one) and serves requests.
A channel that breaks during a request is dropped and replaced (HELLO again). A channel the front end
closes between requests ends its thread; when every thread has ended the process exits 0.

SIGTERM / SIGINT: ``process_stopping`` (``shutdown_reason='shutdown_signal'``) is published to event and
shutdown subscribers, in-flight requests get up to ``STOP_GRACE`` seconds, then ``atexit`` handlers run
and the process ends with ``os._exit(0)``. ``maximum_requests`` is not enforced here: only the front end
knows which process gets the next request, so the supervisor counts and recycles (the worker uses the
setting for ``wsgi.run_once``).

Exit codes: 0 stopped normally; 2 bad environment or config file; 3 could not connect to the socket.
"""

import os
import sys

if __name__ == '__main__' and not __package__:
    _RUNTIME_DIR = os.path.dirname(os.path.abspath(__file__))
    if sys.path and os.path.abspath(sys.path[0] or os.curdir) == _RUNTIME_DIR:
        del sys.path[0]
    sys.path.insert(0, os.path.dirname(_RUNTIME_DIR))

import atexit
import json
import signal
import site
import threading
import time
import traceback

from jwsgi import mod_wsgi
from jwsgi.adapter import Adapter, log
from jwsgi.application import Application, LoadFailed
from jwsgi.channel import Channel, ChannelClosed, ProtocolError

STOP_GRACE = 2.0

_PACKAGE_PARENT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class StartupError(Exception):
    """The environment or config file is unusable (exit code 2)."""


class Settings(object):
    """What the supervisor passed: the JWSGI_* variables and the config file."""

    def __init__(self, socket_path, token, slot, config):
        self.socket_path = socket_path
        self.token = token
        self.slot = slot
        self.config = config

    @classmethod
    def take(cls, environ):
        """Read and remove the JWSGI_* variables from ``environ`` and load the config file."""
        values = dict((name, environ.pop(name)) for name in list(environ) if name.startswith('JWSGI_'))
        try:
            socket_path = values['JWSGI_SOCKET']
            token = values['JWSGI_TOKEN']
            config_path = values['JWSGI_CONFIG']
        except KeyError as e:
            raise StartupError('environment variable %s is not set' % e.args[0])
        try:
            slot = int(values.get('JWSGI_WORKER_SLOT', '0'))
        except ValueError:
            raise StartupError('JWSGI_WORKER_SLOT is not an integer: %r' % values['JWSGI_WORKER_SLOT'])
        if not token or ' ' in token:
            raise StartupError('JWSGI_TOKEN must be non-empty and contain no space')
        try:
            with open(config_path, encoding='utf-8') as f:
                config = json.load(f)
        except (OSError, ValueError) as e:
            raise StartupError('cannot read JWSGI_CONFIG %s: %s' % (config_path, e))
        if not isinstance(config, dict):
            raise StartupError('JWSGI_CONFIG %s is not a JSON object' % config_path)
        if not isinstance(config.get('threads', 1), int) or config.get('threads', 1) < 1:
            raise StartupError('threads must be an integer >= 1, got %r' % (config.get('threads'),))
        return cls(socket_path, token, slot, config)


def configure_stdio():
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(line_buffering=True, write_through=True)
        except (AttributeError, ValueError):
            pass


def configure_interpreter(config):
    """chdir, sys.path, sys.argv and the ``mod_wsgi`` module, as a mod_wsgi daemon process has them."""
    working_directory = os.path.abspath(config.get('working_directory') or os.getcwd())
    os.chdir(working_directory)
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _PACKAGE_PARENT]
    sys.path.insert(0, working_directory)
    before = set(sys.path)
    for entry in config.get('python_path') or []:
        site.addsitedir(entry)
    added = [p for p in sys.path if p not in before]
    sys.path[:] = added + [p for p in sys.path if p not in added]
    sys.argv = ['mod_wsgi']
    mod_wsgi.configure(config)
    sys.modules['mod_wsgi'] = mod_wsgi


class Worker(object):
    """The process: its channel threads, and the main thread waiting for a signal or their end."""

    def __init__(self, settings, adapter):
        self.settings = settings
        self.adapter = adapter
        self.threads = settings.config.get('threads', 1)
        self.stop_reason = None
        self.stopping = False
        self._live = self.threads
        self._live_lock = threading.Lock()
        self._wake_read, self._wake_write = os.pipe()

    def connect(self, index):
        channel = Channel.connect(self.settings.socket_path)
        channel.hello(self.settings.token, os.getpid(), self.settings.slot, index)
        return channel

    def run(self):
        channels = []
        try:
            for index in range(self.threads):
                channels.append(self.connect(index))
        except OSError as e:
            for channel in channels:
                channel.close()
            log('jwsgi worker: cannot connect to %s: %s\n' % (self.settings.socket_path, e))
            return 3
        signal.signal(signal.SIGTERM, self._on_signal)
        signal.signal(signal.SIGINT, self._on_signal)
        for index, channel in enumerate(channels):
            thread = threading.Thread(target=self._serve, args=(index, channel),
                                      name='jwsgi-channel-%d' % index)
            thread.daemon = True
            thread.start()
        # design: the main thread only sleeps on a pipe; a signal handler or the last channel thread
        # writes to it. No lock is taken in the signal handler.
        while self.stop_reason is None:
            os.read(self._wake_read, 1)
        self.stop()
        return 0

    def _on_signal(self, signum, frame):
        if self.stop_reason is None:
            self.stop_reason = 'shutdown_signal'
        os.write(self._wake_write, b's')

    def stop(self):
        self.stopping = True
        mod_wsgi.publish_stopping(self.stop_reason)
        deadline = time.monotonic() + STOP_GRACE
        while self.adapter.in_flight and time.monotonic() < deadline:
            time.sleep(0.02)

    def _serve(self, index, channel):
        constants = self.adapter.thread_constants(index + 1)
        try:
            while channel is not None:
                try:
                    while True:
                        self.adapter.serve(channel, constants)
                        if self.stopping:
                            return
                except ChannelClosed as e:
                    channel.close()
                    if e.idle or self.stopping:
                        return
                except ProtocolError as e:
                    channel.close()
                    log('jwsgi worker: protocol error, channel dropped thread=%d: %s\n' % (index, e))
                except Exception:
                    channel.close()
                    log('jwsgi worker: internal error, channel dropped thread=%d:\n%s'
                        % (index, traceback.format_exc()))
                channel = None
                if self.stopping:
                    return
                try:
                    channel = self.connect(index)
                except OSError as e:
                    log('jwsgi worker: cannot reconnect thread=%d: %s\n' % (index, e))
        finally:
            with self._live_lock:
                self._live -= 1
                last = self._live == 0
            if last:
                if self.stop_reason is None:
                    self.stop_reason = 'front_end_closed'
                os.write(self._wake_write, b'e')


def main(environ=None):
    environ = os.environ if environ is None else environ
    configure_stdio()
    try:
        settings = Settings.take(environ)
        config = settings.config
        application = Application(config.get('application_type') or 'welcome',
                                  config.get('entry_point'),
                                  config.get('callable_object') or 'application')
        configure_interpreter(config)
    except (StartupError, ValueError, OSError) as e:
        log('jwsgi worker: cannot start: %s\n' % e)
        return 2
    try:
        application.get()
    except LoadFailed as e:
        log('jwsgi worker: application failed to load (every request retries) pid=%d: %s\n%s'
            % (os.getpid(), e, e.details))
    worker = Worker(settings, Adapter(config, application))
    return worker.run()


def _finish(code):
    try:
        atexit._run_exitfuncs()
    except Exception:
        traceback.print_exc()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass
    os._exit(code)


if __name__ == '__main__':
    _finish(main())
