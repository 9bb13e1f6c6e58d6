"""Where jwsgi is, for ``runmodwsgi``: an installed package cannot know by itself.

In order: the ``JWSGI_LAUNCHER`` environment variable (the path of the ``jwsgi`` launcher script; the launcher
itself exports it, so it is set when jwsgi runs Django), then what ``jwsgi install-package`` recorded in
``jwsgi_django/installed.py`` when it wrote this package (the launcher it was run from, or ``java -jar`` and
the jar), then ``jwsgi`` on ``PATH``.
"""

import os
import shutil


class LauncherNotFound(Exception):
    pass


def command(environ=None):
    """The argument list that runs jwsgi (before its subcommand); raises LauncherNotFound."""
    environ = os.environ if environ is None else environ
    explicit = environ.get('JWSGI_LAUNCHER')
    if explicit:
        if not os.access(explicit, os.X_OK):
            raise LauncherNotFound('JWSGI_LAUNCHER=%s is not an executable file' % explicit)
        return [explicit]
    try:
        from jwsgi_django import installed
    except ImportError:
        installed = None
    recorded = list(getattr(installed, 'COMMAND', None) or [])
    if recorded:
        if not os.access(recorded[0], os.X_OK):
            raise LauncherNotFound(
                '%s, recorded by jwsgi install-package in %s, is not there any more; run '
                'install-package again from where jwsgi is now, or set JWSGI_LAUNCHER'
                % (recorded[0], installed.__file__))
        return recorded
    found = shutil.which('jwsgi', path=environ.get('PATH'))
    if found:
        return [found]
    raise LauncherNotFound('jwsgi not found: run "jwsgi install-package --python <this python>" from the '
                           'jwsgi checkout, set JWSGI_LAUNCHER to the jwsgi launcher, or put it on PATH')
