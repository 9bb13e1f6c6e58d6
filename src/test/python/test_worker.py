"""End to end: worker.py as a real subprocess; the test plays Java (listens, checks HELLOs, sends requests)."""

import json
import os
import signal
import subprocess
import sys
import unittest

from front_end import TOKEN, WORKER, WorkerProcessCase, base_environ, request_frames

from jwsgi import mod_wsgi

APP = '''
import json, os, sys, threading
import mod_wsgi

mod_wsgi.subscribe_shutdown(lambda name, **kw: print('stopping ' + kw['shutdown_reason']))
print('app loaded')

def application(environ, start_response):
    path = environ['PATH_INFO']
    start_response('200 OK', [('Content-Type', 'application/json')])
    if path == '/stream':
        def stream():
            yield b'first'
            while True:
                yield b'x' * 65536
        return stream()
    facts = {
        'cwd': os.getcwd(), 'path': sys.path[:3], 'argv': sys.argv, 'name': __name__,
        'jwsgi_env': sorted(k for k in os.environ if k.startswith('JWSGI_')),
        'thread_id': environ['mod_wsgi.thread_id'], 'group': mod_wsgi.process_group,
        'threads': mod_wsgi.threads_per_process, 'installed': sys.modules['mod_wsgi'] is mod_wsgi,
        'multithread': environ['wsgi.multithread'], 'software': environ['SERVER_SOFTWARE'],
        'shadowed': [m for m in ('channel', 'adapter', 'worker') if m in sys.modules],
        'body': environ['wsgi.input'].read().decode(),
    }
    return [json.dumps(facts).encode()]
'''


class WorkerProcessTest(WorkerProcessCase):

    def start(self, app=APP, **kwargs):
        WorkerProcessCase.start(self, app, **kwargs)

    def test_serves_on_every_thread_and_exits_0_when_the_front_end_closes_the_channels(self):
        self.start(threads=2)
        channels = dict((index, front) for front, index in (self.accept(), self.accept()))
        self.assertEqual(sorted(channels), [0, 1])
        response = self.request(channels[1], body=[b'posted'])
        self.assertEqual(response.status, '200 OK')
        facts = json.loads(response.body)
        lib = os.path.join(self.directory, 'lib')
        self.assertEqual(facts['path'], [lib, os.path.join(lib, 'extra'), self.directory])
        self.assertEqual(facts['cwd'], self.directory)
        self.assertEqual(facts['argv'], ['mod_wsgi'])
        self.assertTrue(facts['name'].startswith('_mod_wsgi_'))
        self.assertEqual(facts['jwsgi_env'], [])
        self.assertEqual((facts['thread_id'], facts['group'], facts['threads']), (2, 'main', 2))
        self.assertTrue(facts['installed'] and facts['multithread'])
        self.assertEqual(facts['software'], 'jwsgi/0.1.0')
        self.assertEqual(facts['shadowed'], [])
        self.assertEqual(facts['body'], 'posted')
        self.assertEqual(self.request(channels[0]).status, '200 OK')
        for front in channels.values():
            front.sock.close()
        code, out, err = self.finish()
        self.assertEqual(code, 0, err)
        self.assertEqual(out.splitlines(), ['app loaded', 'stopping front_end_closed'])

    def test_home_is_the_working_directory_and_puts_the_current_directory_on_sys_path(self):
        home = os.path.join(self.directory, 'home')
        os.mkdir(home)
        with open(os.path.join(home, 'jwsgi_home_helper.py'), 'w') as f:
            f.write('VALUE = 42\n')
        self.start(app='import jwsgi_home_helper\n' + APP, config={'home': home})
        front, _ = self.accept()
        response = self.request(front)
        self.assertEqual(response.status, '200 OK', response.fail)
        facts = json.loads(response.body)
        lib = os.path.join(self.directory, 'lib')
        self.assertEqual(facts['cwd'], home)
        self.assertEqual(facts['path'], [lib, os.path.join(lib, 'extra'), ''])
        front.sock.close()
        self.assertEqual(self.finish()[0], 0)

    def test_a_site_group_of_another_user_without_home_starts_in_that_users_home_directory(self):
        # configure_interpreter in a process of its own (it changes directory and sys.path)
        package_parent = os.path.dirname(os.path.dirname(os.path.abspath(WORKER)))
        code = ('import os, sys; sys.path.insert(0, %r)\n'
                'from jwsgi import worker\n'
                'worker.configure_interpreter(dict(application_type="site", user=sys.argv[1], '
                'working_directory=%r))\n'
                'print(os.getcwd())\n') % (package_parent, self.directory)
        import pwd
        me = pwd.getpwuid(os.getuid())
        home = me.pw_dir if os.path.isdir(me.pw_dir) else '/'
        for user, expected in ((me.pw_name, home), ('no-such-user-jwsgi', '/')):
            out = subprocess.run([sys.executable, '-c', code, user], capture_output=True, text=True, timeout=60)
            self.assertEqual(out.returncode, 0, out.stderr)
            self.assertEqual(out.stdout.strip(), os.path.realpath(expected))
        # express (not site) keeps its working directory
        code = code.replace('application_type="site", ', '')
        out = subprocess.run([sys.executable, '-c', code, me.pw_name], capture_output=True, text=True, timeout=60)
        self.assertEqual(out.stdout.strip(), os.path.realpath(self.directory), out.stderr)

    def test_reconnects_after_the_channel_breaks_mid_response_and_stops_on_sigterm(self):
        self.start()
        front, index = self.accept()
        front.send(request_frames(base_environ(PATH_INFO='/stream')))
        self.assertEqual(front.read_frame()[0], 'H')
        front.sock.close()
        again, index_again = self.accept()
        self.assertEqual((index, index_again), (0, 0))
        self.assertEqual(self.request(again).status, '200 OK')
        self.process.send_signal(signal.SIGTERM)
        code, out, err = self.finish()
        self.assertEqual(code, 0, err)
        self.assertIn('stopping shutdown_signal', out.splitlines())
        self.assertNotIn('Traceback', err)

    def test_missing_socket_exits_non_zero_with_a_message(self):
        self.start(socket_path=os.path.join(self.directory, 'missing.sock'))
        code, out, err = self.finish()
        self.assertEqual(code, 3)
        self.assertIn('cannot connect the control channel to', err)

    def test_missing_config_exits_2(self):
        env = dict(os.environ, JWSGI_SOCKET=self.socket_path, JWSGI_TOKEN=TOKEN)
        env.pop('JWSGI_CONFIG', None)
        self.process = subprocess.Popen([sys.executable, WORKER], env=env, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE)
        code, out, err = self.finish()
        self.assertEqual(code, 2)
        self.assertIn('JWSGI_CONFIG', err)

    def test_a_load_failure_at_start_is_logged_and_the_process_exits_4_without_serving(self):
        # A fresh process retries (the supervisor replaces this one): retrying in place is what a failed
        # first django.setup() cannot survive.
        self.start(app='import no_such_module_anywhere\n')
        code, out, err = self.finish()
        self.assertEqual(code, 4, err)
        self.assertIn('application failed to load, exiting to be replaced by a fresh process', err)
        self.assertIn('ModuleNotFoundError', err)

    def test_an_installed_mod_wsgi_package_lends_its_subpackages_to_the_runtime_module(self):
        # A Django project's INSTALLED_APPS names mod_wsgi.server; Django imports it in the worker, where
        # mod_wsgi is the runtime's module.
        package = os.path.join(self.directory, 'mod_wsgi')  # the working directory is on sys.path
        os.makedirs(os.path.join(package, 'server'))
        with open(os.path.join(package, '__init__.py'), 'w') as f:
            f.write('raise RuntimeError("the package __init__ must not run in a worker")\n')
        with open(os.path.join(package, 'server', '__init__.py'), 'w') as f:
            f.write('MARK = "server subpackage"\n')
        app = ('import mod_wsgi, mod_wsgi.server\n'
               'def application(environ, start_response):\n'
               '    start_response("200 OK", [])\n'
               '    return [("%s %s" % (mod_wsgi.server.MARK, mod_wsgi.version)).encode()]\n')
        self.start(app=app)
        front, _ = self.accept()
        response = self.request(front)
        self.assertEqual(response.status, '200 OK', response.fail)
        self.assertEqual(response.body, b'server subpackage (6, 0, 5)')
        front.sock.close()
        self.assertEqual(self.finish()[0], 0)

    def test_the_exit_codes_are_the_servers(self):
        from jwsgi import worker
        self.assertEqual((worker.EXIT_OK, worker.EXIT_USAGE, worker.EXIT_WORKER_BOOT_FAILURE,
                          worker.EXIT_APPLICATION_LOAD_FAILURE), (0, 2, 3, 4))


