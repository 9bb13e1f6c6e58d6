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

from jwsgi import welcome
from jwsgi.adapter import Adapter
from jwsgi.application import Application, LoadFailed

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


if __name__ == '__main__':
    unittest.main()
