"""Worker lifecycle end to end: worker.py as a subprocess, the test playing Java on the request and control
channels (heartbeats, stop/dump/interrupt, recycle requests, limits, identity, service scripts)."""

import json
import os
import re
import select
import signal
import time
import unittest

from front_end import Response, WorkerProcessCase, base_environ, request_frames

APP = '''
import json, os, resource, sys, time
import mod_wsgi

def stopping(name, **kw):
    if name == 'process_stopping':
        print('stopping %s active=%d' % (kw['shutdown_reason'], len(mod_wsgi.active_requests)))
mod_wsgi.subscribe_events(stopping)
print('app loaded')

def wait_for(path):
    deadline = time.monotonic() + 10
    while not os.path.exists(path) and time.monotonic() < deadline:
        time.sleep(0.01)

def application(environ, start_response):
    path = environ['PATH_INFO']
    if path == '/block':
        print('blocked ' + environ['mod_wsgi.request_id'])
        wait_for(environ['QUERY_STRING'])
    elif path == '/spin':
        print('spinning')
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            time.sleep(0.01)
    elif path == '/burn':
        # Burn CPU time, not wall time: on a loaded machine 5 s of wall time may be far less than 1 s of CPU.
        deadline = time.monotonic() + 60
        while time.process_time() < 3 and time.monotonic() < deadline:
            sum(range(10000))
    facts = {
        'uid': os.getuid(), 'euid': os.geteuid(), 'gid': os.getgid(), 'groups': os.getgroups(),
        'umask': oct(os.umask(0o022)),
        'comm': open('/proc/self/comm').read().strip() if os.path.exists('/proc/self/comm') else None,
        'data': resource.getrlimit(resource.RLIMIT_DATA), 'as': resource.getrlimit(resource.RLIMIT_AS),
        'cpu': resource.getrlimit(resource.RLIMIT_CPU),
        'metrics': mod_wsgi.process_metrics(), 'interval': mod_wsgi.request_metrics(),
    }
    start_response('200 OK', [('Content-Type', 'application/json')])
    return [json.dumps(facts).encode()]
'''


