"""mod_wsgi-express's debugging tools, in the worker (docs/debugging.md).

The worker config names what is on (all of it implies debug mode, one process with one thread, so the
tools never see two requests at once):

- ``enable_debugger``: an exception escaping the application (its call, the iteration of its response,
  or ``close()``) enters pdb post-mortem on the worker's stdin/stdout, the server's terminal in debug
  mode; when pdb is left the exception goes on and the request ends with 500. ``debugger_startup``: pdb
  stops once just before the application loads, so breakpoints can be set in code not imported yet.
- ``profiler_directory``: every request runs under its own ``cProfile.Profile`` (call, iteration,
  ``close()``), dumped when the response closes as ``<microseconds>-<pid>.pstats`` (express's name; it
  writes one file per process at exit, which a server that is never stopped never produces).
- ``coverage_directory``: coverage.py measures from before the application loads until the worker exits,
  then saves ``.coverage`` there (added to what earlier worker processes saved) and express's HTML report.
  The jwsgi runtime itself is left out of the measurement.
- ``recorder_directory``: express's request recorder: per request ``<microseconds>-<pid>-<count>`` with
  ``.iheaders`` (the environ, pretty-printed), ``.icontent`` (the body; the application then reads it from
  that file), ``.oheaders`` (``(status, headers)``, pretty-printed, with ``exc_info`` when given),
  ``.ocontent`` (the body, ``write()`` calls included), and ``.oaexcept``, ``.orexcept``, ``.ofexcept``
  (the traceback of an exception from the call, the iteration, ``close()``; empty otherwise).
- ``gdb_executable``: gdb attaches to this process before the application loads (not the other way
  round, as express runs httpd under gdb: that way the worker stays the supervisor's own child, with its
  pid, signals and channels unchanged). It shows every thread's C stack when the process crashes; on a
  terminal it then takes commands, otherwise it runs in batch mode. The usual signals (SIGTERM, SIGHUP,
  SIGUSR1, ...) pass through without stopping.

Order around the application, innermost first: profiler, debugger, recorder, so a session in pdb is not
profiled and the recorder sees what the client gets.
"""

import atexit
import os
import pprint
import sys
import threading
import time
import traceback

_RUNTIME_DIR = os.path.dirname(os.path.abspath(__file__))
# prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY): lets gdb, a child, trace us under Yama's ptrace_scope 1.
_PR_SET_PTRACER = 0x59616d61
_PR_SET_PTRACER_ANY = 2 ** 64 - 1
# Signals the server and the worker use in normal operation: gdb passes them on without stopping. SIGINT
# too, so that Ctrl-C on the terminal stops the server as usual (the worker with it) instead of leaving
# gdb at its prompt over a server that is gone; a crash (SIGSEGV, SIGABRT, ...) still stops in gdb.
_PASSED_SIGNALS = 'SIGINT SIGTERM SIGHUP SIGUSR1 SIGUSR2 SIGXCPU SIGPIPE SIGALRM'


class ToolFailed(Exception):
    """A debugging tool cannot start; the message says which option and what to do (exit code 2)."""


def start(config, log):
    """At process start, after the interpreter is configured and before the application loads: the
    ``MOD_WSGI_*`` variables express sets, gdb, coverage. Raises ToolFailed."""
    if not config.get('debug_mode'):
        return
    os.environ['MOD_WSGI_DEBUG_MODE'] = 'true'
    for key, variable in (('enable_debugger', 'MOD_WSGI_DEBUGGER_ENABLED'),
                          ('coverage_directory', 'MOD_WSGI_COVERAGE_ENABLED'),
                          ('profiler_directory', 'MOD_WSGI_PROFILER_ENABLED'),
                          ('recorder_directory', 'MOD_WSGI_RECORDER_ENABLED'),
                          ('gdb_executable', 'MOD_WSGI_GDB_ENABLED')):
        if config.get(key):
            os.environ[variable] = 'true'
    if config.get('gdb_executable'):
        attach_gdb(config['gdb_executable'], log)
    if config.get('coverage_directory'):
        start_coverage(config['coverage_directory'], log)


def break_at_startup(config):
    """``debugger_startup``: stop in pdb in the caller's frame (the line after is the application's load)."""
    if config.get('enable_debugger') and config.get('debugger_startup'):
        import pdb
        pdb.Pdb().set_trace(sys._getframe().f_back)


