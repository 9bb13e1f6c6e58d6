"""Entry point of a jwsgi worker process: one CPython process of a daemon process group.

How to start it (what the Java supervisor does)::

    <python> <server-root>/python/jwsgi/worker.py

with these environment variables (all removed from ``os.environ`` before the application loads):

- ``JWSGI_SOCKET``: path of the group's UNIX socket (Java listens, each worker thread connects).
- ``JWSGI_TOKEN``: the server's secret token, sent back in every HELLO (must contain no space).
- ``JWSGI_WORKER_SLOT``: this process's 0-based slot in its group.
- ``JWSGI_CONFIG``: path of a JSON file: ``process_group``, ``application_group``, ``processes``,
  ``multiprocess``, ``threads``, ``application_type`` (script | module | welcome | site), ``entry_point``
  (not for site), ``callable_object``, ``working_directory``, ``home``, ``python_path``, ``preload``
  (site only), ``subinterpreters`` and ``subinterpreter_gil`` (site only), ``maximum_requests``, ``script_reloading``, ``reload_on_changes``, ``server_software``,
  ``version``; the debugging tools' ``debug_mode``, ``enable_debugger``, ``debugger_startup``,
  ``coverage_directory``, ``profiler_directory``, ``recorder_directory``, ``gdb_executable``
  (``jwsgi.debugging``); the process settings ``jwsgi.process`` reads; for a service script ``mode`` and
  ``service_script``.

``application_type`` ``site`` is one daemon process group behind several mounts (mod_wsgi: several
``WSGIScriptAlias`` delegated to one ``WSGIDaemonProcess``; see ``jwsgi.application.Site``): no
``entry_point``; each request's environ names ``SCRIPT_FILENAME`` (absolute path of the WSGI script),
``mod_wsgi.application_group`` (default: the config's ``application_group``) and
``mod_wsgi.callable_object`` (default ``application``), and the front end's values are what the
application sees. Each script is loaded once, by the first request naming it, with the script type's
module naming, retries and per-request `X` `A`. One process runs one application group (the first it
sees); a request for another, or without ``SCRIPT_FILENAME``, answers `X` `A` and logs why. With
``"subinterpreters": true`` (and optionally ``subinterpreter_gil`` ``own`` | ``shared``) the process serves
every group instead: ``''`` (``%{GLOBAL}``) in the main interpreter, each other group in a sub-interpreter
of its own (``jwsgi.subinterpreters``), and each ``preload`` entry goes into its group's interpreter.
``preload`` is a list of ``{"script", "callable_object", "application_group", "import_only"}`` loaded at
start (step 5): ``import_only`` true is mod_wsgi's ``WSGIImportScript`` (the script is only executed),
false a ``WSGIScriptAlias`` preload (the callable must be there too); a failure is logged and the worker
still serves.

Started as a script, Python puts this file's directory first on ``sys.path``, which would make
``channel``, ``adapter``... importable as top-level modules and shadow an application's own. So the
runtime swaps that entry for the package's parent directory while it imports itself, and removes that too
before the application loads. (``python3 -m jwsgi.worker`` with the parent directory on ``PYTHONPATH``
works as well; the supervisor uses the script form.)

Startup, like a mod_wsgi daemon process, in this order:

1. the **control channel** connects (HELLO ``"<token> <pid> <slot> control"``) and its thread starts
   sending heartbeats (``jwsgi.control``); failing to connect is fatal (exit 3);
2. the **process settings** (``jwsgi.process``): process name, rlimits, groups/gid/uid when root, umask;
   any failure is fatal (exit 3, the message names the setting) - never run the application with the
   wrong identity or without its limits;
3. chdir to ``home`` when given (mod_wsgi's ``home=``; ``sys.path`` then starts with ``''``, the
   current directory, as since mod_wsgi 4.1.0, and ``working_directory`` is ignored), else to
   ``working_directory``; ``sys.path`` gets the working directory first, then every
   ``python_path`` entry goes through ``site.addsitedir`` (so ``.pth`` files work) and everything that
   added is hoisted to the very front (mod_wsgi's ``python-path=`` behaviour); ``sys.argv = ['mod_wsgi']``;
   ``sys.modules['mod_wsgi']`` is ``jwsgi.mod_wsgi`` (lent the ``__path__`` of a ``mod_wsgi`` package on
   ``sys.path``, so ``mod_wsgi.server`` imports: ``mod_wsgi._adopt_package``); stdout and stderr stay the process's own (the Java
   side reads them line by line into the error log) but are made line-buffered and write-through, since
   ``-u`` is not guaranteed;
4. the debugging tools of debug mode start (``jwsgi.debugging``: gdb attaches, coverage starts, pdb
   stops with ``debugger_startup``; a tool that cannot start is exit 2 with a message naming its option);
5. the application loads (a site: its ``preload`` entries, in order); then the reload monitor starts
   (``jwsgi.reloading``: ``script_reloading``, ``reload_on_changes``; a site's monitor watches every
   script loaded, at start or later by a request) and the request channels connect.

Decision, application loading: the application is loaded once, before any request channel connects, so
the first request does not pay for it. If that fails (syntax error, import error, missing callable) the
traceback goes to stderr and the process **exits with status 4** (``EXIT_APPLICATION_LOAD_FAILURE``)
without connecting a request channel: the supervisor replaces it, with its crash-loop back-off, and a fresh
interpreter tries again. Retrying in the same process is what Django cannot survive: a failed first
``django.setup()`` leaves the app registry half-populated, and every later attempt raises "populate()
isn't reentrant". mod_wsgi replaces such a daemon process too (its ``startup-timeout``). A site
(``application_type`` ``site``) keeps per-request loading and retries: one broken script of many must not
take the others down, and its scripts load on their first request anyway.

Then one thread per ``threads`` connects its own channel, sends HELLO (`W` ``"<token> <pid> <slot>
<thread-index>"``, thread-index 0-based; ``mod_wsgi.thread_id`` is that plus one) and serves requests.
A channel that breaks during a request is dropped and replaced (HELLO again). A channel the front end
closes between requests ends its thread; when every thread has ended the process exits 0.

Lifecycle: the front end retires a process with control ``stop <reason>`` (``process_stopping`` is
published at once, with that ``shutdown_reason``, even while requests run - mod_wsgi 4.6.0), stops
sending it requests, then sends SIGTERM. On SIGTERM / SIGINT the worker publishes ``process_stopping``
if that has not happened yet (reason ``shutdown_signal``), lets the in-flight requests finish (the front
end's shutdown-timeout SIGKILL is the bound), runs ``atexit`` handlers and exits 0. A control channel
the front end closes is only logged: if the front end is gone, the request channels close as well and
end the process (reason ``front_end_closed``). SIGXCPU (the soft
``cpu_time_limit``) sends ``recycle cpu_time_limit`` once. ``maximum_requests`` is not enforced here:
only the front end knows which process gets the next request, so the supervisor counts and recycles (the
worker uses the setting for ``wsgi.run_once``).

Service scripts (``mode`` ``service``, mod_wsgi's threads=0): no channels at all. The process settings
are applied (``user``/``group`` carry the service user), the interpreter is configured as above, and
``service_script`` runs as ``__main__`` in the main thread. When it returns the process exits 0 and the
front end starts it again; SIGTERM raises ``SystemExit`` in it, as in mod_wsgi.

Exit codes (the same numbers as the server's own, ``io.jwsgi.cli.ExitCode``; the supervisor acts on 4): 0
stopped normally (or the service script returned); 2 bad environment or config file; 3 could not connect to
the socket, or a process setting could not be applied; 4 the application failed to load at start, or the
service script raised.
"""

