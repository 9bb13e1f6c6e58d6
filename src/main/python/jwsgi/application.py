"""Loading the WSGI application the way mod_wsgi does (feature catalogue §5.6).

- ``script``: the file is executed as a new module named ``_mod_wsgi_<md5 of its absolute path>`` with
  ``__file__`` (and ``__mtime__``, as mod_wsgi records it) set, registered in ``sys.modules``. It is
  compiled from source in memory, so no ``__pycache__`` is written next to the script.
- ``module``: ``importlib.import_module(entry_point)``.
- ``welcome``: jwsgi's built-in page (``jwsgi.welcome``), always its ``application``.

The callable is looked up by name on the module for every request (cheap, and an application may rebind
it, as under mod_wsgi). When loading fails, or the callable is missing, ``get()`` retries the load on the
next call, under a lock, so fixing the file heals a running worker. That retry serves a site's scripts; a
worker of a single application does not rely on it: it exits when the load at start fails and a fresh
process tries again (``jwsgi.worker``, "Decision, application loading").

``site`` (``Site``): one process hosts several WSGI scripts, as one mod_wsgi daemon process group does
behind several ``WSGIScriptAlias`` mounts. Each request names its script (``SCRIPT_FILENAME``), its
application group (``mod_wsgi.application_group``) and its callable (``mod_wsgi.callable_object``). There
is one ``Application`` per (script, callable), made on first use under a lock and found afterwards with a
dict get; the Applications of one script share its module (``ScriptModule``), so the script is executed
once under its ``_mod_wsgi_<md5>`` name whichever callables are asked of it. Decisions:

- Without sub-interpreters (worker config ``subinterpreters`` false or absent), one application group
  per process: the first group the process sees (a preload or the first request) is its own, and a
  request for another answers 500 (`X` `A`) with a line saying why. Scripts in the same group share the
  interpreter, i.e. this process, as under mod_wsgi. ``''`` (``%{GLOBAL}``) is a group like any other
  here: a process that runs ``'host|/a'`` refuses it.
- With ``subinterpreters`` true (``jwsgi.subinterpreters``) the main interpreter's Site serves only
  ``''`` (``%{GLOBAL}``) and every other group has a Site of its own in its own sub-interpreter, each
  claiming its one group, so the refusal cannot happen.
- A group is claimed before the script loads, so a refused request never executes its script.
- Only successfully executed scripts are handed to the reload monitor (``Site.watch``); a script that
  failed to load is retried by the next request anyway.
"""

import hashlib
import importlib
import importlib.machinery
import importlib.util
import os
import sys
import threading
import traceback

from jwsgi import mod_wsgi, welcome


class LoadFailed(Exception):
    """The application could not be loaded; ``details`` is the traceback or explanation to log."""

    def __init__(self, summary, details):
        Exception.__init__(self, summary)
        self.details = details


def script_module_name(path):
    digest = hashlib.md5(path.encode('utf-8', 'surrogateescape'), usedforsecurity=False)
    return '_mod_wsgi_' + digest.hexdigest()


class ScriptModule(object):
    """The loaded module of one application (None until it loads), shared by the Applications of one
    script file that name different callables in it, and the lock its loads take."""

    __slots__ = ('module', 'lock', 'on_load', 'context')

    def __init__(self, on_load=None, context=None):
        self.module = None
        self.lock = threading.Lock()
        # Called as on_load(path, mtime) after each successful execution of a script.
        self.on_load = on_load
        # Called as context(summary, exception) when a load fails: text put before the traceback.
        self.context = context


