"""Script reloading and ``--reload-on-changes``: ask to be recycled when code changes on disk.

mod_wsgi's daemon mode restarts a process when its WSGI script file's modification time changes ("touch
the script to restart"); mod_wsgi-express's ``--reload-on-changes`` runs a monitor thread that also
watches the file of every loaded module. Both end here in one ``ChangeMonitor`` thread polling once a
second and sending ``recycle script_reload`` on the control channel. The front end retires the process
gracefully and starts a new one, which loads the new code.

Decisions:

- A file is compared with the modification time seen the first time it was looked at (for the script:
  the time recorded when it was loaded, so a touch between loading and the first poll counts). A module
  imported later starts being watched from its import: one first seen by a pass whose file changed after
  the previous pass began counts as changed, since it was imported after that pass and the change may have
  come after the import (a view edited right after the request that imported it). When the edit came just
  before the import that is one recycle too many, which loads the same code again; missing the edit would
  leave old code running.
- One ``recycle`` per change: after asking, the new time becomes the reference, so a second edit asks
  again (the front end ignores repeats for a process it is already retiring).
- A file that disappears is not a change (editors that save by rename make it reappear with a new time,
  which is).
- Several scripts: a ``site`` worker (several WSGI scripts in one process) hands each script to
  ``add_script()`` when it loads it, with the time recorded at that load, so the process is recycled when
  any of them changes. A script added twice keeps its first reference time.
"""

import os
import sys
import threading
import time

POLL = 1.0


def module_files():
    """The source files of the modules loaded now."""
    files = []
    for module in list(sys.modules.values()):
        path = getattr(module, '__file__', None)
        if isinstance(path, str) and path:
            files.append(path)
    return files


def _mtime(path):
    try:
        return os.stat(path).st_mtime
    except (OSError, ValueError):
        return None


class ChangeMonitor(object):
    """Polls ``script`` (may be None), every script given to ``add_script()`` and, when ``all_modules``,
    every loaded module's file; calls ``on_change(path)`` once per change."""

    def __init__(self, script, all_modules, on_change, script_mtime=None, poll=POLL):
        self.script = script
        self.all_modules = all_modules
        self.on_change = on_change
        self.poll = poll
        self._seen = {}
        # When the previous all_modules pass began (None before the first): see the module docstring.
        self._previous_pass = None
        # Replaced, never mutated in place, so check() can read it without the lock.
        self.scripts = ()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.thread = None
        if script is not None:
            self.add_script(script, script_mtime)

    def add_script(self, path, mtime=None):
        """Watch one more script file from now on; ``mtime`` is the time seen when it was loaded (default:
        its time now). Safe to call from any thread, also while the monitor runs."""
        with self._lock:
            if path in self.scripts:
                return
            # The reference time is in place before check() can see the path.
            self._seen.setdefault(path, mtime if mtime is not None else _mtime(path))
            self.scripts = self.scripts + (path,)

    def start(self):
        self.check()
        self.thread = threading.Thread(target=self._run, name='jwsgi-reload-monitor', daemon=True)
        self.thread.start()

    def stop(self):
        self._stop.set()

    def _run(self):
        while not self._stop.wait(self.poll):
            self.check()

    def check(self):
        """One pass; returns the changed paths (each already reported through ``on_change``)."""
        began = time.time()
        paths = list(self.scripts)
        if self.all_modules:
            paths.extend(module_files())
        changed = []
        seen = self._seen
        since = self._previous_pass
        self._previous_pass = began
        for path in paths:
            mtime = _mtime(path)
            if mtime is None:
                continue
            previous = seen.get(path)
            if previous is None and since is not None and mtime > since:
                previous = since  # imported since the previous pass and changed after it began
            seen[path] = mtime
            if previous is not None and mtime != previous:
                changed.append(path)
        for path in changed:
            self.on_change(path)
        return changed