def wrapper(config):
    """The function that wraps a WSGI callable in the tools that are on, or None when none is."""
    profiler = config.get('profiler_directory')
    debugger = config.get('enable_debugger')
    recorder = config.get('recorder_directory')
    if not (profiler or debugger or recorder):
        return None
    counter = _Counter()

    def wrap(application):
        if profiler:
            application = Profiler(application, profiler)
        if debugger:
            application = PostMortemDebugger(application)
        if recorder:
            application = RequestRecorder(application, recorder, counter)
        return application
    return wrap


# -- pdb -------------------------------------------------------------------------------------------------

def post_mortem():
    """pdb on the traceback being handled; returns when the developer continues or quits."""
    import pdb
    debugger = pdb.Pdb()
    debugger.reset()
    debugger.interaction(None, sys.exc_info()[2])


class PostMortemDebugger(object):
    """The application, with pdb post-mortem on an exception from its call, iteration or close()."""

    def __init__(self, application):
        self.application = application

    def __call__(self, environ, start_response):
        try:
            result = self.application(environ, start_response)
        except Exception:
            post_mortem()
            raise
        return _Debugged(result)


class _Debugged(object):
    def __init__(self, result):
        self.result = result

    def __iter__(self):
        try:
            for chunk in self.result:
                yield chunk
        except Exception:
            post_mortem()
            raise

    def close(self):
        close = getattr(self.result, 'close', None)
        if close is not None:
            try:
                close()
            except Exception:
                post_mortem()
                raise


# -- cProfile --------------------------------------------------------------------------------------------

class Profiler(object):
    """The application under a cProfile.Profile of its own per request, dumped when the response closes."""

    def __init__(self, application, directory):
        self.application = application
        self.directory = directory

    def __call__(self, environ, start_response):
        import cProfile
        profile = cProfile.Profile()
        try:
            result = profile.runcall(self.application, environ, start_response)
        except BaseException:
            self.dump(profile)
            raise
        return _Profiled(result, profile, self)

    def dump(self, profile):
        name = '%d-%d.pstats' % (int(time.time() * 1000000), os.getpid())
        profile.dump_stats(os.path.join(self.directory, name))


class _Profiled(object):
    def __init__(self, result, profile, profiler):
        self.result = result
        self.profile = profile
        self.profiler = profiler

    def __iter__(self):
        runcall = self.profile.runcall
        iterator = runcall(iter, self.result)
        while True:
            try:
                chunk = runcall(next, iterator)
            except StopIteration:
                return
            yield chunk

    def close(self):
        try:
            close = getattr(self.result, 'close', None)
            if close is not None:
                self.profile.runcall(close)
        finally:
            self.profiler.dump(self.profile)


# -- request recorder ------------------------------------------------------------------------------------

class _Counter(object):
    def __init__(self):
        self._lock = threading.Lock()
        self._value = 0

    def next(self):
        with self._lock:
            self._value += 1
            return self._value


class _Recording(object):
    """The seven files of one recorded request."""

    SUFFIXES = ('iheaders', 'icontent', 'oheaders', 'ocontent', 'oaexcept', 'orexcept', 'ofexcept')

    def __init__(self, directory, key):
        self.files = {}
        try:
            for suffix in self.SUFFIXES:
                binary = suffix.endswith('content')
                path = os.path.join(directory, key + '.' + suffix)
                self.files[suffix] = open(path, 'w+b' if binary else 'w', encoding=None if binary else 'utf-8')
        except BaseException:
            self.close()
            raise

    def __getattr__(self, suffix):
        try:
            return self.files[suffix]
        except KeyError:
            raise AttributeError(suffix)

    def close(self):
        for f in self.files.values():
            f.close()


class RequestRecorder(object):
    """The application, with its request and response written to files (mod_wsgi-express's recorder)."""

    CHUNK = 65536

    def __init__(self, application, directory, counter):
        self.application = application
        self.directory = directory
        self.counter = counter

    def __call__(self, environ, start_response):
        key = '%d-%d-%d' % (int(time.time() * 1000000), os.getpid(), self.counter.next())
        recording = _Recording(self.directory, key)
        try:
            pprint.pprint(environ, stream=recording.iheaders)
            recording.iheaders.close()
            body = environ['wsgi.input']
            icontent = recording.icontent
            while True:
                data = body.read(self.CHUNK)
                if not data:
                    break
                icontent.write(data)
            icontent.flush()
            icontent.seek(0)
            environ['wsgi.input'] = icontent
        except BaseException:
            recording.close()
            raise

        def recording_start_response(status, headers, exc_info=None):
            entry = (status, headers) if exc_info is None else (status, headers, exc_info)
            pprint.pprint(entry, stream=recording.oheaders)
            recording.oheaders.flush()
            if exc_info is None:
                write = start_response(status, headers)
            else:
                write = start_response(status, headers, exc_info)

            def recording_write(data):
                recording.ocontent.write(data)
                return write(data)
            return recording_write

        try:
            result = self.application(environ, recording_start_response)
        except BaseException:
            traceback.print_exc(file=recording.oaexcept)
            recording.close()
            raise
        return _Recorded(result, recording)


