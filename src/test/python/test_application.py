"""Loading applications mod_wsgi's way, and healing after a failed load."""

import hashlib
import os
import shutil
import sys
import tempfile
import textwrap
import unittest

from front_end import Exchange, base_environ
from test_adapter import captured_stderr

from jwsgi import mod_wsgi, welcome
from jwsgi.adapter import Adapter
from jwsgi.application import Application, LoadFailed, Site, script_module_name

GOOD = '''
def application(environ, start_response):
    start_response('200 OK', [('Content-Type', 'text/plain')])
    return [(__name__ + ' ' + __file__).encode()]
'''


class ApplicationTest(unittest.TestCase):

    def setUp(self):
        self.directory = tempfile.mkdtemp()

    def tearDown(self):
        shutil.rmtree(self.directory)

    def write(self, name, text):
        path = os.path.join(self.directory, name)
        with open(path, 'w') as f:
            f.write(textwrap.dedent(text))
        return path

    def call(self, app):
        seen = {}

        def start_response(status, headers):
            seen['status'] = status
        body = b''.join(app({}, start_response))
        return seen['status'], body.decode()

    def test_script_runs_as_mod_wsgi_md5_module_with_file_and_no_pycache(self):
        path = self.write('site.wsgi', GOOD)
        name = '_mod_wsgi_' + hashlib.md5(path.encode()).hexdigest()
        app = Application('script', path).get()
        self.assertEqual(self.call(app), ('200 OK', name + ' ' + path))
        self.assertIn(name, sys.modules)
        self.assertEqual(sys.modules[name].__file__, path)
        self.assertIsInstance(sys.modules[name].__mtime__, float)
        self.assertFalse(os.path.exists(os.path.join(self.directory, '__pycache__')))
        del sys.modules[name]

    def test_relative_script_path_is_made_absolute(self):
        self.write('app.py', GOOD)
        saved = os.getcwd()
        os.chdir(self.directory)
        try:
            loader = Application('script', 'app.py')
        finally:
            os.chdir(saved)
        self.assertEqual(loader.entry_point, os.path.join(self.directory, 'app.py'))

    def test_callable_object_names_the_callable(self):
        path = self.write('app.py', '''
            def handler(environ, start_response):
                start_response('201 Created', [])
                return [b'made']
        ''')
        self.assertEqual(self.call(Application('script', path, 'handler').get()), ('201 Created', 'made'))

    def test_syntax_error_fails_and_a_fixed_file_heals(self):
        path = self.write('app.py', 'def application(:\n')
        loader = Application('script', path)
        with self.assertRaises(LoadFailed) as caught:
            loader.get()
        self.assertIn('SyntaxError', caught.exception.details)
        self.write('app.py', GOOD)
        self.assertEqual(self.call(loader.get())[0], '200 OK')

    def test_missing_callable_fails_and_a_fixed_file_heals(self):
        path = self.write('app.py', 'other = 1\n')
        loader = Application('script', path)
        with self.assertRaises(LoadFailed) as caught:
            loader.get()
        self.assertIn("callable 'application' not found", str(caught.exception))
        self.write('app.py', GOOD)
        self.assertEqual(self.call(loader.get())[0], '200 OK')

    def test_module_type_imports_and_heals_a_missing_callable_by_reloading(self):
        self.write('jwsgi_test_module_app.py', 'x = 1\n')
        sys.path.insert(0, self.directory)
        try:
            loader = Application('module', 'jwsgi_test_module_app')
            self.assertRaises(LoadFailed, loader.get)
            self.write('jwsgi_test_module_app.py', GOOD + '\n# longer, so the mtime/size check sees it\n')
            app = loader.get()
            self.assertTrue(self.call(app)[1].startswith('jwsgi_test_module_app '))
        finally:
            sys.path.remove(self.directory)
            sys.modules.pop('jwsgi_test_module_app', None)

    def test_missing_module_fails_with_the_import_error(self):
        with self.assertRaises(LoadFailed) as caught:
            Application('module', 'no_such_module_for_jwsgi').get()
        self.assertIn('ModuleNotFoundError', caught.exception.details)

    def test_welcome_page(self):
        loader = Application('welcome', None, 'ignored')
        self.assertIs(loader.get(), welcome.application)
        status, body = self.call(loader.get())
        self.assertEqual(status, '200 OK')
        self.assertIn('jwsgi is running', body)
        self.assertIn(str(os.getpid()), body)

    def test_bad_type_is_rejected(self):
        self.assertRaises(ValueError, Application, 'wsgi', 'x')
        self.assertRaises(ValueError, Application, 'script', None)

    def test_request_during_load_failure_answers_A_then_heals(self):
        path = self.write('app.py', 'raise ImportError("no database driver")\n')
        exchange = Exchange(Adapter({'threads': 1}, Application('script', path)))
        try:
            with captured_stderr() as err:
                first = exchange.request(base_environ())
            self.write('app.py', GOOD)
            second = exchange.request(base_environ())
        finally:
            exchange.close()
        self.assertEqual(first.fail[0], 'A')
        self.assertIn('no database driver', first.fail[1])
        lines = err.getvalue().splitlines()
        self.assertIn('[r1] Traceback (most recent call last):', lines)
        self.assertTrue(all(line.startswith('[r1] ') for line in lines), lines)
        self.assertEqual(second.status, '200 OK')


