"""Application groups in CPython sub-interpreters, as mod_wsgi runs them (worker config ``subinterpreters``).

A ``site`` worker (``jwsgi.application.Site``) with ``"subinterpreters": true`` serves every application
group of its process group: ``''`` (``%{GLOBAL}``) in the main interpreter, every other group in a
sub-interpreter of its own, created on first use (a request naming it) or at start when a ``preload``
entry names it. Two groups never share module state: each interpreter has its own ``sys.modules``, its
own ``mod_wsgi`` module (``application_group`` is the group's name) and loads its scripts itself. Without
the key (or with it false) nothing here runs and the process serves one group, as before.

Config keys read here: ``subinterpreters`` (bool), ``subinterpreter_gil`` (``"own"`` or ``"shared"``;
default ``"own"`` on CPython 3.13 and later, ``"shared"`` on 3.11 and 3.12, see ``default_gil``), ``threads``, ``script_reloading``, ``reload_on_changes``, and the whole config again in
each sub-interpreter (``process_group``, ``processes``, ``threads``... for ``mod_wsgi`` and the adapter).

The APIs: CPython 3.13 ``_interpreters`` (``create('isolated' | 'legacy' config)``, ``run_string``), 3.12
``_xxsubinterpreters.create(isolated=...)``, 3.11 ``_xxsubinterpreters.create(isolated=False)`` (3.11's
"isolated" forbids threads; its interpreters always share the GIL). With ``subinterpreter_gil``
``"own"`` on 3.12 or later each group gets an own-GIL ("isolated") interpreter, so groups run Python in
parallel; else a legacy interpreter sharing the main GIL (3.12 honours an explicit ``"own"`` but logs the
crash hazard ``default_gil`` describes). Without any of these
modules the worker logs that and keeps the one-group-per-process behaviour.

How a request gets there. A sub-interpreter may be run by one thread at a time (a second ``run_string``
raises "already running"), so nothing is ``run_string``-ed per request. Per group, one main-interpreter
thread (``jwsgi-subinterpreter ...``) calls ``run_string`` once with a program (``serve_inside``) that
configures the interpreter (``sys.path`` as the main interpreter built it in ``configure_interpreter``,
``sys.argv``, ``mod_wsgi``), runs the group's preloads, answers "ready" and starts ``threads`` threads
inside the interpreter. Thread *i* of every group pairs with request channel thread *i* of the main
interpreter through a socketpair of its own (so no locking, and any size): the channel thread reads the
request (`Q`, the pushed body) as always, sees the group in the environ and writes
``(b'Q', channel fd, length)`` plus ``marshal.dumps((environ, body, more, unread bytes))`` to the pair,
then blocks for the answer. The sub-interpreter thread wraps a ``dup`` of the channel fd (the original
stays the main side's), serves the request on it with the same ``Adapter.serve_request`` (reading the
rest of the body with `R`, writing `H` `D` `E` / `X`), closes its dup and answers ``(status, length)``
plus the marshalled list of ``(path, mtime)`` it loaded meanwhile: status ``k`` done, ``b`` the channel
broke (the main thread drops and reconnects it, as for a local request), ``p`` protocol error, ``e``
internal error. Only str/int/bytes cross between interpreters (the ``run_string`` shared values are a
JSON string); the rest is bytes on sockets.

Decisions:

- A group whose interpreter cannot be created or configured is logged once and every request for it
  answers `X` `A` with that text; the other groups keep serving. It is not retried (it is deterministic).
- Extension modules with single-phase init do not load in an own-GIL interpreter (``ImportError: module X
  does not support loading in subinterpreters``). That is a load failure of the script like any other:
  500, and the log line names the application group and the module, then the traceback; the process and
  the other groups are untouched. The fix is ``WSGIApplicationGroup %{GLOBAL}`` (the main interpreter),
  or ``"subinterpreter_gil": "shared"`` (a legacy interpreter loads such modules, as mod_wsgi's do).
- Reloading: the change monitor runs in the main interpreter; the scripts a sub-interpreter executes
  (and with ``reload_on_changes`` its modules' files) come back with the answers and the "ready" message
  and are added to it.
- Stop: ``process_stopping`` is published in each sub-interpreter when the main interpreter publishes it
  (control ``stop``); at the end of a graceful stop each sub-interpreter runs its ``atexit`` handlers and
  its threads end. The interpreters are not destroyed (the process exits right after).
- ``request_id``s of sub-interpreter requests are not in the main interpreter's
  ``mod_wsgi.active_requests``, so control ``interrupt`` (request timeouts) cannot reach them and the
  stack dump shows the main-interpreter thread waiting for the hand-off; the front end's timeouts still
  bound the request. The main interpreter's metrics count handed-off requests (count and busy time).

Measurements (bench/tools/subinterp_bench.py, this machine; see docs/subinterpreters.md):
one worker, one request channel, a trivial app; median of 3000 interleaved round trips through the fake
front end; RSS delta of the worker after the first request of a new group (creates the interpreter, imports
jwsgi there, loads the script), mean of 5 groups; start-up = that first request minus the steady median.

==========  ======  ==============  ===========  ============================  ==================
Python      GIL     RSS per group   start-up     round trip main / sub (us)    hand-off per req.
==========  ======  ==============  ===========  ============================  ==================
3.11.7      shared  7.1 MiB         84 ms        75 / 107                      +32 us
3.12.1      shared  6.9 MiB         85 ms        83 / 105                      +22 us
3.12.1      own     7.2 MiB         105 ms       125 / 171                     +46 us
3.13.0      own     7.1 MiB         94 ms        79 / 99                       +20 us
3.13.0      shared  6.7 MiB         84 ms        79 / 108                      +28 us
==========  ======  ==============  ===========  ============================  ==================

The start-up is mostly the sub-interpreter importing the standard library modules jwsgi needs (and
``site``) again; it is paid once per group, by its first request or at start for a preloaded group.
"""