import os
import sys

if __name__ == '__main__' and not __package__:
    _RUNTIME_DIR = os.path.dirname(os.path.abspath(__file__))
    if sys.path and os.path.abspath(sys.path[0] or os.curdir) == _RUNTIME_DIR:
        del sys.path[0]
    sys.path.insert(0, os.path.dirname(_RUNTIME_DIR))

import atexit
import faulthandler
import json
import runpy
import signal
import site
import threading
import time
import traceback

from jwsgi import debugging, mod_wsgi, process
from jwsgi.adapter import Adapter, log
from jwsgi.application import Application, LoadFailed, Site
from jwsgi.channel import Channel, ChannelClosed, ProtocolError
from jwsgi.control import Control, cancel_interrupt, dump_stacks, interrupt_thread
from jwsgi.reloading import ChangeMonitor
from jwsgi.subinterpreters import Interpreters

_PACKAGE_PARENT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Exit statuses, numbered as io.jwsgi.cli.ExitCode (WorkerExitCodesTest checks that they agree).
EXIT_OK = 0
EXIT_USAGE = 2
EXIT_WORKER_BOOT_FAILURE = 3
EXIT_APPLICATION_LOAD_FAILURE = 4


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
        mode = config.get('mode') or 'wsgi'
        if mode not in ('wsgi', 'service'):
            raise StartupError('mode must be wsgi or service, got %r' % (mode,))
        if mode == 'service':
            if not config.get('service_script'):
                raise StartupError('mode service needs a service_script')
        elif not isinstance(config.get('threads', 1), int) or config.get('threads', 1) < 1:
            raise StartupError('threads must be an integer >= 1, got %r' % (config.get('threads'),))
        preload = config.get('preload') or []
        if not isinstance(preload, list) or not all(
                isinstance(entry, dict) and isinstance(entry.get('script'), str) and entry['script']
                for entry in preload):
            raise StartupError('preload must be a list of objects with a script, got %r' % (preload,))
        if preload and config.get('application_type') != 'site':
            raise StartupError('preload needs application_type site, not %r'
                               % (config.get('application_type'),))
        return cls(socket_path, token, slot, config)