class ModWsgiModuleTest(unittest.TestCase):

    def tearDown(self):
        del mod_wsgi.event_callbacks[:]
        del mod_wsgi.shutdown_callbacks[:]

    def test_attributes_follow_the_config(self):
        mod_wsgi.configure({'process_group': 'g', 'application_group': 'a', 'processes': 3,
                            'threads': 7})
        try:
            self.assertEqual((mod_wsgi.process_group, mod_wsgi.application_group), ('g', 'a'))
            self.assertEqual((mod_wsgi.maximum_processes, mod_wsgi.threads_per_process), (3, 7))
            self.assertEqual(mod_wsgi.version, (6, 0, 5))
            self.assertIsInstance(mod_wsgi.active_requests, dict)
        finally:
            mod_wsgi.configure({})

    def test_subscribers_are_returned_and_a_failing_one_does_not_stop_the_others(self):
        calls = []

        @mod_wsgi.subscribe_events
        def first(name, **payload):
            raise ValueError('broken subscriber')

        def second(name, **payload):
            calls.append((name, payload))
        self.assertIs(mod_wsgi.subscribe_events(second), second)
        import io
        saved, sys.stderr = sys.stderr, io.StringIO()
        try:
            mod_wsgi.publish(mod_wsgi.event_callbacks, 'custom', {'x': 1})
            logged = sys.stderr.getvalue()
        finally:
            sys.stderr = saved
        self.assertEqual(calls, [('custom', {'x': 1})])
        self.assertIn('broken subscriber', logged)

    def test_request_data_outside_a_request_raises(self):
        self.assertRaises(RuntimeError, mod_wsgi.request_data)


if __name__ == '__main__':
    unittest.main()
