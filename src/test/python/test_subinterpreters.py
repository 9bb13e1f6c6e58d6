"""Site mode with ``"subinterpreters": true``: every application group but %{GLOBAL} in a sub-interpreter of
its own (jwsgi.subinterpreters), tested on a real worker process against the fake front end."""

import json
import os
import signal
import sys
import textwrap
import threading
import unittest

from front_end import WorkerProcessCase, base_environ, request_frames, Response

SCRIPT = '''
import atexit, json, os, sys
import mod_wsgi
import counter
try:
    import _interpreters as _api
except ImportError:
    import _xxsubinterpreters as _api
print('loaded %s in %s' % (os.path.basename(__file__), mod_wsgi.application_group or '%{GLOBAL}'), flush=True)
atexit.register(lambda: print('atexit %s' % (mod_wsgi.application_group or '%{GLOBAL}'), flush=True))

def application(environ, start_response):
    counter.value += 1
    start_response('200 OK', [('Content-Type', 'application/json')])
    current, main = _api.get_current(), _api.get_main()
    if isinstance(current, tuple):  # 3.13: (id, whence)
        current, main = current[0], main[0]
    return [json.dumps({
        'group': environ['mod_wsgi.application_group'], 'module_group': mod_wsgi.application_group,
        'counter': counter.value, 'main': int(current) == int(main), 'interpreter': int(current),
        'marker': 'jwsgi_marker' in sys.modules, 'thread': environ['mod_wsgi.thread_id'],
        'body': environ['wsgi.input'].read().decode(),
    }).encode()]
'''

MARKER = '''
import sys, types
sys.modules['jwsgi_marker'] = types.ModuleType('jwsgi_marker')
'''

WAITER = '''
import os, time
def application(environ, start_response):
    flag = environ['QUERY_STRING']
    deadline = time.time() + 10
    while not os.path.exists(flag) and time.time() < deadline:
        time.sleep(0.01)
    start_response('200 OK', [])
    return [b'waited' if os.path.exists(flag) else b'timeout']
'''

SETTER = '''
def application(environ, start_response):
    open(environ['QUERY_STRING'], 'w').close()
    start_response('200 OK', [])
    return [b'set']
'''


