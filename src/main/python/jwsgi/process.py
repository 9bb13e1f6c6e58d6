"""Process-level settings applied in the worker before the application loads.

In this order, as a mod_wsgi daemon process does them (catalogue §3.2): the process name, the resource
limits, then - only when started as root - supplementary groups, group, user, and last the umask.

- ``process_name``: ``prctl(PR_SET_NAME)`` through ctypes, so ``ps -o comm`` and ``/proc/<pid>/comm``
  show it (Linux truncates it to 15 bytes). On other systems it is ignored (mod_wsgi overwrites argv[0],
  which CPython cannot do safely); ``apply`` reports that in its result.
- ``memory_limit`` → ``RLIMIT_DATA``, ``virtual_memory_limit`` → ``RLIMIT_AS`` (soft = hard = the value,
  as mod_wsgi sets them; macOS does not enforce RLIMIT_DATA), ``cpu_time_limit`` → ``RLIMIT_CPU`` with
  soft = the value and hard = value + 1 + ``shutdown_timeout``: the kernel sends SIGXCPU at the soft limit
  (the worker then asks to be recycled) and kills at the hard one. 0 means off.
- ``user``/``group``/``supplementary_groups``: ``setgroups`` (the given groups, else ``initgroups`` for
  the user), ``setgid``, ``setuid``, then the result is verified with ``getuid``/``geteuid``/``getgid``/
  ``getegid``. Each value is a name, ``#<id>`` (mod_wsgi's spelling) or a number. A target uid of 0 is
  refused ("blocked from running as root", mod_wsgi), and so is continuing as root when a user was asked:
  the verification is what protects against mod_wsgi's CVE-2014-0240 (an ignored setuid failure).
- ``umask``: an octal string.

Every call is checked; the first failure raises ``SettingFailed`` naming the setting, and the worker exits
with code 3. All system calls go through a ``System`` object so tests can play the kernel.
"""

import ctypes
import grp
import math
import os
import pwd
import resource
import sys

PR_SET_NAME = 15
PROCESS_NAME_MAX = 15


class SettingFailed(Exception):
    """A process setting could not be applied; ``setting`` is its JSON/CLI name."""

    def __init__(self, setting, message):
        Exception.__init__(self, '%s: %s' % (setting, message))
        self.setting = setting


class System(object):
    """The real kernel: the calls ``apply`` makes, nothing else."""

    setrlimit = staticmethod(resource.setrlimit)
    getrlimit = staticmethod(resource.getrlimit)
    setgroups = staticmethod(os.setgroups)
    initgroups = staticmethod(os.initgroups)
    setgid = staticmethod(os.setgid)
    setuid = staticmethod(os.setuid)
    getuid = staticmethod(os.getuid)
    geteuid = staticmethod(os.geteuid)
    getgid = staticmethod(os.getgid)
    getegid = staticmethod(os.getegid)
    umask = staticmethod(os.umask)
    getpwnam = staticmethod(pwd.getpwnam)
    getpwuid = staticmethod(pwd.getpwuid)
    getgrnam = staticmethod(grp.getgrnam)
    platform = sys.platform

    def set_process_name(self, name):
        libc = ctypes.CDLL(None, use_errno=True)   # the process's own symbols: libc's prctl, without ctypes.util
        data = ctypes.create_string_buffer(name.encode('utf-8')[:PROCESS_NAME_MAX])
        if libc.prctl(PR_SET_NAME, data, 0, 0, 0) != 0:
            errno = ctypes.get_errno()
            raise OSError(errno, os.strerror(errno))


def apply(config, system=None):
    """Apply the settings of ``config`` (the worker's JSON); returns notes worth logging (may be empty)."""
    system = system or System()
    notes = []
    name = config.get('process_name')
    if name:
        if system.platform.startswith('linux'):
            _call('process_name', system.set_process_name, name)
        else:
            notes.append('process_name ignored on %s (Linux only)' % system.platform)
    apply_limits(config, system)
    apply_identity(config, system)
    umask = config.get('umask')
    if umask is not None:
        try:
            value = int(str(umask), 8)
        except ValueError:
            raise SettingFailed('umask', 'not an octal number: %r' % (umask,))
        if not 0 <= value <= 0o777:
            raise SettingFailed('umask', 'out of range: %r' % (umask,))
        system.umask(value)
    return notes