import json
import marshal
import os
import re
import socket
import struct
import sys
import threading
import time
import traceback

from jwsgi import mod_wsgi
from jwsgi.adapter import Adapter, fail_frame, log, prefixed
from jwsgi.application import LoadFailed, Site
from jwsgi.channel import FAIL_APPLICATION, Channel, ChannelClosed, ProtocolError
from jwsgi.reloading import module_files

_PACKAGE_PARENT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# main -> sub: kind (b'Q' request, b'S' publish process_stopping, b'T' terminate), channel fd, length.
_HANDOFF = struct.Struct('>cII')
# sub -> main: status, length.
_ANSWER = struct.Struct('>cI')
DONE = b'k'
BROKEN = b'b'
PROTOCOL = b'p'
ERROR = b'e'

_BOOT = '''
import sys
sys.path.insert(0, _jwsgi_parent)
from jwsgi import subinterpreters as _jwsgi_subinterpreters
_jwsgi_subinterpreters.serve_inside(_jwsgi_settings)
'''

_SINGLE_PHASE = re.compile(r'module (\S+) does not support loading in subinterpreters')


class Unavailable(Exception):
    """This Python has no sub-interpreter API jwsgi can use."""


def _api():
    try:
        import _interpreters
        return 'interpreters', _interpreters
    except ImportError:
        pass
    try:
        import _xxsubinterpreters
        return 'xxsubinterpreters', _xxsubinterpreters
    except ImportError:
        return None, None


def available():
    return _api()[1] is not None


def default_gil():
    """``'own'`` from CPython 3.13 on, else ``'shared'``: 3.12's own-GIL interpreters run a single-phase
    extension module's init function in the sub-interpreter before refusing it, which leaves process-wide
    state allocated by that interpreter; importing the module afterwards in the main interpreter hangs or
    aborts the process (gh-117953, fixed in 3.13 only; reproduced here on 3.12.1 every time)."""
    return 'own' if sys.version_info >= (3, 13) else 'shared'


