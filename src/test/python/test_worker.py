"""End to end: worker.py as a real subprocess; the test plays Java (listens, checks HELLOs, sends requests)."""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import unittest

from front_end import FrontEnd, Response, base_environ, request_frames

import jwsgi
from jwsgi import mod_wsgi

WORKER = os.path.join(os.path.dirname(os.path.abspath(jwsgi.__file__)), 'worker.py')
TOKEN = 'tok3n'

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


class WorkerProcessTest(unittest.TestCase):

    def setUp(self):
        self.directory = tempfile.mkdtemp()
        self.socket_path = os.path.join(self.directory, 'group.sock')
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(self.socket_path)
        self.listener.listen(16)
        self.listener.settimeout(20)
        self.process = None
        self.fronts = []

    def tearDown(self):
        for front in self.fronts:
            front.sock.close()
        self.listener.close()
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        if self.process is not None:
            self.process.stdout.close()
            self.process.stderr.close()
        shutil.rmtree(self.directory)

    def start(self, app=APP, threads=1, socket_path=None, config=None, script='app.wsgi'):
        app_path = os.path.join(self.directory, script)
        with open(app_path, 'w') as f:
            f.write(textwrap.dedent(app))
        lib = os.path.join(self.directory, 'lib')
        os.mkdir(lib)
        os.mkdir(os.path.join(lib, 'extra'))
        with open(os.path.join(lib, 'extra.pth'), 'w') as f:
            f.write('extra\n')
        settings = {
            'process_group': 'main', 'application_group': '', 'processes': 1, 'multiprocess': False,
            'threads': threads, 'application_type': 'script', 'entry_point': app_path,
            'callable_object': 'application', 'working_directory': self.directory,
            'python_path': [lib], 'maximum_requests': 0, 'server_software': 'jwsgi/0.1.0',
            'version': '0.1.0'}
        settings.update(config or {})
        config_path = os.path.join(self.directory, 'worker.json')
        with open(config_path, 'w') as f:
            json.dump(settings, f)
        env = dict(os.environ, JWSGI_SOCKET=socket_path or self.socket_path, JWSGI_TOKEN=TOKEN,
                   JWSGI_WORKER_SLOT='1', JWSGI_CONFIG=config_path)
        env.pop('PYTHONPATH', None)
        env.pop('PYTHONUNBUFFERED', None)
        self.process = subprocess.Popen([sys.executable, WORKER], env=env, cwd='/',
                                        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE)

    def accept(self):
        """Accept one channel and check its HELLO; returns (front end, thread index)."""
        sock, _ = self.listener.accept()
        front = FrontEnd(sock)
        self.fronts.append(front)
        ftype, payload = front.read_frame()
        self.assertEqual(ftype, 'W')
        token, pid, slot, index = payload.decode('ascii').split(' ')
        self.assertEqual((token, int(pid), slot), (TOKEN, self.process.pid, '1'))
        return front, int(index)

    def request(self, front, environ=None, body=()):
        front.send(request_frames(environ or base_environ(PATH_INFO='/env'), body))
        return Response(front.read_response())

    def finish(self):
        """Wait for the process; returns (exit code, stdout, stderr)."""
        out, err = self.process.communicate(timeout=20)
        return self.process.returncode, out.decode(), err.decode()

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
        self.assertIn('cannot connect to', err)

    def test_missing_config_exits_2(self):
        env = dict(os.environ, JWSGI_SOCKET=self.socket_path, JWSGI_TOKEN=TOKEN)
        env.pop('JWSGI_CONFIG', None)
        self.process = subprocess.Popen([sys.executable, WORKER], env=env, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE)
        code, out, err = self.finish()
        self.assertEqual(code, 2)
        self.assertIn('JWSGI_CONFIG', err)

    def test_load_failure_is_logged_at_start_and_each_request_answers_A(self):
        self.start(app='import no_such_module_anywhere\n')
        front, _ = self.accept()
        environ = base_environ(PATH_INFO='/env')
        environ['mod_wsgi.request_id'] = 'req-7'
        response = self.request(front, environ)
        self.assertEqual(response.fail[0], 'A')
        front.sock.close()
        code, out, err = self.finish()
        self.assertEqual(code, 0)
        self.assertIn('application failed to load', err)
        self.assertIn('[req-7] ModuleNotFoundError', err)


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