def configure_stdio():
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(line_buffering=True, write_through=True)
        except (AttributeError, ValueError):
            pass


def configure_interpreter(config):
    """chdir, sys.path, sys.argv and the ``mod_wsgi`` module, as a mod_wsgi daemon process has them."""
    home = config.get('home')
    if home:
        # mod_wsgi's home= (4.1.0 on): the process starts there and '' (the current directory) leads
        # sys.path; it wins over working_directory.
        os.chdir(os.path.abspath(home))
        first = ''
    elif config.get('application_type') == 'site' and config.get('user'):
        # A configuration file's group running as another user (user=, or Apache's User) without home=: as in
        # mod_wsgi, the process starts in that user's home directory, not in the directory jwsgi was started in
        # (which that user may not be allowed to enter); '/' when the home directory does not exist.
        import pwd
        try:
            first = pwd.getpwnam(config['user']).pw_dir
        except KeyError:
            first = '/'
        if not os.path.isdir(first):
            first = '/'
        os.chdir(first)
    else:
        first = os.path.abspath(config.get('working_directory') or os.getcwd())
        os.chdir(first)
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _PACKAGE_PARENT]
    sys.path.insert(0, first)
    before = set(sys.path)
    for entry in config.get('python_path') or []:
        site.addsitedir(entry)
    added = [p for p in sys.path if p not in before]
    sys.path[:] = added + [p for p in sys.path if p not in added]
    sys.argv = ['mod_wsgi']
    if config.get('switch_interval'):
        sys.setswitchinterval(config['switch_interval'])  # --switch-interval, before the application loads
    mod_wsgi.configure(config)
    mod_wsgi._adopt_package(sys.path)
    sys.modules['mod_wsgi'] = mod_wsgi