def create_interpreter(gil='own'):
    """A new sub-interpreter; returns ``(id, own_gil)``. ``gil`` ``'own'`` asks for an own-GIL isolated
    interpreter where the Python has them (3.12 on), ``'shared'`` for a legacy one."""
    kind, api = _api()
    if api is None:
        raise Unavailable('no _interpreters or _xxsubinterpreters module in Python %s'
                          % sys.version.split()[0])
    own = gil != 'shared' and sys.version_info >= (3, 12)
    if kind == 'interpreters':
        return api.create(api.new_config('isolated' if own else 'legacy')), own
    if sys.version_info >= (3, 12):
        return api.create(isolated=own), own
    try:
        # 3.11's isolated=True (its default) forbids threads.
        return api.create(isolated=False), False
    except TypeError:
        return api.create(), False


def run_string(interpreter, code, shared):
    """Run ``code`` in ``interpreter`` with ``shared`` (str values) in its ``__main__``; raises
    RuntimeError with the sub-interpreter's error text when the code raised."""
    kind, api = _api()
    if kind == 'interpreters':
        failure = api.run_string(interpreter, code, shared)
        if failure is not None:
            raise RuntimeError(getattr(failure, 'formatted', None) or str(failure))
        return
    try:
        api.run_string(interpreter, code, shared=shared)
    except api.RunFailedError as e:
        raise RuntimeError(str(e))


def _recv_exact(sock, size):
    """``size`` bytes from ``sock``, or None when it is closed before the first byte (EOFError after)."""
    if size == 0:
        return b''
    data = sock.recv(size)
    if not data:
        return None
    if len(data) == size:
        return data
    buf = bytearray(data)
    while len(buf) < size:
        data = sock.recv(size - len(buf))
        if not data:
            raise EOFError('closed after %d of %d bytes' % (len(buf), size))
        buf += data
    return bytes(buf)


def _read_message(sock, header):
    head = _recv_exact(sock, header.size)
    if head is None:
        return None
    fields = header.unpack(head)
    payload = _recv_exact(sock, fields[-1])
    return fields[:-1] + (payload if payload is not None else b'',)


def group_label(name):
    return '%{GLOBAL}' if name == '' else name


# -- the main interpreter's side ------------------------------------------------------------------------