class _Recorded(object):
    def __init__(self, result, recording):
        self.result = result
        self.recording = recording

    def __iter__(self):
        ocontent = self.recording.ocontent
        try:
            for chunk in self.result:
                ocontent.write(chunk)
                yield chunk
        except BaseException:
            traceback.print_exc(file=self.recording.orexcept)
            raise

    def close(self):
        try:
            close = getattr(self.result, 'close', None)
            if close is not None:
                close()
        except BaseException:
            traceback.print_exc(file=self.recording.ofexcept)
            raise
        finally:
            self.recording.close()


# -- coverage.py -----------------------------------------------------------------------------------------

def start_coverage(directory, log):
    """Measure from now until the process exits; at exit save ``.coverage`` and the HTML report."""
    try:
        import coverage
    except ImportError as e:
        raise ToolFailed(
            '--enable-coverage: the worker interpreter %s cannot import coverage (%s). Install coverage.py '
            'for that interpreter: Debian\'s python3-coverage package (apt-get install python3-coverage) '
            'for /usr/bin/python3, or "%s -m pip install coverage" for another one; or give --python '
            '/usr/bin/python3' % (sys.executable, e, sys.executable))
    measurement = coverage.Coverage(data_file=os.path.join(directory, '.coverage'),
                                    omit=[os.path.join(_RUNTIME_DIR, '*')])
    try:
        measurement.load()  # add to what earlier worker processes measured
    except Exception as e:
        log('jwsgi worker: earlier coverage data not loaded pid=%d: %s\n' % (os.getpid(), e))
    measurement.start()

    def save():
        measurement.stop()
        measurement.save()
        try:
            measurement.html_report(directory=directory)
        except Exception as e:
            log('jwsgi worker: coverage HTML report not written pid=%d: %s\n' % (os.getpid(), e))
        log('jwsgi worker: coverage data saved pid=%d directory=%s\n' % (os.getpid(), directory))
    atexit.register(save)
    return measurement


# -- gdb -------------------------------------------------------------------------------------------------

def tracer_pid():
    """The pid of the process tracing this one (/proc/self/status TracerPid), 0 when none."""
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith('TracerPid:'):
                return int(line.split()[1])
    return 0


def attach_gdb(gdb, log):
    """Start ``gdb -p <this pid>`` as a child and wait until it has attached; raises ToolFailed."""
    import ctypes
    import subprocess
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PTRACER, ctypes.c_ulong(_PR_SET_PTRACER_ANY),
                                                0, 0, 0)
    except (OSError, AttributeError):
        pass  # no Yama, or no prctl: nothing to allow
    interactive = sys.stdin is not None and sys.stdin.isatty()
    command = [gdb, '-q', '-iex', 'set debuginfod enabled off', '-iex', 'set pagination off',
               '-iex', 'set confirm off', '-p', str(os.getpid()),
               '-ex', 'handle %s nostop noprint pass' % _PASSED_SIGNALS]
    if interactive:
        # When the worker exits (the server stopping), gdb leaves with it instead of holding the terminal.
        command += ['-ex', 'python gdb.events.exited.connect('
                           'lambda event: gdb.post_event(lambda: gdb.execute("quit")))']
    else:
        command.insert(1, '-batch')
    command += ['-ex', 'continue', '-ex', 'thread apply all bt']
    try:
        process = subprocess.Popen(command)
    except OSError as e:
        raise ToolFailed('--enable-gdb: cannot run %s (--gdb-executable): %s' % (gdb, e))
    while tracer_pid() == 0:
        status = process.poll()
        if status is not None:
            raise ToolFailed('--enable-gdb: %s (--gdb-executable) exited with status %d before attaching to '
                             'the worker pid=%d; its messages are above' % (gdb, status, os.getpid()))
        time.sleep(0.02)
    log('jwsgi worker: gdb attached pid=%d gdb_pid=%d\n' % (os.getpid(), process.pid))
    return process