class Worker(object):
    """The process: the control channel, the request channel threads, and the main thread waiting for a
    signal or their end."""

    def __init__(self, settings):
        self.settings = settings
        self.adapter = None
        self.control = None
        # A site's sub-interpreters (jwsgi.subinterpreters), when the config turns them on.
        self.interpreters = None
        self.threads = settings.config.get('threads', 1)
        self.stop_reason = None
        # The reason of the front end's ``stop``: what process_stopping carries.
        self.shutdown_reason = None
        self.stopping = False
        self.idents = {}
        self._cpu_recycle_sent = False
        self._live = self.threads
        self._live_lock = threading.Lock()
        self._wake_read, self._wake_write = os.pipe()

    def open_control(self):
        """Connect the control channel and start its thread; raises OSError."""
        settings = self.settings
        self.control = Control.connect(settings.socket_path, settings.token, os.getpid(), settings.slot,
                                       self)
        self.control.start()

    def connect(self, index):
        channel = Channel.connect(self.settings.socket_path)
        channel.hello(self.settings.token, os.getpid(), self.settings.slot, index)
        return channel

    def run(self, adapter):
        self.adapter = adapter
        channels = []
        try:
            for index in range(self.threads):
                channels.append(self.connect(index))
        except OSError as e:
            for channel in channels:
                channel.close()
            log('jwsgi worker: cannot connect to %s: %s\n' % (self.settings.socket_path, e))
            return EXIT_WORKER_BOOT_FAILURE
        # A process-directed signal may be delivered to any thread (SIGXCPU goes to the one burning the
        # CPU); the C-level handler then writes the signal number to the wakeup fd, which is what gets
        # the main thread out of its read so that the Python handler runs.
        os.set_blocking(self._wake_write, False)
        signal.set_wakeup_fd(self._wake_write)
        signal.signal(signal.SIGTERM, self._on_signal)
        signal.signal(signal.SIGINT, self._on_signal)
        if self.settings.config.get('cpu_time_limit'):
            signal.signal(signal.SIGXCPU, self._on_cpu_limit)
        # mod_wsgi's eviction gesture: SIGUSR1 sent to one daemon process restarts just that process gracefully.
        signal.signal(signal.SIGUSR1, self._on_evict)
        # mod_wsgi 6: SIGHUP and SIGUSR2 are the application's, published as process_signal.
        signal.signal(signal.SIGHUP, self._on_application_signal)
        signal.signal(signal.SIGUSR2, self._on_application_signal)
        for index, channel in enumerate(channels):
            thread = threading.Thread(target=self._serve, args=(index, channel),
                                      name='jwsgi-channel-%d' % index)
            thread.daemon = True
            thread.start()
        # design: the main thread only sleeps on a pipe; a signal handler, the control thread or the last
        # channel thread writes one byte to it. No lock is taken in the signal handlers.
        while self.stop_reason is None:
            woken = os.read(self._wake_read, 1)
            if woken == b'c':
                self._recycle_for_cpu()
            elif woken == b'u':
                log('jwsgi worker: SIGUSR1, asking to be evicted pid=%d\n' % os.getpid())
                self.control.send('recycle eviction_signal')
            elif woken == b'h':
                mod_wsgi.deliver_signal(signal.SIGHUP)
            elif woken == b'2':
                mod_wsgi.deliver_signal(signal.SIGUSR2)
        self.stop()
        return 0

    def _on_signal(self, signum, frame):
        if self.stop_reason is None:
            self.stop_reason = 'shutdown_signal'
        os.write(self._wake_write, b's')

    def _on_application_signal(self, signum, frame):
        os.write(self._wake_write, b'h' if signum == signal.SIGHUP else b'2')

    def _on_evict(self, signum, frame):
        os.write(self._wake_write, b'u')

    def _on_cpu_limit(self, signum, frame):
        os.write(self._wake_write, b'c')

    def _recycle_for_cpu(self):
        if not self._cpu_recycle_sent:
            self._cpu_recycle_sent = True
            log('jwsgi worker: cpu time limit reached, asking to be recycled pid=%d\n' % os.getpid())
            self.control.send('recycle cpu_time_limit')

    def _wake(self, reason):
        if self.stop_reason is None:
            self.stop_reason = reason
        os.write(self._wake_write, b'e')

    def stop(self):
        self.stopping = True
        mod_wsgi.publish_stopping(self.shutdown_reason or self.stop_reason)
        # Java stopped sending requests before the signal; its shutdown-timeout (SIGKILL) bounds this.
        while self.adapter.in_flight:
            time.sleep(0.02)
        if self.interpreters is not None:
            self.interpreters.stop(self.shutdown_reason or self.stop_reason)

    # -- control channel commands (called on the control thread) -----------------------------------------

    def on_stop(self, reason):
        if self.shutdown_reason is None:
            self.shutdown_reason = reason
        # The acknowledgement: the front end closes this process's channels and sends SIGTERM only after it,
        # so the reason is recorded before either can be mistaken for "the front end went away".
        self.control.send('stopping')
        # Subscribers run on a thread of their own so a slow one cannot stop the heartbeats.
        threading.Thread(target=self._publish_stopping, args=(reason,), name='jwsgi-stopping',
                         daemon=True).start()

    def _publish_stopping(self, reason):
        mod_wsgi.publish_stopping(reason)
        if self.interpreters is not None:
            self.interpreters.publish_stopping(reason)

    def on_dump(self, reason):
        dump_stacks(reason, self.request_ids())

    def on_interrupt(self, index):
        # "Running" is the application's part of the request (mod_wsgi.active_requests), not the adapter's
        # in_flight: a thread stays in in_flight while its response's last frames go out, and an interrupt
        # landing there would drop a channel whose exchange already ended cleanly.
        thread_id = index + 1
        ident = self.idents.get(index)
        request_id = self.request_ids().get(ident) if ident is not None else None
        if request_id is None or self.adapter is None:
            log('jwsgi worker: interrupt ignored, no request running pid=%d thread=%d\n'
                % (os.getpid(), index))
            return
        slot = mod_wsgi.thread_slot(thread_id)
        served = slot[0]
        interrupt_thread(ident, mod_wsgi.RequestTimeout)
        if slot[0] != served or self.request_ids().get(ident) != request_id:
            # The request ended meanwhile: do not hit the thread between requests.
            cancel_interrupt(ident)
            return
        log('jwsgi worker: request interrupted pid=%d thread=%d request_id=%s\n'
            % (os.getpid(), index, request_id))

    def on_control_closed(self):
        # Not a reason to stop by itself: when the front end goes away the request channels close too and
        # the process ends through them. A front end that refuses the control channel (one older than
        # the control channel) must not take the worker down with it.
        if not self.stopping:
            log('jwsgi worker: control channel closed by the front end pid=%d\n' % os.getpid())

    def request_ids(self):
        """Thread ident -> id of the request it serves now."""
        idents = self.idents
        ids = {}
        for request_id, info in list(mod_wsgi.active_requests.items()):
            ident = idents.get(info.get('thread_id', 0) - 1)
            if ident is not None:
                ids[ident] = request_id
        return ids

    # -- request channel threads ------------------------------------------------------------------------

    def _serve(self, index, channel):
        self.idents[index] = threading.get_ident()
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
                except mod_wsgi.RequestTimeout:
                    # An interrupt that landed outside the application: the exchange state is unknown.
                    channel.close()
                    log('jwsgi worker: interrupt arrived between requests, channel dropped thread=%d\n'
                        % index)
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
                self._wake('front_end_closed')