class Group(object):
    """One application group's sub-interpreter, seen from the main interpreter."""

    def __init__(self, manager, name):
        self.manager = manager
        self.name = name
        self.ready = threading.Event()
        # LoadFailed when the interpreter could not be created or configured.
        self.failure = None
        self.interpreter = None
        self.own_gil = False
        self.startup_seconds = None
        self.pairs = []
        self.control = None
        self._control_lock = threading.Lock()
        self._run_error = None
        self.thread = None

    def start(self, preload=()):
        """Create the interpreter, run its program and wait for its "ready"; sets ``failure`` on error."""
        started = time.perf_counter()
        try:
            self._start(list(preload))
        except Exception as e:
            self._fail('cannot start its sub-interpreter: %s: %s' % (type(e).__name__, e),
                       traceback.format_exc())
        self.startup_seconds = time.perf_counter() - started
        self.ready.set()

    def _fail(self, summary, details):
        message = "jwsgi worker: application group '%s' %s\n" % (group_label(self.name), summary)
        log(message + details)
        self.failure = LoadFailed("application group '%s' %s" % (group_label(self.name), summary),
                                  message + details)

    def _start(self, preload):
        manager = self.manager
        self.interpreter, self.own_gil = create_interpreter(manager.gil)
        inside = []
        for _ in range(manager.threads):
            main_end, sub_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
            self.pairs.append(main_end)
            inside.append(sub_end.detach())  # the sub-interpreter owns and closes these descriptors
        main_end, sub_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        self.control = main_end
        settings = {
            'config': manager.config, 'group': self.name, 'sys_path': manager.sys_path,
            'request_fds': inside, 'control_fd': sub_end.detach(), 'own_gil': self.own_gil,
            'preload': preload, 'scripts': manager.watch_scripts, 'modules': manager.watch_modules,
        }
        shared = {'_jwsgi_parent': _PACKAGE_PARENT, '_jwsgi_settings': json.dumps(settings)}
        self.thread = threading.Thread(target=self._run, args=(shared,), daemon=True,
                                       name='jwsgi-subinterpreter %s' % group_label(self.name))
        self.thread.start()
        answer = _read_message(self.control, _ANSWER)
        if answer is None:
            self.thread.join(10)
            error = self._run_error or 'its program ended before it was ready\n'
            self._fail('could not configure its sub-interpreter:', '\n' + error)
            return
        status, payload = answer
        manager.loaded(marshal.loads(payload))

    def _run(self, shared):
        try:
            run_string(self.interpreter, _BOOT, shared)
        except BaseException as e:
            self._run_error = str(e) if isinstance(e, RuntimeError) else traceback.format_exc()
            log("jwsgi worker: application group '%s': its sub-interpreter's program failed:\n%s\n"
                % (group_label(self.name), self._run_error))
        finally:
            # Wakes a main thread still waiting for "ready" (and ends every later exchange).
            for sock in [self.control] + self.pairs:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def handoff(self, adapter, channel, constants, environ, body, more):
        """Serve one request of this group on ``channel`` in the sub-interpreter; raises what
        ``Adapter.serve`` raises."""
        thread_id = constants['mod_wsgi.thread_id']
        if self.failure is not None:
            request_id = environ.get('mod_wsgi.request_id', '')
            log(prefixed(request_id, self.failure.details))
            channel.sendv([fail_frame(FAIL_APPLICATION, str(self.failure))])
            return
        unread = bytes(channel._view[channel._start:channel._end])
        channel._start = channel._end = 0
        payload = marshal.dumps((environ, body, more, unread))
        sock = self.pairs[thread_id - 1]
        adapter.in_flight.add(thread_id)
        started = time.time()
        try:
            try:
                sock.sendall(_HANDOFF.pack(b'Q', channel.fd, len(payload)) + payload)
                answer = _read_message(sock, _ANSWER)
            except (OSError, EOFError) as e:
                answer = None
                error = e
            else:
                error = 'closed'
            if answer is None:
                channel.broken = True
                raise RuntimeError("application group '%s': its sub-interpreter is gone (%s)"
                                   % (group_label(self.name), error))
            status, payload = answer
        finally:
            adapter.in_flight.discard(thread_id)
            slot = mod_wsgi.thread_slot(thread_id)
            slot[0] += 1
            slot[1] += time.time() - started
        if status == DONE:
            if payload:
                self.manager.loaded(marshal.loads(payload))
            return
        text = payload.decode('utf-8', 'replace')
        channel.broken = True
        if status == BROKEN:
            raise ChannelClosed(text)
        if status == PROTOCOL:
            raise ProtocolError(text)
        raise RuntimeError("application group '%s' (sub-interpreter): %s" % (group_label(self.name), text))

    def command(self, kind, text=''):
        """Send ``S`` (publish process_stopping) or ``T`` (atexit, end) and wait for the answer."""
        if self.control is None or not self.ready.is_set() or self.failure is not None:
            return
        data = text.encode('utf-8')
        with self._control_lock:
            try:
                self.control.sendall(_HANDOFF.pack(kind, 0, len(data)) + data)
                _read_message(self.control, _ANSWER)
            except (OSError, EOFError):
                pass


