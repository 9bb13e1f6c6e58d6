"""The hook dispatcher: the WSGI application of jwsgi's hook process group (docs/auth-hooks.md).

mod_wsgi runs WSGIAccessScript, WSGIAuthUserScript and WSGIAuthGroupScript in the Apache child. jwsgi has
no interpreter in its front end, so the front end sends each hook call to a supervised process group of
its own as an ordinary request whose environ names the call:

- ``mod_wsgi.x-hook``: ``allow_access``, ``check_password``, ``get_realm_hash`` or ``groups_for_user``
- ``mod_wsgi.x-hook-script``: the script's absolute path
- ``mod_wsgi.x-hook-application-group``: the application-group= option ('' is %{GLOBAL})
- ``mod_wsgi.x-hook-arg-1`` .. ``-3``: the arguments after environ (host; user, password; user, realm)
- ``mod_wsgi.x-ssl:NAME``: the connection's SSL_* variables, for ``mod_ssl.var_lookup``

Everything else in the request's environ is the cut-down environ the hook sees (the CGI variables,
``wsgi.*``, never SetEnv values), with ``wsgi.errors``, ``mod_ssl.is_https`` and ``mod_ssl.var_lookup``
added, as mod_wsgi's ``wsgi_auth.c`` builds it.

The answer is a 200 whose body is one typed result: ``T`` (True), ``F`` (False), ``N`` (None), ``S`` and
a str (a replacement user name or a realm hash), ``L`` and the group names one per line, or ``E`` and a
summary when the hook raised or returned a value of the wrong type: its traceback is then written to
``wsgi.errors``, i.e. the error log, and the front end answers 500.

Scripts are loaded as mod_wsgi loads them (``_mod_wsgi_<md5 of the path>``, executed from source) and
loaded again when their modification time changes. One process serves every application group: each
group gets its own module object of a script, but they share this interpreter (docs/auth-hooks.md).
"""

import os
import sys
import threading
import traceback

from jwsgi.application import script_module_name

HOOKS = ('allow_access', 'check_password', 'get_realm_hash', 'groups_for_user')

_lock = threading.Lock()
# (application group, path) -> (mtime, module)
_modules = {}


class HookError(Exception):
    """A hook answered something mod_wsgi would refuse; the message says what."""


def _load(path, group):
    """The script's module for this application group, executed again if the file changed."""
    mtime = os.stat(path).st_mtime
    key = (group, path)
    entry = _modules.get(key)
    if entry is not None and entry[0] == mtime:
        return entry[1]
    with _lock:
        entry = _modules.get(key)
        if entry is not None and entry[0] == mtime:
            return entry[1]
        name = script_module_name(path)
        if group:
            name += '_' + script_module_name(group)[len('_mod_wsgi_'):]
        module = type(sys)(name)
        module.__file__ = path
        module.__mtime__ = mtime
        with open(path, 'rb') as f:
            source = f.read()
        code = compile(source, path, 'exec', dont_inherit=True)
        sys.modules[name] = module
        try:
            exec(code, module.__dict__)
        except BaseException:
            sys.modules.pop(name, None)
            raise
        _modules[key] = (mtime, module)
        return module


def _cut_down(environ):
    """The hook's environ, and the SSL variables taken out of it."""
    ssl = {}
    out = {}
    for key, value in environ.items():
        if key.startswith('mod_wsgi.x-'):
            if key.startswith('mod_wsgi.x-ssl:'):
                ssl[key[len('mod_wsgi.x-ssl:'):]] = value
            continue
        if key in ('wsgi.input', 'wsgi.file_wrapper', 'wsgi.input_terminated'):
            continue
        out[key] = value
    https = environ.get('wsgi.url_scheme') == 'https'
    out['mod_ssl.is_https'] = lambda: https
    out['mod_ssl.var_lookup'] = lambda name: ssl.get(name)
    return out


def _encode(hook, result):
    if hook == 'allow_access':
        if result is True:
            return 'T'
        if result is False:
            return 'F'
        if result is None:
            return 'N'
        raise HookError('Access checker must return True, False or None, not %s' % type(result).__name__)
    if hook == 'check_password':
        if result is True:
            return 'T'
        if result is False:
            return 'F'
        if result is None:
            return 'N'
        if isinstance(result, str):
            return 'S' + result
        if isinstance(result, bytes):
            return 'S' + result.decode('latin-1')
        raise HookError('Basic auth provider must return True, False, None or a user name, not %s'
                        % type(result).__name__)
    if hook == 'get_realm_hash':
        if result is None:
            return 'N'
        if isinstance(result, bytes):
            result = result.decode('latin-1')
        if isinstance(result, str):
            return 'S' + result
        raise HookError('Digest auth provider must return None or a string, not %s' % type(result).__name__)
    # groups_for_user
    if isinstance(result, (str, bytes)) or not hasattr(result, '__iter__'):
        raise HookError('Groups for user must be an iterable sequence of strings, not %s'
                        % type(result).__name__)
    names = []
    for name in result:
        if isinstance(name, bytes):
            name = name.decode('latin-1')
        if not isinstance(name, str):
            raise HookError('Groups for user must be strings, not %s' % type(name).__name__)
        names.append(name)
    return 'L' + '\n'.join(names)


def call(environ):
    """Runs the hook the environ names; returns the encoded answer (never raises)."""
    hook = environ.get('mod_wsgi.x-hook')
    path = environ.get('mod_wsgi.x-hook-script', '')
    group = environ.get('mod_wsgi.x-hook-application-group', '')
    errors = environ.get('wsgi.errors', sys.stderr)
    args = []
    for i in (1, 2, 3):
        key = 'mod_wsgi.x-hook-arg-%d' % i
        if key in environ:
            args.append(environ[key])
    try:
        if hook not in HOOKS:
            raise HookError('unknown hook %r' % (hook,))
        module = _load(path, group)
        function = getattr(module, hook, None)
        if function is None:
            raise HookError("script '%s' has no %s()" % (path, hook))
        return _encode(hook, function(_cut_down(environ), *args))
    except Exception as e:
        summary = '%s: %s' % (type(e).__name__, e)
        errors.write("mod_wsgi: exception in %s() of '%s' for %s %s\n" % (
            hook, path, environ.get('REQUEST_METHOD', '-'), environ.get('REQUEST_URI', '-')))
        errors.write(''.join(traceback.format_exception(type(e), e, e.__traceback__)))
        errors.flush()
        return 'E' + summary


def application(environ, start_response):
    answer = call(environ).encode('utf-8', 'surrogateescape')
    start_response('200 OK', [('Content-Type', 'text/plain; charset=utf-8'),
                              ('Content-Length', str(len(answer)))])
    return [answer]
