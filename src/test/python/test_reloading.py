"""ChangeMonitor: one report per change of the script or, with all_modules, of any loaded module's file."""

import os
import sys
import tempfile
import types
import unittest

from jwsgi.reloading import ChangeMonitor


def touch(path, offset):
    mtime = os.stat(path).st_mtime + offset
    os.utime(path, (mtime, mtime))


class ChangeMonitorTest(unittest.TestCase):

    def setUp(self):
        self.directory = tempfile.TemporaryDirectory()
        self.script = os.path.join(self.directory.name, 'app.wsgi')
        self.module_file = os.path.join(self.directory.name, 'helper.py')
        for path in (self.script, self.module_file):
            open(path, 'w').close()
        self.module = types.ModuleType('jwsgi_test_reloading_helper')
        self.module.__file__ = self.module_file
        sys.modules[self.module.__name__] = self.module
        self.changes = []

    def tearDown(self):
        del sys.modules[self.module.__name__]
        self.directory.cleanup()

    def test_script_change_is_reported_once_then_again_for_the_next_change(self):
        monitor = ChangeMonitor(self.script, False, self.changes.append)
        self.assertEqual(monitor.check(), [])
        touch(self.script, 10)
        self.assertEqual(monitor.check(), [self.script])
        self.assertEqual(monitor.check(), [])
        touch(self.script, 10)
        monitor.check()
        self.assertEqual(self.changes, [self.script, self.script])

    def test_a_touch_between_loading_and_the_first_poll_counts(self):
        loaded = os.stat(self.script).st_mtime
        touch(self.script, 10)
        monitor = ChangeMonitor(self.script, False, self.changes.append, script_mtime=loaded)
        self.assertEqual(monitor.check(), [self.script])

    def test_a_module_imported_between_passes_and_edited_before_the_next_counts(self):
        # The module is not in sys.modules at the first pass; it is imported and edited before the second.
        del sys.modules[self.module.__name__]
        old = os.stat(self.module_file).st_mtime - 100
        os.utime(self.module_file, (old, old))
        monitor = ChangeMonitor(None, True, self.changes.append)
        self.assertEqual(monitor.check(), [])
        sys.modules[self.module.__name__] = self.module
        now = os.stat(self.module_file).st_mtime + 200
        os.utime(self.module_file, (now, now))
        self.assertEqual(monitor.check(), [self.module_file])
        # An old file first seen later is no change.
        other = os.path.join(self.directory.name, 'other.py')
        open(other, 'w').close()
        os.utime(other, (old, old))
        module = types.ModuleType('jwsgi_test_reloading_other')
        module.__file__ = other
        sys.modules[module.__name__] = module
        try:
            self.assertEqual(monitor.check(), [])
        finally:
            del sys.modules[module.__name__]

    def test_modules_are_watched_only_with_all_modules(self):
        quiet = ChangeMonitor(self.script, False, self.changes.append)
        watching = ChangeMonitor(None, True, self.changes.append)
        quiet.check()
        watching.check()
        touch(self.module_file, 10)
        self.assertEqual(quiet.check(), [])
        self.assertEqual(watching.check(), [self.module_file])

    def test_a_vanished_file_is_no_change_and_its_return_with_a_new_time_is(self):
        monitor = ChangeMonitor(self.script, False, self.changes.append)
        mtime = os.stat(self.script).st_mtime
        os.remove(self.script)
        self.assertEqual(monitor.check(), [])
        open(self.script, 'w').close()
        os.utime(self.script, (mtime + 10, mtime + 10))
        self.assertEqual(monitor.check(), [self.script])

    def test_scripts_added_later_are_watched_from_the_time_they_were_loaded(self):
        other = os.path.join(self.directory.name, 'other.wsgi')
        open(other, 'w').close()
        monitor = ChangeMonitor(None, False, self.changes.append)
        self.assertEqual(monitor.check(), [])
        loaded = os.stat(self.script).st_mtime
        touch(self.script, 10)
        monitor.add_script(self.script, loaded)
        monitor.add_script(other)
        monitor.add_script(self.script, loaded + 10)  # a second load keeps the first reference
        self.assertEqual(monitor.scripts, (self.script, other))
        self.assertEqual(monitor.check(), [self.script])
        touch(other, 10)
        self.assertEqual(monitor.check(), [other])
        self.assertEqual(self.changes, [self.script, other])

    def test_the_constructor_script_and_added_scripts_are_watched_together(self):
        other = os.path.join(self.directory.name, 'other.wsgi')
        open(other, 'w').close()
        monitor = ChangeMonitor(self.script, False, self.changes.append)
        monitor.add_script(other)
        touch(self.script, 10)
        touch(other, 20)
        self.assertEqual(sorted(monitor.check()), sorted([self.script, other]))


if __name__ == '__main__':
    unittest.main()