SITE_APP = '''
import sys
from jwsgi import mod_wsgi  # what the worker installs as mod_wsgi
LOADS = getattr(sys, 'jwsgi_test_site_loads', [])
sys.jwsgi_test_site_loads = LOADS
LOADS.append(__file__)
GROUP_AT_LOAD = mod_wsgi.application_group

def application(environ, start_response):
    start_response('200 OK', [('Content-Type', 'text/plain')])
    return [' '.join([__name__, environ['mod_wsgi.application_group'], environ['mod_wsgi.callable_object'],
                      GROUP_AT_LOAD]).encode()]

def other(environ, start_response):
    start_response('202 Accepted', [])
    return [b'other ' + __name__.encode()]
'''


class SiteTest(unittest.TestCase):
    """Several scripts in one process, picked per request by SCRIPT_FILENAME."""

    def setUp(self):
        self.directory = tempfile.mkdtemp()
        sys.jwsgi_test_site_loads = []
        self.saved_group = mod_wsgi.application_group
        self.site = Site('main', 'default-group')
        self.exchange = Exchange(Adapter({'threads': 1, 'application_group': 'ignored'}, self.site))

    def tearDown(self):
        self.exchange.close()
        mod_wsgi.application_group = self.saved_group
        del sys.jwsgi_test_site_loads
        for name in [n for n, m in sys.modules.items()
                     if n.startswith('_mod_wsgi_') and getattr(m, '__file__', '').startswith(self.directory)]:
            del sys.modules[name]
        shutil.rmtree(self.directory)

    def write(self, name, text=SITE_APP):
        path = os.path.join(self.directory, name)
        with open(path, 'w') as f:
            f.write(textwrap.dedent(text))
        return path

    def request(self, script=None, group='host|/a', callable_object=None, request_id='r1'):
        environ = base_environ()
        environ['mod_wsgi.request_id'] = request_id
        if script is not None:
            environ['SCRIPT_FILENAME'] = script
        if group is not None:
            environ['mod_wsgi.application_group'] = group
        if callable_object is not None:
            environ['mod_wsgi.callable_object'] = callable_object
        return self.exchange.request(environ)

    def test_two_scripts_each_load_once_as_their_own_module(self):
        first, second = self.write('a.wsgi'), self.write('b.wsgi')
        responses = [self.request(first), self.request(second), self.request(first)]
        self.assertEqual([r.status for r in responses], ['200 OK'] * 3)
        self.assertEqual(responses[0].body.decode(), '%s host|/a application host|/a' % script_module_name(first))
        self.assertEqual(responses[1].body.decode().split()[0], script_module_name(second))
        self.assertEqual(responses[2].body, responses[0].body)
        self.assertEqual(sys.jwsgi_test_site_loads, [first, second])
        self.assertEqual(mod_wsgi.application_group, 'host|/a')
        self.assertIs(self.site.application(first), self.site.application(first))

    def test_callables_of_one_script_share_its_module(self):
        path = self.write('a.wsgi')
        self.assertEqual(self.request(path).status, '200 OK')
        other = self.request(path, callable_object='other')
        self.assertEqual((other.status, other.body.decode()), ('202 Accepted', 'other ' + script_module_name(path)))
        self.assertEqual(sys.jwsgi_test_site_loads, [path])
        self.assertIs(self.site.application(path, 'other')._module, self.site.application(path)._module)

    def test_missing_group_and_callable_take_the_defaults(self):
        path = self.write('a.wsgi')
        response = self.request(path, group=None)
        self.assertEqual(response.body.decode().split()[1:], ['default-group', 'application', 'default-group'])

    def test_another_application_group_answers_A_and_its_script_does_not_run(self):
        first, second = self.write('a.wsgi'), self.write('b.wsgi')
        self.assertEqual(self.request(first).status, '200 OK')
        with captured_stderr() as err:
            refused = self.request(second, group='', request_id='r9')
        self.assertEqual(refused.fail[0], 'A')
        self.assertEqual(sys.jwsgi_test_site_loads, [first])
        self.assertEqual(err.getvalue(), (
            "[r9] jwsgi worker: application group '%{GLOBAL}' requested but this process of group 'main' "
            "already runs application group 'host|/a'; one process runs one application group until "
            "sub-interpreters are supported: give the application its own WSGIDaemonProcess or use "
            "WSGIApplicationGroup %{GLOBAL}\n"))
        self.assertEqual(self.request(second).status, '200 OK')

    def test_missing_or_relative_script_filename_answers_A_with_a_logged_line(self):
        self.write('a.wsgi')
        with captured_stderr() as err:
            missing = self.request(None, request_id='r2')
            relative = self.request('a.wsgi', request_id='r3')
        self.assertEqual((missing.fail[0], relative.fail[0]), ('A', 'A'))
        lines = err.getvalue().splitlines()
        self.assertEqual(lines, [
            '[r2] jwsgi worker: site request without SCRIPT_FILENAME: the front end must name the WSGI '
            'script file of the mount',
            "[r3] jwsgi worker: SCRIPT_FILENAME 'a.wsgi' is not an absolute path"])

    def test_a_failing_script_answers_A_per_request_and_heals_without_hurting_the_others(self):
        good, bad = self.write('good.wsgi'), self.write('bad.wsgi', 'raise ImportError("no driver")\n')
        with captured_stderr() as err:
            failed = self.request(bad, request_id='r5')
        self.assertEqual(failed.fail[0], 'A')
        self.assertIn('[r5] ImportError: no driver', err.getvalue())
        self.assertEqual(self.request(good).status, '200 OK')
        self.write('bad.wsgi')
        self.assertEqual(self.request(bad).status, '200 OK')

    def test_import_only_preload_executes_without_a_callable_and_a_request_reuses_the_module(self):
        imported = self.write('imported.py', 'import sys\nsys.jwsgi_test_site_loads.append(__file__)\n')
        path = self.write('a.wsgi')
        self.site.preload(imported, 'application', 'host|/a', import_only=True)
        self.site.preload(path, 'application', 'host|/a')
        self.assertEqual(sys.jwsgi_test_site_loads, [imported, path])
        self.assertIn(script_module_name(imported), sys.modules)
        self.assertEqual(self.request(path).status, '200 OK')
        self.assertEqual(sys.jwsgi_test_site_loads, [imported, path])

    def test_script_preload_checks_the_callable_and_claims_the_group(self):
        path = self.write('a.wsgi', 'x = 1\n')
        with self.assertRaises(LoadFailed) as caught:
            self.site.preload(path, 'application', 'host|/b')
        self.assertIn("callable 'application' not found", str(caught.exception))
        self.assertEqual(self.site.group, 'host|/b')
        self.assertRaises(LoadFailed, self.site.preload, path, 'application', 'host|/c', True)

    def test_watch_sees_the_scripts_loaded_before_and_after(self):
        first, second = self.write('a.wsgi'), self.write('b.wsgi')
        self.site.preload(first, 'application', 'host|/a')
        seen = []
        self.site.watch(lambda path, mtime: seen.append((path, mtime)))
        self.request(second)
        self.request(second, callable_object='other')
        self.assertEqual(seen, [(first, os.stat(first).st_mtime), (second, os.stat(second).st_mtime)])


if __name__ == '__main__':
    unittest.main()