class Interpreters(object):
    """The sub-interpreters of one site worker: which group runs where, created on first use."""

    def __init__(self, config, sys_path):
        self.config = config
        self.sys_path = list(sys_path)
        self.threads = config.get('threads', 1)
        gil = config.get('subinterpreter_gil') or default_gil()
        if gil not in ('own', 'shared'):
            raise ValueError('subinterpreter_gil must be own or shared, not %r' % (gil,))
        self.gil = gil
        self.gil_asked = config.get('subinterpreter_gil')
        self.watch_scripts = bool(config.get('script_reloading', True))
        self.watch_modules = bool(config.get('reload_on_changes', False))
        self.groups = {}
        self._lock = threading.Lock()
        self._loaded = []
        self._on_load = None

    @classmethod
    def for_config(cls, config, sys_path):
        """An Interpreters when ``subinterpreters`` is on and this Python has them, else None (logged)."""
        if not config.get('subinterpreters'):
            return None
        if not available():
            log('jwsgi worker: subinterpreters requested but Python %s has no sub-interpreter API; this '
                'process runs one application group pid=%d\n' % (sys.version.split()[0], os.getpid()))
            return None
        manager = cls(config, sys_path)
        if manager.gil == 'own' and sys.version_info < (3, 12):
            log('jwsgi worker: Python %s has no own-GIL sub-interpreters; application groups share the '
                'GIL pid=%d\n' % (sys.version.split()[0], os.getpid()))
        elif manager.gil == 'own' and sys.version_info < (3, 13):
            log('jwsgi worker: subinterpreter_gil own on Python %s: a single-phase extension module '
                'refused by an own-GIL group hangs or crashes the process when another interpreter imports '
                'it later (CPython gh-117953, fixed in 3.13) pid=%d\n'
                % (sys.version.split()[0], os.getpid()))
        return manager

    def group(self, name, preload=()):
        group = self.groups.get(name)
        if group is None:
            with self._lock:
                group = self.groups.get(name)
                creating = group is None
                if creating:
                    group = self.groups[name] = Group(self, name)
            if creating:
                group.start(preload)
        group.ready.wait()
        return group

    def handoff(self, name, adapter, channel, constants, environ, body, more):
        self.group(name).handoff(adapter, channel, constants, environ, body, more)

    # -- the reload monitor -------------------------------------------------------------------------------

    def loaded(self, items):
        with self._lock:
            self._loaded.extend(items)
            on_load = self._on_load
        if on_load is not None:
            for path, mtime in items:
                on_load(path, mtime)

    def watch(self, on_load):
        """Like ``Site.watch``: every file a sub-interpreter loaded so far and from now on."""
        with self._lock:
            self._on_load = on_load
            loaded = list(self._loaded)
        for path, mtime in loaded:
            on_load(path, mtime)

    # -- stop -----------------------------------------------------------------------------------------------

    def publish_stopping(self, reason):
        for group in list(self.groups.values()):
            group.command(b'S', reason or '')

    def stop(self, reason):
        """Publish process_stopping where not done yet, run each interpreter's atexit handlers, end its
        threads."""
        for group in list(self.groups.values()):
            group.command(b'S', reason or '')
            group.command(b'T')


# -- inside a sub-interpreter -----------------------------------------------------------------------------


class _Reporter(object):
    """Files loaded in this interpreter that the main interpreter's change monitor has not been told of."""

    def __init__(self, modules):
        self.modules = modules
        self._lock = threading.Lock()
        self._pending = []
        self._seen = set()

    def add(self, path, mtime):
        with self._lock:
            self._pending.append((path, mtime))

    def drain(self):
        files = module_files() if self.modules else ()
        with self._lock:
            for path in files:
                if path not in self._seen:
                    self._seen.add(path)
                    self._pending.append((path, None))
            items, self._pending = self._pending, []
        return items


def _answer(sock, status, payload=b''):
    sock.sendall(_ANSWER.pack(status, len(payload)) + payload)


def _failure_context(group, own_gil):
    def context(summary, error):
        text = "jwsgi worker: application group '%s' (sub-interpreter, %s GIL): %s\n" % (
            group_label(group), 'own' if own_gil else 'shared', summary)
        match = _SINGLE_PHASE.search(str(error)) if isinstance(error, ImportError) else None
        if match:
            text += ("jwsgi worker: extension module %s cannot be imported in a sub-interpreter of "
                     "application group '%s'; run the application in the main interpreter with "
                     "WSGIApplicationGroup %%{GLOBAL}%s\n"
                     % (match.group(1), group_label(group),
                        ' (or set subinterpreter_gil shared)' if own_gil else ''))
        return text
    return context