def start_monitor(config, application, control, interpreters=None):
    """The reload monitor, when script reloading or reload_on_changes asks for one (else None)."""
    script = None
    script_mtime = None
    reloading = config.get('script_reloading', True)
    site = application.application_type == 'site' and reloading
    if application.application_type == 'script' and reloading:
        script = application.entry_point
        script_mtime = getattr(application._module, '__mtime__', None)
    all_modules = bool(config.get('reload_on_changes', False))
    if script is None and not site and not all_modules:
        return None

    def changed(path):
        log('jwsgi worker: code changed, asking to be recycled pid=%d path=%s\n' % (os.getpid(), path))
        control.send('recycle script_reload')
    monitor = ChangeMonitor(script, all_modules, changed, script_mtime)
    if site:
        # Every script loaded so far (the preloads) and each one a request loads later.
        application.watch(monitor.add_script)
    if interpreters is not None:
        # What the sub-interpreters loaded: their scripts (and, with reload_on_changes, modules).
        interpreters.watch(monitor.add_script)
    monitor.start()
    return monitor


def load_application(config, application, interpreters=None):
    """Load at process start, before any channel connects: the application, or a site's preloads. Returns
    False when the application failed to load (logged; the process must exit and be replaced), else True.
    A site's failed preload is logged and the worker still serves (each request retries). With
    sub-interpreters, an entry of another application group than %{GLOBAL} starts that group's
    interpreter, which loads all of the group's entries (in their order) itself."""
    if application.application_type != 'site':
        try:
            application.get()
        except LoadFailed as e:
            log('jwsgi worker: application failed to load, exiting to be replaced by a fresh process '
                'pid=%d: %s\n%s' % (os.getpid(), e, e.details))
            return False
        return True
    entries = config.get('preload') or []
    elsewhere = {}
    if interpreters is not None:
        for entry in entries:
            group = entry.get('application_group')
            group = application.default_group if group is None else group
            if group != '':
                elsewhere.setdefault(group, []).append(entry)
    for entry in entries:
        group = entry.get('application_group')
        group = application.default_group if group is None else group
        if group in elsewhere:
            if group not in interpreters.groups:
                interpreters.group(group, elsewhere[group])
            continue
        try:
            application.preload(entry['script'], entry.get('callable_object') or 'application',
                                entry.get('application_group'), bool(entry.get('import_only', False)))
        except LoadFailed as e:
            log('jwsgi worker: %s %s failed to load (every request retries) pid=%d: %s\n%s'
                % ('import script' if entry.get('import_only') else 'preloaded script', entry['script'],
                   os.getpid(), e, e.details))
    return True