class SubinterpreterSiteTest(WorkerProcessCase):

    def write(self, name, text):
        path = os.path.join(self.directory, name)
        with open(path, 'w') as f:
            f.write(textwrap.dedent(text))
        return path

    def start_site(self, preload=(), threads=1, **config):
        settings = {'application_type': 'site', 'entry_point': None, 'preload': list(preload),
                    'subinterpreters': True}
        settings.update(config)
        self.start(SCRIPT, script='a.wsgi', threads=threads, config=settings)
        with open(os.path.join(self.directory, 'lib', 'extra', 'counter.py'), 'w') as f:
            f.write('value = 0\n')

    def environ(self, script, group, request_id='r1', query=''):
        environ = base_environ(PATH_INFO='/', QUERY_STRING=query)
        environ['mod_wsgi.request_id'] = request_id
        environ['SCRIPT_FILENAME'] = os.path.join(self.directory, script)
        environ['mod_wsgi.application_group'] = group
        return environ

    def site_request(self, front, script, group, request_id='r1', body=()):
        return self.request(front, self.environ(script, group, request_id), body)

    def facts(self, front, script, group, **kw):
        response = self.site_request(front, script, group, **kw)
        self.assertEqual(response.status, '200 OK', response.fail)
        return json.loads(response.body)

    def test_groups_do_not_share_module_state_and_global_is_the_main_interpreter(self):
        self.start_site()
        front, _ = self.accept()
        a1 = self.facts(front, 'a.wsgi', 'site|/a', body=[b'posted'])
        a2 = self.facts(front, 'a.wsgi', 'site|/a')
        b1 = self.facts(front, 'a.wsgi', 'site|/b')
        g1 = self.facts(front, 'a.wsgi', '')
        a3 = self.facts(front, 'a.wsgi', 'site|/a')
        # A body the sub-interpreter pulls (`M`, then `R` answered on the same channel).
        front.send(request_frames(self.environ('a.wsgi', 'site|/b', 'r-pull'), [b'pushed '], more=True))
        pulled = Response(front.read_response([b'pulled']))
        self.assertEqual(json.loads(pulled.body)['body'], 'pushed pulled')
        self.assertEqual([a1['counter'], a2['counter'], b1['counter'], g1['counter'], a3['counter']],
                         [1, 2, 1, 1, 3])
        self.assertEqual(a1['body'], 'posted')
        self.assertEqual([(f['group'], f['module_group']) for f in (a1, b1, g1)],
                         [('site|/a', 'site|/a'), ('site|/b', 'site|/b'), ('', '')])
        self.assertEqual([a1['main'], b1['main'], g1['main']], [False, False, True])
        self.assertEqual(a1['interpreter'], a3['interpreter'])
        self.assertNotEqual(a1['interpreter'], b1['interpreter'])
        self.process.send_signal(signal.SIGTERM)
        code, out, err = self.finish()
        self.assertEqual(code, 0, err)
        self.assertEqual(sorted(line for line in out.splitlines() if line.startswith('loaded')),
                         ['loaded a.wsgi in %{GLOBAL}', 'loaded a.wsgi in site|/a', 'loaded a.wsgi in site|/b'])
        # Each interpreter ran its own atexit handlers at the graceful stop.
        self.assertEqual(sorted(line for line in out.splitlines() if line.startswith('atexit')),
                         ['atexit %{GLOBAL}', 'atexit site|/a', 'atexit site|/b'])

    def test_concurrent_requests_to_two_groups_both_complete(self):
        self.write('waiter.wsgi', WAITER)
        self.write('setter.wsgi', SETTER)
        self.start_site(threads=2)
        fronts = dict((index, front) for front, index in (self.accept(), self.accept()))
        flag = os.path.join(self.directory, 'flag')
        # The waiter (group x, thread 1) holds its thread until the setter (group y, thread 2) has run.
        fronts[0].send(request_frames(self.environ('waiter.wsgi', 'x', 'r-wait', flag)))
        fronts[1].send(request_frames(self.environ('setter.wsgi', 'y', 'r-set', flag)))
        setter = Response(fronts[1].read_response())
        waiter = Response(fronts[0].read_response())
        self.assertEqual((setter.status, setter.body), ('200 OK', b'set'))
        self.assertEqual((waiter.status, waiter.body), ('200 OK', b'waited'))
        # Both threads of one group's interpreter are usable too.
        self.assertEqual(self.facts(fronts[1], 'a.wsgi', 'x')['thread'], 2)
        self.assertEqual(self.facts(fronts[0], 'a.wsgi', 'x')['thread'], 1)

    def test_a_failing_import_gives_500_in_its_group_and_the_other_keeps_serving(self):
        self.write('broken.wsgi', 'import jwsgi_no_such_module\n')
        self.start_site()
        front, _ = self.accept()
        self.assertEqual(self.site_request(front, 'broken.wsgi', 'bad', 'r-bad').fail[0], 'A')
        self.assertEqual(self.facts(front, 'a.wsgi', 'good')['counter'], 1)
        self.assertEqual(self.site_request(front, 'broken.wsgi', 'bad', 'r-bad2').fail[0], 'A')
        self.assertEqual(self.facts(front, 'a.wsgi', 'bad')['counter'], 1)
        self.assertEqual(self.facts(front, 'a.wsgi', 'good')['counter'], 2)
        front.sock.close()
        code, out, err = self.finish()
        self.assertEqual(code, 0, err)
        self.assertIn("[r-bad] jwsgi worker: application group 'bad' (sub-interpreter, ", err)
        self.assertIn("ModuleNotFoundError: No module named 'jwsgi_no_such_module'", err)

    @unittest.skipUnless(sys.version_info >= (3, 13), 'own-GIL sub-interpreters by default from 3.13')
    def test_a_single_phase_extension_fails_in_an_own_gil_group_only(self):
        try:
            import _testsinglephase  # noqa: F401
        except ImportError:
            self.skipTest('no _testsinglephase in this Python')
        self.write('single.wsgi', '''
            import _testsinglephase
            def application(environ, start_response):
                start_response('200 OK', [])
                return [b'loaded']
            ''')
        self.start_site()
        front, _ = self.accept()
        self.assertEqual(self.site_request(front, 'single.wsgi', 'iso', 'r-single').fail[0], 'A')
        self.assertEqual(self.site_request(front, 'single.wsgi', '').body, b'loaded')
        self.assertEqual(self.facts(front, 'a.wsgi', 'iso')['counter'], 1)
        front.sock.close()
        code, out, err = self.finish()
        self.assertEqual(code, 0, err)
        self.assertIn("[r-single] jwsgi worker: extension module _testsinglephase cannot be imported in a "
                      "sub-interpreter of application group 'iso'; run the application in the main "
                      "interpreter with WSGIApplicationGroup %{GLOBAL}", err)
        self.assertIn('[r-single] ImportError: module _testsinglephase does not support loading in '
                      'subinterpreters', err)

    @unittest.skipUnless(sys.version_info >= (3, 12), '_testsinglephase is there from 3.12')
    def test_shared_gil_loads_a_single_phase_extension(self):
        try:
            import _testsinglephase  # noqa: F401
        except ImportError:
            self.skipTest('no _testsinglephase in this Python')
        self.write('single.wsgi', '''
            import _testsinglephase
            def application(environ, start_response):
                start_response('200 OK', [])
                return [b'loaded']
            ''')
        # 3.12's default is a shared GIL (jwsgi.subinterpreters.default_gil); 3.13 needs the key.
        self.start_site(**({} if sys.version_info < (3, 13) else {'subinterpreter_gil': 'shared'}))
        front, _ = self.accept()
        self.assertEqual(self.site_request(front, 'single.wsgi', 'legacy').body, b'loaded')
        self.assertEqual(self.site_request(front, 'single.wsgi', '').body, b'loaded')
        self.assertEqual(self.facts(front, 'a.wsgi', 'legacy')['counter'], 1)

    def test_preload_lands_in_its_groups_interpreter_and_its_scripts_are_watched(self):
        marker = self.write('marker.py', MARKER)
        a = os.path.join(self.directory, 'a.wsgi')
        self.start_site([{'script': marker, 'application_group': 'p', 'import_only': True},
                         {'script': a, 'application_group': 'p'},
                         {'script': a, 'application_group': ''}])
        front, _ = self.accept()
        lines = sorted(self.process.stdout.readline().decode().strip() for _ in range(2))
        self.assertEqual(lines, ['loaded a.wsgi in %{GLOBAL}', 'loaded a.wsgi in p'])
        in_p = self.facts(front, 'a.wsgi', 'p')
        self.assertEqual((in_p['marker'], in_p['counter'], in_p['main']), (True, 1, False))
        self.assertFalse(self.facts(front, 'a.wsgi', 'q')['marker'])
        self.assertFalse(self.facts(front, 'a.wsgi', '')['marker'])
        self.write('b.wsgi', SCRIPT)
        self.facts(front, 'b.wsgi', 'q')
        # The preloaded import-only script of p and a script a request loaded in q: one recycle each.
        for path in (marker, os.path.join(self.directory, 'b.wsgi')):
            later = os.stat(path).st_mtime + 10
            os.utime(path, (later, later))
            self.assertEqual(self.control_line(), 'recycle script_reload')
        front.sock.close()
        code, out, err = self.finish()
        self.assertEqual(code, 0, err)
        self.assertNotIn('loaded a.wsgi in p', out)  # preloaded once

    def test_a_bad_gil_setting_is_a_startup_error(self):
        self.start_site(subinterpreter_gil='several')
        code, out, err = self.finish()
        self.assertEqual(code, 2)
        self.assertIn('subinterpreter_gil must be own or shared', err)

    def test_without_the_key_a_second_group_is_still_refused(self):
        self.start_site(subinterpreters=False)
        front, _ = self.accept()
        self.assertEqual(self.facts(front, 'a.wsgi', 'one')['main'], True)
        self.assertEqual(self.site_request(front, 'a.wsgi', 'two', 'r-two').fail[0], 'A')
        front.sock.close()
        code, out, err = self.finish()
        self.assertIn("[r-two] jwsgi worker: application group 'two' requested but this process of group "
                      "'main' already runs application group 'one'", err)
