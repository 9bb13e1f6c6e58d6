"""Process settings (name, rlimits, identity, umask) against a fake kernel; the real one is in test_lifecycle."""

import grp
import pwd
import resource
import unittest

from jwsgi import process
from jwsgi.process import SettingFailed

NOBODY = pwd.struct_passwd(('nobody', 'x', 65534, 65534, 'nobody', '/nonexistent', '/usr/sbin/nologin'))
ROOT = pwd.struct_passwd(('root', 'x', 0, 0, 'root', '/root', '/bin/sh'))


class FakeSystem(object):
    """Records every call; behaves like a kernel that honours them unless told otherwise."""

    platform = 'linux'

    def __init__(self, euid=0, ignore_setuid=False, fail=None):
        self.calls = []
        self.uid = self.euid = euid
        self.gid = self.egid = euid
        self.ignore_setuid = ignore_setuid
        self.fail = fail or set()

    def _call(self, name, *args):
        self.calls.append((name,) + args)
        if name in self.fail:
            raise OSError(1, 'Operation not permitted')

    def set_process_name(self, name):
        self._call('set_process_name', name)

    def setrlimit(self, which, limits):
        self._call('setrlimit', which, limits)

    def setgroups(self, gids):
        self._call('setgroups', gids)

    def initgroups(self, name, gid):
        self._call('initgroups', name, gid)

    def setgid(self, gid):
        self._call('setgid', gid)
        self.gid = self.egid = gid

    def setuid(self, uid):
        self._call('setuid', uid)
        if not self.ignore_setuid:
            self.uid = self.euid = uid

    def umask(self, mask):
        self._call('umask', mask)
        return 0o022

    def getuid(self):
        return self.uid

    def geteuid(self):
        return self.euid

    def getgid(self):
        return self.gid

    def getegid(self):
        return self.egid

    def getpwnam(self, name):
        return {'nobody': NOBODY, 'root': ROOT}[name]

    def getpwuid(self, uid):
        return {65534: NOBODY, 0: ROOT}[uid]

    def getgrnam(self, name):
        gids = {'nogroup': 65534, 'daemon': 1, 'adm': 4}
        return grp.struct_group((name, 'x', gids[name], []))


class ProcessSettingsTest(unittest.TestCase):

    def test_nothing_configured_makes_no_call(self):
        system = FakeSystem()
        self.assertEqual(process.apply({}, system), [])
        self.assertEqual(system.calls, [])

    def test_everything_in_mod_wsgi_order(self):
        system = FakeSystem()
        process.apply({'process_name': 'jwsgi-main', 'memory_limit': 1 << 30,
                       'virtual_memory_limit': 2 << 30, 'cpu_time_limit': 60, 'shutdown_timeout': 5,
                       'user': 'nobody', 'group': 'nogroup', 'supplementary_groups': ['daemon', '#4'],
                       'umask': '0027'}, system)
        self.assertEqual(system.calls, [
            ('set_process_name', 'jwsgi-main'),
            ('setrlimit', resource.RLIMIT_DATA, (1 << 30, 1 << 30)),
            ('setrlimit', resource.RLIMIT_AS, (2 << 30, 2 << 30)),
            ('setrlimit', resource.RLIMIT_CPU, (60, 66)),
            ('setgroups', [1, 4]),
            ('setgid', 65534),
            ('setuid', 65534),
            ('umask', 0o027)])

    def test_user_alone_takes_its_primary_group_and_initgroups(self):
        system = FakeSystem()
        process.apply({'user': 'nobody', 'group': None, 'supplementary_groups': []}, system)
        self.assertEqual(system.calls, [('initgroups', 'nobody', 65534), ('setgid', 65534),
                                        ('setuid', 65534)])

    def test_numeric_user_without_passwd_entry(self):
        system = FakeSystem()
        system.getpwuid = lambda uid: {}[uid]
        process.apply({'user': '#4321'}, system)
        self.assertEqual(system.calls, [('setgroups', []), ('setgid', 4321), ('setuid', 4321)])

    def test_an_ignored_setuid_is_caught_by_the_verification(self):
        # mod_wsgi CVE-2014-0240: setuid failing silently must not leave the application running as root.
        system = FakeSystem(ignore_setuid=True)
        with self.assertRaises(SettingFailed) as caught:
            process.apply({'user': 'nobody'}, system)
        self.assertEqual(caught.exception.setting, 'user')
        self.assertIn('still running with uid 0/0', str(caught.exception))

    def test_a_failing_call_names_its_setting(self):
        for failing, config, setting in (
                ('setuid', {'user': 'nobody'}, 'user'),
                ('setgid', {'user': 'nobody'}, 'group'),
                ('initgroups', {'user': 'nobody'}, 'supplementary_groups'),
                ('setrlimit', {'memory_limit': 10}, 'memory_limit'),
                ('setrlimit', {'cpu_time_limit': 10}, 'cpu_time_limit'),
                ('set_process_name', {'process_name': 'x'}, 'process_name')):
            system = FakeSystem(fail={failing})
            with self.assertRaises(SettingFailed) as caught:
                process.apply(config, system)
            self.assertEqual(caught.exception.setting, setting, failing)
            self.assertIn('Operation not permitted', str(caught.exception))

    def test_uid_0_is_refused_before_any_call(self):
        for user in ('root', '#0', '0'):
            system = FakeSystem()
            with self.assertRaises(SettingFailed) as caught:
                process.apply({'user': user}, system)
            self.assertIn('blocked from running as root', str(caught.exception))
            self.assertEqual(system.calls, [])

    def test_unknown_user_or_group(self):
        with self.assertRaises(SettingFailed) as caught:
            process.apply({'user': 'nosuchuser'}, FakeSystem())
        self.assertEqual(caught.exception.setting, 'user')
        with self.assertRaises(SettingFailed) as caught:
            process.apply({'user': 'nobody', 'supplementary_groups': ['nosuchgroup']}, FakeSystem())
        self.assertEqual(caught.exception.setting, 'supplementary_groups')

    def test_not_root_may_only_ask_for_itself(self):
        system = FakeSystem(euid=65534)
        process.apply({'user': 'nobody'}, system)
        self.assertEqual(system.calls, [])
        with self.assertRaises(SettingFailed) as caught:
            process.apply({'user': 'nobody'}, FakeSystem(euid=1000))
        self.assertIn('only change identity when started as root', str(caught.exception))

    def test_bad_umask_and_limits_are_refused(self):
        for config, setting in (({'umask': '0999'}, 'umask'), ({'umask': '01000'}, 'umask'),
                                ({'memory_limit': -1}, 'memory_limit'),
                                ({'cpu_time_limit': 'ten'}, 'cpu_time_limit')):
            with self.assertRaises(SettingFailed) as caught:
                process.apply(config, FakeSystem())
            self.assertEqual(caught.exception.setting, setting)

    def test_process_name_is_linux_only_and_says_so(self):
        system = FakeSystem()
        system.platform = 'darwin'
        self.assertEqual(process.apply({'process_name': 'x'}, system),
                         ['process_name ignored on darwin (Linux only)'])
        self.assertEqual(system.calls, [])


if __name__ == '__main__':
    unittest.main()