def run_service(config):
    """mod_wsgi's threads=0 mode: run ``service_script`` in the main thread, no channels."""
    try:
        for note in process.apply(config):
            log('jwsgi worker: %s\n' % note)
        configure_interpreter(config)
    except process.SettingFailed as e:
        log('jwsgi worker: cannot apply %s\n' % e)
        return EXIT_WORKER_BOOT_FAILURE
    except OSError as e:
        log('jwsgi worker: cannot start: %s\n' % e)
        return EXIT_USAGE

    def terminate(signum, frame):
        raise SystemExit(0)
    signal.signal(signal.SIGTERM, terminate)
    signal.signal(signal.SIGINT, terminate)

    def discard(signum, frame):
        # mod_wsgi 6: a process without request threads does not publish process_signal; it says so.
        log('jwsgi worker: %s ignored by service script process pid=%d (subscribe_signals is for request '
            'workers; the script may install its own handler)\n' % (signal.Signals(signum).name, os.getpid()))
    signal.signal(signal.SIGHUP, discard)
    signal.signal(signal.SIGUSR2, discard)
    script = os.path.abspath(config['service_script'])
    try:
        runpy.run_path(script, run_name='__main__')
    except SystemExit as e:
        if e.code is None or isinstance(e.code, int):
            return e.code or 0
        log('%s\n' % (e.code,))
        return 1
    except BaseException:
        log('jwsgi worker: service script %s raised pid=%d:\n%s'
            % (script, os.getpid(), traceback.format_exc()))
        return EXIT_APPLICATION_LOAD_FAILURE
    return 0


def main(environ=None):
    environ = os.environ if environ is None else environ
    configure_stdio()
    # A crash in C (a segfault in an extension, ctypes misuse) prints every thread's Python stack to stderr,
    # hence to the error log next to the supervisor's "worker exited ... signal=SIGSEGV" line.
    try:
        faulthandler.enable(file=sys.__stderr__, all_threads=True)
    except (AttributeError, ValueError, OSError):
        pass  # no usable stderr descriptor: the supervisor's exit line still names the signal
    try:
        settings = Settings.take(environ)
    except StartupError as e:
        log('jwsgi worker: cannot start: %s\n' % e)
        return EXIT_USAGE
    config = settings.config
    global _orphan_interpreter
    _orphan_interpreter = bool(config.get('orphan_interpreter'))
    if config.get('mode') == 'service':
        return run_service(config)
    try:
        if config.get('application_type') == 'site':
            application = Site(config.get('process_group', ''), config.get('application_group', ''))
        else:
            application = Application(config.get('application_type') or 'welcome',
                                      config.get('entry_point'),
                                      config.get('callable_object') or 'application')
    except ValueError as e:
        log('jwsgi worker: cannot start: %s\n' % e)
        return EXIT_USAGE
    worker = Worker(settings)
    try:
        worker.open_control()
    except OSError as e:
        log('jwsgi worker: cannot connect the control channel to %s: %s\n' % (settings.socket_path, e))
        return EXIT_WORKER_BOOT_FAILURE
    try:
        for note in process.apply(config):
            log('jwsgi worker: %s\n' % note)
    except process.SettingFailed as e:
        log('jwsgi worker: cannot apply %s\n' % e)
        return EXIT_WORKER_BOOT_FAILURE
    try:
        configure_interpreter(config)
    except OSError as e:
        log('jwsgi worker: cannot start: %s\n' % e)
        return EXIT_USAGE
    interpreters = None
    if config.get('application_type') == 'site':
        try:
            interpreters = Interpreters.for_config(config, sys.path)
        except ValueError as e:
            log('jwsgi worker: cannot start: %s\n' % e)
            return EXIT_USAGE
        if interpreters is not None:
            # The main interpreter is %{GLOBAL}'s; every other group gets a sub-interpreter.
            application.claim('')
    worker.interpreters = interpreters
    try:
        debugging.start(config, log)
    except debugging.ToolFailed as e:
        log('jwsgi worker: cannot start: %s\n' % e)
        return 2
    # --debugger-startup stops here, the application's load being the next line.
    debugging.break_at_startup(config)
    if not load_application(config, application, interpreters):
        return EXIT_APPLICATION_LOAD_FAILURE
    start_monitor(config, application, worker.control, interpreters)
    adapter = Adapter(config, application)
    adapter.router = interpreters
    adapter.wrap = debugging.wrapper(config)
    return worker.run(adapter)


# --orphan-interpreter (WSGIDestroyInterpreter Off): the process ends without the interpreter's shutdown, so
# the atexit handlers do not run either; process_stopping subscribers have run by then.
_orphan_interpreter = False


def _finish(code):
    try:
        if not _orphan_interpreter:
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
