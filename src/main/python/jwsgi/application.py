"""Loading the WSGI application the way mod_wsgi does (feature catalogue §5.6).

- ``script``: the file is executed as a new module named ``_mod_wsgi_<md5 of its absolute path>`` with
  ``__file__`` (and ``__mtime__``, as mod_wsgi records it) set, registered in ``sys.modules``. It is
  compiled from source in memory, so no ``__pycache__`` is written next to the script.
- ``module``: ``importlib.import_module(entry_point)``.
- ``welcome``: jwsgi's built-in page (``jwsgi.welcome``), always its ``application``.

The callable is looked up by name on the module for every request (cheap, and an application may rebind
it, as under mod_wsgi). When loading fails, or the callable is missing, ``get()`` retries the load on the
next call, under a lock, so fixing the file heals a running worker.
"""

import hashlib
import importlib
import importlib.machinery
import importlib.util
import os
import sys
import threading
import traceback

from jwsgi import welcome


class LoadFailed(Exception):
    """The application could not be loaded; ``details`` is the traceback or explanation to log."""

    def __init__(self, summary, details):
        Exception.__init__(self, summary)
        self.details = details


def script_module_name(path):
    digest = hashlib.md5(path.encode('utf-8', 'surrogateescape'), usedforsecurity=False)
    return '_mod_wsgi_' + digest.hexdigest()


class Application(object):
    """The WSGI application of one worker process."""

    def __init__(self, application_type, entry_point=None, callable_object='application'):
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
        self._module = None
        self._lock = threading.Lock()

    def describe(self):
        if self.application_type == 'welcome':
            return 'the welcome page'
        return '%s %s' % (self.application_type, self.entry_point)

    def get(self):
        """The WSGI callable; raises LoadFailed (after retrying the load) when there is none."""
        module = self._module
        if module is not None:
            application = getattr(module, self.callable_object, None)
            if application is not None:
                return application
        with self._lock:
            return self._load_locked()

    def _load_locked(self):
        module = self._module
        if module is not None:
            # Another thread may have healed it while we waited for the lock.
            application = getattr(module, self.callable_object, None)
            if application is not None:
                return application
        try:
            module = self._import(module)
        except (Exception, SystemExit) as e:
            self._module = None
            raise LoadFailed('failed to load %s: %s: %s' % (self.describe(), type(e).__name__, e),
                             traceback.format_exc())
        self._module = module
        application = getattr(module, self.callable_object, None)
        if application is None:
            message = 'callable %r not found in %s' % (self.callable_object, self.describe())
            raise LoadFailed(message, message + '\n')
        return application

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
