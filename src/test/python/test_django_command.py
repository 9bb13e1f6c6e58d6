"""jwsgi_django.command and .launcher (src/main/integration): the start-server command line runmodwsgi builds
from a project's settings, and where it finds jwsgi. Plain objects stand in for django.conf.settings, so
these run without Django (DjangoIT runs the real command on Debian's python3-django)."""

import os
import stat
import sys
import tempfile
import types
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'main', 'integration'))

from jwsgi_django import command, launcher  # noqa: E402


def settings(**values):
    base = dict(WSGI_APPLICATION='mysite.wsgi.application', BASE_DIR='/srv/mysite', STATIC_URL='/static/',
                STATIC_ROOT='/srv/mysite/static', MIDDLEWARE=['django.middleware.common.CommonMiddleware'])
    base.update(values)
    return types.SimpleNamespace(**base)


class StartServerCommandTest(unittest.TestCase):

    def build(self, arguments=(), **values):
        return command.start_server(['/opt/jwsgi/jwsgi'], settings(**values), list(arguments), '/venv/bin/python')

    def test_the_settings_become_start_server_options_and_the_users_come_last(self):
        self.assertEqual(self.build(['--port', '8001', '--reload-on-changes']), [
            '/opt/jwsgi/jwsgi', 'start-server',
            '--application-type', 'module', '--entry-point', 'mysite.wsgi', '--callable-object', 'application',
            '--working-directory', '/srv/mysite', '--python', '/venv/bin/python',
            '--url-alias', '/static', '/srv/mysite/static',
            '--port', '8001', '--reload-on-changes'])

    def test_an_option_the_user_gives_wins_over_the_derived_one(self):
        built = self.build(['other.py', '--working-directory=/elsewhere', '--python-home', '/v'])
        self.assertNotIn('/srv/mysite', built)
        self.assertNotIn('--python', built)
        self.assertNotIn('--entry-point', built)
        self.assertEqual(built[-4:], ['other.py', '--working-directory=/elsewhere', '--python-home', '/v'])

    def test_no_static_alias_with_whitenoise_a_remote_static_url_or_no_static_root(self):
        for values in (dict(MIDDLEWARE=['whitenoise.middleware.WhiteNoiseMiddleware']),
                       dict(MIDDLEWARE=None, MIDDLEWARE_CLASSES=['whitenoise.middleware.WhiteNoiseMiddleware']),
                       dict(STATIC_URL='https://cdn.example.com/static/'), dict(STATIC_URL='//cdn/static/'),
                       dict(STATIC_ROOT=None)):
            self.assertNotIn('--url-alias', self.build(**values), values)

    def test_pathlib_values_are_strings_and_a_root_static_url_stays_slash(self):
        import pathlib
        built = self.build(BASE_DIR=pathlib.Path('/srv/p'), STATIC_URL='/', STATIC_ROOT=pathlib.Path('/srv/p/s'))
        self.assertIn('/srv/p', built)
        self.assertEqual(built[built.index('--url-alias') + 1:built.index('--url-alias') + 3], ['/', '/srv/p/s'])

    def test_without_base_dir_the_working_directory_is_above_the_settings_package(self):
        module = types.ModuleType('proj.settings')
        module.__file__ = '/srv/proj/proj/settings.py'
        sys.modules['proj.settings'] = module
        old = os.environ.get('DJANGO_SETTINGS_MODULE')
        os.environ['DJANGO_SETTINGS_MODULE'] = 'proj.settings'
        try:
            built = self.build(BASE_DIR=None)
        finally:
            del sys.modules['proj.settings']
            if old is None:
                del os.environ['DJANGO_SETTINGS_MODULE']
            else:
                os.environ['DJANGO_SETTINGS_MODULE'] = old
        self.assertEqual(built[built.index('--working-directory') + 1], '/srv/proj')

    def test_a_wsgi_application_without_a_callable_is_refused_naming_it(self):
        with self.assertRaises(ValueError) as raised:
            self.build(WSGI_APPLICATION='application')
        self.assertIn("WSGI_APPLICATION", str(raised.exception))
        self.assertIn("'application'", str(raised.exception))

    def test_djangos_own_options_are_taken_out_and_pythonpath_becomes_python_path(self):
        rest, django = command.split_django_options(
            ['--settings=mysite.prod', '--port', '8001', '-v', '2', '--traceback', '--pythonpath', 'lib',
             '--', '--settings'])
        self.assertEqual(rest, ['--port', '8001', '--', '--settings'])
        self.assertEqual(django, {'--settings': 'mysite.prod', '-v': '2', '--traceback': '', '--pythonpath': 'lib'})
        built = command.start_server(['j'], settings(), rest, '/p', django)
        self.assertEqual(built[built.index('--python-path') + 1], os.path.abspath('lib'))


class LauncherTest(unittest.TestCase):

    def setUp(self):
        self.directory = tempfile.mkdtemp()
        self.jwsgi = os.path.join(self.directory, 'jwsgi')
        with open(self.jwsgi, 'w') as f:
            f.write('#!/bin/sh\n')
        os.chmod(self.jwsgi, stat.S_IRWXU)

    def tearDown(self):
        sys.modules.pop('jwsgi_django.installed', None)
        import shutil
        shutil.rmtree(self.directory)

    def test_jwsgi_launcher_wins_then_what_install_package_recorded_then_path(self):
        self.assertEqual(launcher.command({'JWSGI_LAUNCHER': self.jwsgi}), [self.jwsgi])
        recorded = types.ModuleType('jwsgi_django.installed')
        recorded.COMMAND = [self.jwsgi, 'x']
        recorded.__file__ = '/site/jwsgi_django/installed.py'
        sys.modules['jwsgi_django.installed'] = recorded
        self.assertEqual(launcher.command({}), [self.jwsgi, 'x'])
        os.remove(self.jwsgi)
        with self.assertRaises(launcher.LauncherNotFound) as raised:
            launcher.command({})
        self.assertIn('recorded by jwsgi install-package in /site/jwsgi_django/installed.py', str(raised.exception))

    def test_without_a_record_jwsgi_on_path_and_else_a_message_saying_what_to_do(self):
        sys.modules['jwsgi_django.installed'] = None  # makes the import fail: nothing recorded
        self.assertEqual(launcher.command({'PATH': self.directory}), [self.jwsgi])
        with self.assertRaises(launcher.LauncherNotFound) as raised:
            launcher.command({'PATH': '/nonexistent'})
        self.assertIn('install-package', str(raised.exception))

    def test_a_jwsgi_launcher_that_is_not_executable_is_named(self):
        with self.assertRaises(launcher.LauncherNotFound) as raised:
            launcher.command({'JWSGI_LAUNCHER': '/no/such/jwsgi'})
        self.assertIn('JWSGI_LAUNCHER=/no/such/jwsgi', str(raised.exception))


if __name__ == '__main__':
    unittest.main()