def _serve_handoffs(adapter, index, sock, reporter):
    constants = adapter.thread_constants(index + 1)
    while True:
        try:
            message = _read_message(sock, _HANDOFF)
        except (OSError, EOFError):
            return
        if message is None:
            return
        kind, fd, payload = message
        status, text = DONE, b''
        channel = None
        try:
            environ, body, more, unread = marshal.loads(payload)
            channel = Channel(socket.socket(fileno=os.dup(fd)))
            if unread:
                channel._buf[:len(unread)] = unread
                channel._end = len(unread)
            adapter.serve_request(channel, constants, environ, body, more)
        except ChannelClosed as e:
            status, text = BROKEN, str(e).encode('utf-8', 'replace')
        except ProtocolError as e:
            status, text = PROTOCOL, str(e).encode('utf-8', 'replace')
        except BaseException:
            status, text = ERROR, traceback.format_exc().encode('utf-8', 'replace')
        finally:
            if channel is not None:
                channel.close()  # the dup only; the main interpreter keeps the channel
        if status == DONE:
            items = reporter.drain()
            if items:
                text = marshal.dumps(items)
        try:
            _answer(sock, status, text)
        except OSError:
            return


def serve_inside(settings_json):
    """The program of a group's sub-interpreter (run once by ``run_string``; returns at the end)."""
    settings = json.loads(settings_json)
    config = settings['config']
    group = settings['group']
    control = socket.socket(fileno=settings['control_fd'])
    requests = [socket.socket(fileno=fd) for fd in settings['request_fds']]
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(line_buffering=True, write_through=True)
        except (AttributeError, ValueError):
            pass
    sys.path[:] = settings['sys_path']
    sys.argv = ['mod_wsgi']
    mod_wsgi.configure(config)
    mod_wsgi._adopt_package(sys.path)
    sys.modules['mod_wsgi'] = mod_wsgi
    site = Site(config.get('process_group', ''), group)
    site.claim(group)
    site.failure_context = _failure_context(group, settings['own_gil'])
    reporter = _Reporter(settings['modules'])
    if settings['scripts']:
        site.watch(reporter.add)
    for entry in settings['preload']:
        try:
            site.preload(entry['script'], entry.get('callable_object') or 'application', group,
                         bool(entry.get('import_only', False)))
        except LoadFailed as e:
            log('jwsgi worker: %s %s failed to load (every request retries) pid=%d: %s\n%s'
                % ('import script' if entry.get('import_only') else 'preloaded script', entry['script'],
                   os.getpid(), e, e.details))
    adapter = Adapter(config, site)
    # Own-GIL interpreters allow no daemon threads: these are joined below.
    threads = [threading.Thread(target=_serve_handoffs, args=(adapter, index, sock, reporter),
                                name='jwsgi-channel-%d %s' % (index, group_label(group)))
               for index, sock in enumerate(requests)]
    for thread in threads:
        thread.start()
    _answer(control, DONE, marshal.dumps(reporter.drain()))
    try:
        while True:
            try:
                message = _read_message(control, _HANDOFF)
            except (OSError, EOFError):
                message = None
            if message is None:
                break
            kind, _, payload = message
            if kind == b'S':
                mod_wsgi.publish_stopping(payload.decode('utf-8') or None)
                _answer(control, DONE)
            elif kind == b'T':
                break
    finally:
        for sock in requests:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        for thread in threads:
            thread.join()
        for sock in requests:
            sock.close()
        try:
            import atexit
            atexit._run_exitfuncs()
        except Exception:
            log(traceback.format_exc())
        try:
            _answer(control, DONE)
        except OSError:
            pass
        control.close()