def apply_limits(config, system):
    for setting, limit in (('memory_limit', 'RLIMIT_DATA'), ('virtual_memory_limit', 'RLIMIT_AS')):
        value = _non_negative(config, setting)
        if value:
            _call(setting, system.setrlimit, getattr(resource, limit), (value, value))
    seconds = _non_negative(config, 'cpu_time_limit')
    if seconds:
        grace = int(-(-float(config.get('shutdown_timeout', 5) or 0) // 1))
        _call('cpu_time_limit', system.setrlimit, resource.RLIMIT_CPU, (seconds, seconds + 1 + grace))


def apply_identity(config, system):
    user = config.get('user')
    group = config.get('group')
    supplementary = config.get('supplementary_groups') or []
    if user is None and group is None and not supplementary:
        return
    account = _user(user, system) if user is not None else None
    if account is not None and account.pw_uid == 0:
        raise SettingFailed('user', 'WSGI process blocked from running as root (user %r)' % (user,))
    if group is not None:
        gid = _group(group, 'group', system)
    elif account is not None:
        gid = account.pw_gid
    else:
        gid = None
    uid = account.pw_uid if account is not None else None
    if system.geteuid() != 0:
        # Not root: nothing can be switched; fine only when it is already what was asked.
        if (uid is not None and uid != system.geteuid()) or (gid is not None and gid != system.getegid()):
            raise SettingFailed('user' if uid is not None else 'group',
                                'can only change identity when started as root (euid %d)'
                                % system.geteuid())
        return
    if supplementary:
        gids = [_group(g, 'supplementary_groups', system) for g in supplementary]
        _call('supplementary_groups', system.setgroups, gids)
    elif account is not None and account.pw_name is not None:
        _call('supplementary_groups', system.initgroups, account.pw_name, gid)
    else:
        _call('supplementary_groups', system.setgroups, [])
    if gid is not None:
        _call('group', system.setgid, gid)
    if uid is not None:
        _call('user', system.setuid, uid)
    _verify(uid, gid, system)


def _verify(uid, gid, system):
    if gid is not None and (system.getgid(), system.getegid()) != (gid, gid):
        raise SettingFailed('group', 'still running with gid %d/%d after setgid(%d)'
                            % (system.getgid(), system.getegid(), gid))
    if uid is not None and (system.getuid(), system.geteuid()) != (uid, uid):
        raise SettingFailed('user', 'still running with uid %d/%d after setuid(%d): refusing to run '
                            'the application' % (system.getuid(), system.geteuid(), uid))


def _user(value, system):
    spec = str(value)
    try:
        if spec.startswith('#') or spec.isdigit():
            uid = int(spec.lstrip('#'))
            try:
                return system.getpwuid(uid)
            except KeyError:
                # A uid without a passwd entry: no name for initgroups, primary group = uid.
                return pwd.struct_passwd((None, 'x', uid, uid, '', '/', ''))
        return system.getpwnam(spec)
    except (KeyError, ValueError):
        raise SettingFailed('user', 'no such user: %r' % (value,))


def _group(value, setting, system):
    spec = str(value)
    try:
        if spec.startswith('#') or spec.isdigit():
            return int(spec.lstrip('#'))
        return system.getgrnam(spec).gr_gid
    except (KeyError, ValueError):
        raise SettingFailed(setting, 'no such group: %r' % (value,))


def _non_negative(config, setting):
    value = config.get(setting) or 0
    if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
        raise SettingFailed(setting, 'must be a non-negative number, got %r' % (value,))
    return int(math.ceil(value))


def _call(setting, function, *args):
    try:
        return function(*args)
    except (OSError, ValueError) as e:
        raise SettingFailed(setting, '%s%r failed: %s' % (getattr(function, '__name__', 'call'), args, e))
