"""The hook dispatcher: mod_wsgi's return-value contracts, the cut-down environ, reloading, errors."""

import io
import os
import shutil
import tempfile
import textwrap
import unittest

from jwsgi import hooks

SCRIPT = '''
def allow_access(environ, host):
    return {'yes': True, 'no': False, 'none': None}.get(environ['QUERY_STRING'], 'bad')

def check_password(environ, user, password):
    if user == 'rename':
        return 'renamed'
    if user == 'nobody':
        return None
    return password == 'secret'

def get_realm_hash(environ, user, realm):
    return None if user == 'nobody' else 'hash:%s:%s' % (user, realm)

def groups_for_user(environ, user):
    return [b'admins', 'staff'] if user == 'ann' else ()
'''


class HookTest(unittest.TestCase):

    def setUp(self):
        self.directory = tempfile.mkdtemp()
        self.path = self.write('hooks.wsgi', SCRIPT)

    def tearDown(self):
        shutil.rmtree(self.directory)

    def write(self, name, text, mtime=None):
        path = os.path.join(self.directory, name)
        with open(path, 'w') as f:
            f.write(textwrap.dedent(text))
        if mtime is not None:
            os.utime(path, (mtime, mtime))
        return path

    def call(self, hook, *args, path=None, **environ):
        errors = io.StringIO()
        env = {'mod_wsgi.x-hook': hook, 'mod_wsgi.x-hook-script': path or self.path,
               'wsgi.errors': errors, 'REQUEST_METHOD': 'GET', 'REQUEST_URI': '/x', 'QUERY_STRING': ''}
        for i, a in enumerate(args):
            env['mod_wsgi.x-hook-arg-%d' % (i + 1)] = a
        env.update(environ)
        return hooks.call(env), errors.getvalue()

    def test_allow_access_answers_true_false_none_and_refuses_anything_else(self):
        self.assertEqual(self.call('allow_access', '127.0.0.1', QUERY_STRING='yes')[0], 'T')
        self.assertEqual(self.call('allow_access', '127.0.0.1', QUERY_STRING='no')[0], 'F')
        self.assertEqual(self.call('allow_access', '127.0.0.1', QUERY_STRING='none')[0], 'N')
        answer, errors = self.call('allow_access', '127.0.0.1', QUERY_STRING='other')
        self.assertTrue(answer.startswith('EHookError'), answer)
        self.assertIn('must return True, False or None', errors)

    def test_check_password_answers_each_documented_value(self):
        self.assertEqual(self.call('check_password', 'bob', 'secret')[0], 'T')
        self.assertEqual(self.call('check_password', 'bob', 'wrong')[0], 'F')
        self.assertEqual(self.call('check_password', 'nobody', 'x')[0], 'N')
        self.assertEqual(self.call('check_password', 'rename', 'x')[0], 'Srenamed')

    def test_realm_hash_and_groups(self):
        self.assertEqual(self.call('get_realm_hash', 'bob', 'realm')[0], 'Shash:bob:realm')
        self.assertEqual(self.call('get_realm_hash', 'nobody', 'realm')[0], 'N')
        self.assertEqual(self.call('groups_for_user', 'ann')[0], 'Ladmins\nstaff')
        self.assertEqual(self.call('groups_for_user', 'bob')[0], 'L')

    def test_environ_is_cut_down_with_mod_ssl_callables(self):
        path = self.write('env.wsgi', '''
            def allow_access(environ, host):
                assert 'wsgi.input' not in environ
                assert not any(k.startswith('mod_wsgi.x-') for k in environ)
                assert environ['mod_ssl.is_https']() is True
                assert environ['mod_ssl.var_lookup']('SSL_CLIENT_S_DN') == 'CN=ann'
                assert environ['mod_ssl.var_lookup']('SSL_NOTHING') is None
                environ['wsgi.errors'].write('host=%s\\n' % host)
                return True
            ''')
        answer, errors = self.call('allow_access', '10.0.0.1', path=path, **{
            'wsgi.url_scheme': 'https', 'wsgi.input': object(), 'mod_wsgi.x-ssl:SSL_CLIENT_S_DN': 'CN=ann'})
        self.assertEqual(answer, 'T', errors)
        self.assertIn('host=10.0.0.1', errors)

    def test_exception_is_an_error_answer_with_its_traceback(self):
        path = self.write('boom.wsgi', '''
            def check_password(environ, user, password):
                raise RuntimeError('database down')
            ''')
        answer, errors = self.call('check_password', 'bob', 'x', path=path)
        self.assertEqual(answer, 'ERuntimeError: database down')
        self.assertIn('Traceback (most recent call last)', errors)
        self.assertIn("exception in check_password() of '%s'" % path, errors)

    def test_missing_function_is_an_error(self):
        path = self.write('empty.wsgi', 'x = 1\n')
        answer, errors = self.call('groups_for_user', 'ann', path=path)
        self.assertTrue(answer.startswith('EHookError'), answer)
        self.assertIn('has no groups_for_user()', errors)

    def test_script_is_loaded_again_when_it_changes(self):
        path = self.write('reload.wsgi', 'def allow_access(environ, host):\n    return True\n', mtime=1000)
        self.assertEqual(self.call('allow_access', 'h', path=path)[0], 'T')
        self.write('reload.wsgi', 'def allow_access(environ, host):\n    return False\n', mtime=2000)
        self.assertEqual(self.call('allow_access', 'h', path=path)[0], 'F')

    def test_application_groups_get_their_own_module(self):
        path = self.write('count.wsgi', '''
            calls = []
            def allow_access(environ, host):
                calls.append(host)
                return len(calls) == 1
            ''')
        self.assertEqual(self.call('allow_access', 'h', path=path)[0], 'T')
        self.assertEqual(self.call('allow_access', 'h', path=path)[0], 'F')
        self.assertEqual(self.call('allow_access', 'h', path=path,
                                   **{'mod_wsgi.x-hook-application-group': 'other'})[0], 'T')

    def test_application_answers_the_encoded_result(self):
        seen = {}

        def start_response(status, headers):
            seen['status'] = status

        env = {'mod_wsgi.x-hook': 'check_password', 'mod_wsgi.x-hook-script': self.path,
               'mod_wsgi.x-hook-arg-1': 'rename', 'mod_wsgi.x-hook-arg-2': 'x', 'wsgi.errors': io.StringIO()}
        self.assertEqual(b''.join(hooks.application(env, start_response)), b'Srenamed')
        self.assertEqual(seen['status'], '200 OK')


if __name__ == '__main__':
    unittest.main()