class LifecycleTest(WorkerProcessCase):

    def start(self, app=APP, **kwargs):
        WorkerProcessCase.start(self, app, **kwargs)

    def release_path(self):
        return os.path.join(self.directory, 'release')

    def block(self, front, request_id='r-block'):
        """Send a request that waits until release() and wait until the application runs it."""
        environ = base_environ(PATH_INFO='/block', QUERY_STRING=self.release_path())
        environ['mod_wsgi.request_id'] = request_id
        front.send(request_frames(environ))
        self.assertEqual(self.stdout_line(), 'blocked ' + request_id)

    def release(self):
        open(self.release_path(), 'w').close()

    def stderr_until(self, text, timeout=10):
        """Read the worker's stderr until ``text`` appears (control commands act on their own thread, so
        their log lines are the only way to know they were handled); returns what was read."""
        fd = self.process.stderr.fileno()
        os.set_blocking(fd, False)
        data = b''
        deadline = time.monotonic() + timeout
        try:
            while text.encode() not in data and time.monotonic() < deadline:
                if select.select([fd], [], [], 0.1)[0]:
                    chunk = os.read(fd, 65536)
                    if not chunk:
                        break
                    data += chunk
        finally:
            os.set_blocking(fd, True)
        return data.decode()

    def stdout_line(self):
        line = self.process.stdout.readline().decode().rstrip('\n')
        if line == 'app loaded':
            line = self.process.stdout.readline().decode().rstrip('\n')
        return line

    def facts(self, front):
        response = self.request(front)
        self.assertEqual(response.status, '200 OK', response.fail)
        return json.loads(response.body)

    def test_control_channel_says_hello_first_and_heartbeats_every_second(self):
        self.start()
        front, index = self.accept()
        self.assertIsNotNone(self.control)
        started = time.monotonic()
        self.control.sock.settimeout(5)
        frames = [self.control.read_frame() for _ in range(3)]
        self.assertEqual(frames, [('C', b'heartbeat')] * 3)
        self.assertLess(time.monotonic() - started, 4)

    def test_stop_publishes_process_stopping_at_once_with_a_request_running(self):
        self.start()
        front, _ = self.accept()
        self.block(front)
        self.send_control('stop maximum_requests')
        self.assertEqual(self.stdout_line(), 'stopping maximum_requests active=1')
        self.release()
        self.assertEqual(Response(front.read_response()).status, '200 OK')
        self.process.send_signal(signal.SIGTERM)
        code, out, err = self.finish()
        self.assertEqual(code, 0, err)
        self.assertNotIn('stopping', out, 'published once only')

    def test_sigterm_lets_the_request_in_flight_finish_then_exits_0(self):
        self.start()
        front, _ = self.accept()
        self.block(front)
        self.process.send_signal(signal.SIGTERM)
        self.assertEqual(self.stdout_line(), 'stopping shutdown_signal active=1')
        time.sleep(0.3)
        self.assertIsNone(self.process.poll(), 'exited with a request in flight')
        self.release()
        self.assertEqual(Response(front.read_response()).status, '200 OK')
        code, out, err = self.finish()
        self.assertEqual(code, 0, err)

    def test_dump_writes_every_stack_with_the_request_ids(self):
        self.start(threads=2)
        fronts = dict((index, front) for front, index in (self.accept(), self.accept()))
        self.block(fronts[1], 'req-dump')
        self.send_control('dump request_timeout')
        time.sleep(0.3)
        self.release()
        self.assertEqual(Response(fronts[1].read_response()).status, '200 OK')
        self.process.send_signal(signal.SIGTERM)
        code, out, err = self.finish()
        self.assertIn('stack dump pid=%d reason=request_timeout' % self.process.pid, err)
        self.assertRegex(err, r'thread \d+ name=jwsgi-channel-1 request_id=req-dump\n')
        self.assertRegex(err, r'thread \d+ name=jwsgi-channel-0 request_id=-\n')
        self.assertRegex(err, r'thread \d+ name=jwsgi-control request_id=-\n')
        # True line numbers: the source line the dump shows under the frame is that line of the script.
        frame = re.search(r'app\.wsgi", line (\d+), in application\n +(.*)\n', err)
        self.assertIsNotNone(frame, err)
        self.assertEqual(APP.splitlines()[int(frame.group(1)) - 1].strip(), frame.group(2).strip())
        self.assertIn(frame.group(2).strip(), ("print('blocked ' + environ['mod_wsgi.request_id'])",
                                               "wait_for(environ['QUERY_STRING'])"))

    def test_interrupt_raises_request_timeout_in_that_thread_and_the_process_keeps_serving(self):
        self.start(threads=2)
        fronts = dict((index, front) for front, index in (self.accept(), self.accept()))
        environ = base_environ(PATH_INFO='/spin')
        environ['mod_wsgi.request_id'] = 'r-stuck'
        fronts[1].send(request_frames(environ))
        self.assertEqual(self.stdout_line(), 'spinning')
        self.send_control('interrupt 1')
        response = Response(fronts[1].read_response())
        self.assertEqual(response.fail[0], 'A')
        self.assertIn('RequestTimeout', response.fail[1])
        self.assertEqual(self.request(fronts[0]).status, '200 OK')
        self.assertEqual(self.request(fronts[1]).status, '200 OK')
        self.send_control('interrupt 0')  # idle thread: ignored
        early = self.stderr_until('interrupt ignored, no request running pid=%d thread=0' % self.process.pid)
        self.assertEqual(self.request(fronts[0]).status, '200 OK')
        self.process.send_signal(signal.SIGTERM)
        code, out, err = self.finish()
        err = early + err
        self.assertEqual(code, 0, err)
        self.assertIn('request interrupted pid=%d thread=1 request_id=r-stuck' % self.process.pid, err)
        self.assertIn('interrupt ignored, no request running pid=%d thread=0' % self.process.pid, err)

    def test_touching_the_script_asks_for_one_recycle(self):
        self.start()
        self.accept()
        script = os.path.join(self.directory, 'app.wsgi')
        later = os.stat(script).st_mtime + 10
        os.utime(script, (later, later))
        self.assertEqual(self.control_line(), 'recycle script_reload')
        self.control.sock.settimeout(2.5)
        self.assertEqual([self.control.read_frame() for _ in range(2)], [('C', b'heartbeat')] * 2)
        self.process.send_signal(signal.SIGTERM)
        code, out, err = self.finish()
        self.assertIn('code changed, asking to be recycled pid=%d path=%s' % (self.process.pid, script), err)

    def test_reload_on_changes_watches_the_loaded_modules(self):
        helper = os.path.join(self.directory, 'helper_module.py')
        with open(helper, 'w') as f:
            f.write('VALUE = 1\n')
        self.start(app='import helper_module\n' + APP,
                   config={'reload_on_changes': True, 'script_reloading': False})
        self.accept()
        later = os.stat(helper).st_mtime + 10
        os.utime(helper, (later, later))
        self.assertEqual(self.control_line(), 'recycle script_reload')

    def test_limits_are_applied_before_the_application_loads(self):
        self.start(config={'memory_limit': 3 << 30, 'virtual_memory_limit': 4 << 30,
                           'cpu_time_limit': 100, 'shutdown_timeout': 3, 'umask': '0027'})
        front, _ = self.accept()
        facts = self.facts(front)
        self.assertEqual(facts['data'], [3 << 30, 3 << 30])
        self.assertEqual(facts['as'], [4 << 30, 4 << 30])
        self.assertEqual(facts['cpu'], [100, 104])
        self.assertEqual(facts['umask'], '0o27')

    def test_cpu_time_limit_asks_for_a_recycle_once(self):
        self.start(config={'cpu_time_limit': 1})
        front, _ = self.accept()
        front.send(request_frames(base_environ(PATH_INFO='/burn')))
        self.assertEqual(self.control_line(timeout=60), 'recycle cpu_time_limit')
        self.process.send_signal(signal.SIGTERM)
        code, out, err = self.finish()
        self.assertEqual(err.count('cpu time limit reached'), 1, err)

    def test_process_name_is_visible_in_comm(self):
        if not os.path.exists('/proc/self/comm'):
            self.skipTest('no /proc')
        self.start(config={'process_name': 'jwsgi-lifecycle-test'})
        front, _ = self.accept()
        self.assertEqual(self.facts(front)['comm'], 'jwsgi-lifecycle')  # 15 bytes: Linux truncates
        with open('/proc/%d/comm' % self.process.pid) as f:
            self.assertEqual(f.read().strip(), 'jwsgi-lifecycle')

    def test_metrics_count_requests(self):
        # A request is counted when its thread is done with it, just after the client has the whole response; so
        # ask until the two requests before this one are counted (on a loaded machine that can take a moment).
        self.start(threads=2)
        fronts = dict((index, front) for front, index in (self.accept(), self.accept()))
        self.facts(fronts[0])
        self.facts(fronts[1])
        deadline = time.monotonic() + 10
        asked = 2
        while True:
            facts = self.facts(fronts[1])
            asked += 1
            metrics, interval = facts['metrics'], facts['interval']
            if metrics['request_count'] == asked - 1 or time.monotonic() > deadline:
                break
        self.assertEqual(metrics['pid'], self.process.pid)
        self.assertEqual(metrics['request_count'], asked - 1)
        self.assertEqual(metrics['threads'], [{'thread_id': 1, 'request_count': 1},
                                              {'thread_id': 2, 'request_count': asked - 2}])
        self.assertEqual((metrics['request_threads'], metrics['active_requests']), (2, 1))
        self.assertGreater(metrics['memory_rss'], 1 << 20)
        self.assertGreaterEqual(metrics['memory_max_rss'], metrics['memory_rss'] // 2)
        self.assertGreaterEqual(interval['request_count'], 1, 'the previous request finished in this interval')
        self.assertEqual(interval['request_threads_active'], 1)


@unittest.skipUnless(hasattr(os, 'geteuid') and os.geteuid() == 0, 'needs root')
class IdentityTest(WorkerProcessCase):

    def start(self, app=APP, **kwargs):
        # The worker must reach its socket, config and script after dropping to nobody.
        os.chmod(self.directory, 0o755)
        WorkerProcessCase.start(self, app, **kwargs)
        os.chmod(self.socket_path, 0o777)

    def test_drops_to_nobody_before_the_application_loads(self):
        self.start(config={'user': 'nobody', 'group': None, 'supplementary_groups': [],
                           'umask': '0007'})
        front, _ = self.accept()
        response = self.request(front)
        facts = json.loads(response.body)
        self.assertEqual((facts['uid'], facts['euid']), (65534, 65534))
        self.assertEqual(facts['gid'], 65534)
        self.assertNotIn(0, facts['groups'])
        self.assertEqual(facts['umask'], '0o7')
        self.process.send_signal(signal.SIGTERM)
        self.assertEqual(self.finish()[0], 0)

    def test_root_as_target_and_unknown_users_are_fatal_before_loading(self):
        for user, message in (('root', 'user: WSGI process blocked from running as root'),
                              ('no-such-user-here', "user: no such user: 'no-such-user-here'")):
            self.start(config={'user': user})
            code, out, err = self.finish()
            self.assertEqual(code, 3, err)
            self.assertIn('cannot apply ' + message, err)
            self.assertNotIn('app loaded', out)
            self.process.stdout.close()
            self.process.stderr.close()
            self.process = None
            os.remove(os.path.join(self.directory, 'app.wsgi'))
            import shutil
            shutil.rmtree(os.path.join(self.directory, 'lib'))


SERVICE = '''
import os, sys, time
import mod_wsgi
try:
    # Inside the try: the test sends SIGTERM as soon as it reads this line.
    print('service running threads=%d argv=%s name=%s' % (mod_wsgi.threads_per_process, sys.argv, __name__))
    while os.environ.get('SERVICE_FOREVER'):
        time.sleep(0.05)
except SystemExit:
    print('service got SystemExit')
    raise
'''


class ServiceScriptTest(WorkerProcessCase):

    def start_service(self, **extra):
        script = os.path.join(self.directory, 'service.py')
        with open(script, 'w') as f:
            f.write(SERVICE)
        os.environ.update(extra)
        try:
            WorkerProcessCase.start(self, 'raise RuntimeError("not loaded in service mode")\n', config={
                'mode': 'service', 'service_name': 'tasks', 'service_script': script, 'threads': 0})
        finally:
            for name in extra:
                del os.environ[name]

    def assert_no_channel(self):
        self.listener.settimeout(0)
        self.assertRaises(BlockingIOError, self.listener.accept)

    def test_runs_the_script_in_the_main_thread_and_exits_0_when_it_returns(self):
        self.start_service()
        code, out, err = self.finish()
        self.assertEqual(code, 0, err)
        script = os.path.join(self.directory, 'service.py')
        self.assertEqual(out, "service running threads=0 argv=['%s'] name=__main__\n" % script)
        self.assert_no_channel()

    def test_sigterm_raises_system_exit_in_the_script(self):
        self.start_service(SERVICE_FOREVER='1')
        self.assertTrue(self.process.stdout.readline().startswith(b'service running'))
        self.process.send_signal(signal.SIGTERM)
        code, out, err = self.finish()
        self.assertEqual(code, 0, err)
        self.assertEqual(out, 'service got SystemExit\n')
        self.assert_no_channel()

    def test_a_failing_script_exits_4_with_its_traceback(self):
        script = os.path.join(self.directory, 'service.py')
        WorkerProcessCase.start(self, '', config={'mode': 'service', 'service_script': script})
        code, out, err = self.finish()
        self.assertEqual(code, 4, err)
        self.assertIn('service script %s raised' % script, err)


if __name__ == '__main__':
    unittest.main()