class Application(object):
    """The WSGI application of one worker process (or, in a site, of one script and callable)."""

    def __init__(self, application_type, entry_point=None, callable_object='application', shared=None):
        if application_type not in ('script', 'module', 'welcome'):
            raise ValueError('application_type must be script, module or welcome, not %r'
                             % (application_type,))
        if application_type != 'welcome' and not entry_point:
            raise ValueError('application_type %s needs an entry_point' % application_type)
        self.application_type = application_type
        self.entry_point = entry_point
        if application_type == 'script':
            self.entry_point = os.path.abspath(entry_point)
        self.callable_object = 'application' if application_type == 'welcome' else (
            callable_object or 'application')
        self._shared = shared if shared is not None else ScriptModule()

    @property
    def _module(self):
        return self._shared.module

    def describe(self):
        if self.application_type == 'welcome':
            return 'the welcome page'
        return '%s %s' % (self.application_type, self.entry_point)

    def get(self):
        """The WSGI callable; raises LoadFailed (after retrying the load) when there is none."""
        module = self._shared.module
        if module is not None:
            application = getattr(module, self.callable_object, None)
            if application is not None:
                return application
        with self._shared.lock:
            return self._load_locked()

    def load(self):
        """Load the module if it is not loaded yet, without needing the callable (mod_wsgi's
        WSGIImportScript); returns it or raises LoadFailed."""
        shared = self._shared
        with shared.lock:
            if shared.module is None:
                self._import_locked(None)
            return shared.module

    def _load_locked(self):
        module = self._shared.module
        if module is not None:
            # Another thread may have healed it while we waited for the lock.
            application = getattr(module, self.callable_object, None)
            if application is not None:
                return application
        module = self._import_locked(module)
        application = getattr(module, self.callable_object, None)
        if application is None:
            message = 'callable %r not found in %s' % (self.callable_object, self.describe())
            raise LoadFailed(message, message + '\n')
        return application

    def _import_locked(self, previous):
        shared = self._shared
        try:
            module = self._import(previous)
        except (Exception, SystemExit) as e:
            shared.module = None
            summary = 'failed to load %s: %s: %s' % (self.describe(), type(e).__name__, e)
            details = traceback.format_exc()
            if shared.context is not None:
                # A sub-interpreter's load: say which application group, and what fixes an extension
                # module that cannot load there.
                details = shared.context(summary, e) + details
            raise LoadFailed(summary, details)
        shared.module = module
        if self.application_type == 'script' and shared.on_load is not None:
            shared.on_load(self.entry_point, module.__mtime__)
        return module

    def _import(self, previous):
        if self.application_type == 'script':
            return self._exec_script()
        if self.application_type == 'module':
            if previous is not None:
                # Imported fine but without the callable: re-execute it to pick up a fix.
                return importlib.reload(previous)
            return importlib.import_module(self.entry_point)
        return welcome

    def _exec_script(self):
        path = self.entry_point
        name = script_module_name(path)
        loader = importlib.machinery.SourceFileLoader(name, path)
        spec = importlib.util.spec_from_file_location(name, path, loader=loader)
        module = importlib.util.module_from_spec(spec)
        module.__mtime__ = os.stat(path).st_mtime
        with open(path, 'rb') as f:
            source = f.read()
        sys.modules[name] = module
        try:
            code = compile(source, path, 'exec', dont_inherit=True)
            exec(code, module.__dict__)
        except BaseException:
            if sys.modules.get(name) is module:
                del sys.modules[name]
            raise
        return module


def _group_name(group):
    return '%{GLOBAL}' if group == '' else group


