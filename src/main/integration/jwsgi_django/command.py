"""The ``jwsgi start-server`` command line for a Django project (mod_wsgi-express's runmodwsgi, 6.x).

From the settings:

- ``WSGI_APPLICATION`` (``pkg.module.callable``) gives ``--application-type module --entry-point pkg.module
  --callable-object callable``;
- ``--working-directory`` is ``BASE_DIR``, else the directory above the settings package;
- ``--url-alias STATIC_URL STATIC_ROOT`` (after ``collectstatic``), unless
  ``whitenoise.middleware.WhiteNoiseMiddleware`` is in ``MIDDLEWARE`` (or ``MIDDLEWARE_CLASSES``), which serves
  them itself, or ``STATIC_URL`` is not a local absolute path (a CDN URL) or ``STATIC_ROOT`` is unset;
- ``--python`` is the interpreter running ``manage.py`` (so a virtualenv's packages are the workers' too).

Every option the user gives is passed on unchanged, after these, and jwsgi itself checks it (its errors
name the option), so every ``start-server`` option works, ``--reload-on-changes`` and ``--setup-only``
included. An option the user gives wins: the derived one is then left out (a SCRIPT, start-server's
positional application, counts when it comes first).
"""

import os
import sys

DERIVED_WHEN_ABSENT = {
    'application': ('--entry-point', '--application-type', '--callable-object'),
    'working_directory': ('--working-directory',),
    'python': ('--python', '--python-home'),
}

# Django's own options that every management command takes; manage.py has applied them already (--settings
# and --pythonpath before django.setup()), so they are not start-server's. The value says whether one
# follows.
DJANGO_OPTIONS = {'--settings': True, '--pythonpath': True, '--traceback': False, '--no-color': False,
                  '--force-color': False, '--skip-checks': False, '-v': True, '--verbosity': True}

WHITENOISE = 'whitenoise.middleware.WhiteNoiseMiddleware'


def split_django_options(arguments):
    """(start-server arguments, Django option values by name) from what follows ``runmodwsgi``."""
    rest, django = [], {}
    i = 0
    while i < len(arguments):
        word = arguments[i]
        if word == '--':
            rest.extend(arguments[i:])
            break
        name, equals, value = word.partition('=')
        if name in DJANGO_OPTIONS:
            if DJANGO_OPTIONS[name] and not equals:
                value = arguments[i + 1] if i + 1 < len(arguments) else ''
                i += 1
            django[name] = value
        else:
            rest.append(word)
        i += 1
    return rest, django


def given(arguments, *flags):
    for word in arguments:
        if word == '--':
            return False
        if word.partition('=')[0] in flags:
            return True
    return False


def has_script(arguments):
    """Whether the user named the application positionally, as the first argument (start-server's SCRIPT),
    which then wins like --entry-point. Only the first: telling a SCRIPT further on from an option's value
    needs start-server's catalogue, which is jwsgi's."""
    return any(not word.startswith('-') for word in arguments[:1])


def working_directory(settings):
    base = getattr(settings, 'BASE_DIR', None)
    if base:
        return os.path.abspath(str(base))
    module = sys.modules.get(os.environ.get('DJANGO_SETTINGS_MODULE', ''))
    path = getattr(module, '__file__', None)
    if not path:
        return os.getcwd()
    # mysite/settings.py -> the directory that holds the mysite package
    return os.path.dirname(os.path.dirname(os.path.abspath(path)))


def static_alias(settings):
    """``[URL, DIRECTORY]`` for --url-alias, or None (see the module docstring)."""
    middleware = list(getattr(settings, 'MIDDLEWARE', None) or []) + list(
        getattr(settings, 'MIDDLEWARE_CLASSES', None) or [])
    if WHITENOISE in middleware:
        return None
    url = getattr(settings, 'STATIC_URL', None)
    root = getattr(settings, 'STATIC_ROOT', None)
    if not url or not root:
        return None
    url = str(url)
    if not url.startswith('/') or url.startswith('//'):
        return None
    return [url.rstrip('/') or '/', os.path.abspath(str(root))]


def start_server(launcher, settings, arguments, executable=None, django_options=None):
    """The full argument list: ``launcher + ['start-server', ...]``; raises ValueError for a
    WSGI_APPLICATION that is not ``module.callable``."""
    command = list(launcher) + ['start-server']
    if not (given(arguments, *DERIVED_WHEN_ABSENT['application']) or has_script(arguments)):
        application = getattr(settings, 'WSGI_APPLICATION', None)
        module, dot, name = (application or '').rpartition('.')
        if not module or not name:
            raise ValueError('WSGI_APPLICATION must name a callable as "package.module.callable", not %r'
                             % (application,))
        command += ['--application-type', 'module', '--entry-point', module, '--callable-object', name]
    if not given(arguments, *DERIVED_WHEN_ABSENT['working_directory']):
        command += ['--working-directory', working_directory(settings)]
    if not given(arguments, *DERIVED_WHEN_ABSENT['python']):
        command += ['--python', executable or sys.executable]
    pythonpath = (django_options or {}).get('--pythonpath')
    if pythonpath:
        command += ['--python-path', os.path.abspath(pythonpath)]
    alias = static_alias(settings)
    if alias is not None:
        command += ['--url-alias'] + alias
    return command + list(arguments)