class Site(object):
    """The WSGI scripts of one ``site`` process (see the module docstring).

    ``process_group`` names the process in messages; ``default_group`` and ``'application'`` stand in
    for a request that does not name its application group or callable.
    """

    application_type = 'site'

    def __init__(self, process_group='', default_group=''):
        self.process_group = process_group
        self.default_group = default_group
        # The application group this process runs: None until the first preload or request claims one.
        self.group = None
        # (SCRIPT_FILENAME as given, callable_object) -> Application; written under _lock only.
        self._applications = {}
        # absolute script path -> ScriptModule
        self._scripts = {}
        self._loaded = []
        self._on_load = None
        self._lock = threading.Lock()
        # A sub-interpreter's Site (jwsgi.subinterpreters) sets this: see ScriptModule.context.
        self.failure_context = None

    # -- the request path ----------------------------------------------------------------------------

    def resolve(self, environ):
        """The Application for a request; raises LoadFailed (answered `X` `A`) when there is none.

        Fills in ``mod_wsgi.application_group`` and ``mod_wsgi.callable_object`` when the front end did
        not send them."""
        group = environ.get('mod_wsgi.application_group')
        if group is None:
            group = environ['mod_wsgi.application_group'] = self.default_group
        if group != self.group:
            self.claim(group)
        callable_object = environ.get('mod_wsgi.callable_object')
        if not callable_object:
            callable_object = environ['mod_wsgi.callable_object'] = 'application'
        path = environ.get('SCRIPT_FILENAME')
        application = self._applications.get((path, callable_object))
        if application is None:
            if not path:
                message = ('jwsgi worker: site request without SCRIPT_FILENAME: the front end must name '
                           'the WSGI script file of the mount')
                raise LoadFailed('no SCRIPT_FILENAME for a site request', message + '\n')
            application = self.application(path, callable_object)
        return application

    def claim(self, group):
        """Make ``group`` this process's application group if it has none; raises LoadFailed when it
        runs another one."""
        if self.group is None:
            with self._lock:
                if self.group is None:
                    self.group = group
                    # What ``import mod_wsgi; mod_wsgi.application_group`` says in this interpreter.
                    mod_wsgi.application_group = group
        if group != self.group:
            message = ("jwsgi worker: application group '%s' requested but this process of group '%s' "
                       "already runs application group '%s'; one process runs one application group "
                       "until sub-interpreters are supported: give the application its own "
                       "WSGIDaemonProcess or use WSGIApplicationGroup %%{GLOBAL}"
                       % (_group_name(group), self.process_group, _group_name(self.group)))
            raise LoadFailed("application group '%s' is not this process's ('%s')"
                             % (_group_name(group), _group_name(self.group)), message + '\n')

    def application(self, path, callable_object='application'):
        """The Application of one script and callable, made on first use; raises LoadFailed for a
        relative path."""
        key = (path, callable_object)
        application = self._applications.get(key)
        if application is not None:
            return application
        if not isinstance(path, str) or not os.path.isabs(path):
            message = 'jwsgi worker: SCRIPT_FILENAME %r is not an absolute path' % (path,)
            raise LoadFailed('SCRIPT_FILENAME is not an absolute path', message + '\n')
        with self._lock:
            application = self._applications.get(key)
            if application is None:
                absolute = os.path.abspath(path)
                shared = self._scripts.get(absolute)
                if shared is None:
                    shared = self._scripts[absolute] = ScriptModule(self._script_loaded,
                                                                    self.failure_context)
                # Two spellings of one file (a/../b) share the module but get their own key.
                application = Application('script', absolute, callable_object, shared)
                self._applications[key] = application
        return application

    # -- process start ----------------------------------------------------------------------------------

    def preload(self, script, callable_object='application', application_group=None, import_only=False):
        """A ``preload`` entry: claim its group and load the script; with ``import_only`` (mod_wsgi's
        WSGIImportScript) only execute it, else also check the callable. Raises LoadFailed."""
        self.claim(self.default_group if application_group is None else application_group)
        application = self.application(script, callable_object or 'application')
        if import_only:
            application.load()
        else:
            application.get()

    # -- the reload monitor -------------------------------------------------------------------------------

    def watch(self, on_load):
        """Call ``on_load(path, mtime)`` for every script executed so far and from now on each new one."""
        with self._lock:
            self._on_load = on_load
            loaded = list(self._loaded)
        for path, mtime in loaded:
            on_load(path, mtime)

    def _script_loaded(self, path, mtime):
        with self._lock:
            if any(p == path for p, _ in self._loaded):
                return
            self._loaded.append((path, mtime))
            on_load = self._on_load
        if on_load is not None:
            on_load(path, mtime)
