"""The mod_wsgi module's functions of issue 13 part 3 (server_metrics, subscribe_signals/signal_callbacks,
LogHandler) and the worker settings of mod_wsgi-express's options (switch_interval, orphan_interpreter,
slow_requests, server_metrics), in process and with worker.py as a real subprocess."""

import io
import json
import logging
import os
import re
import signal
import sys
import time
import unittest

from front_end import WorkerProcessCase, base_environ
from jwsgi import mod_wsgi


class ModuleState(unittest.TestCase):
    """Saves and restores the module's process-wide state each test changes."""

    def setUp(self):
        self.saved = (list(mod_wsgi.event_callbacks), list(mod_wsgi.signal_callbacks), mod_wsgi._server_metrics,
                      mod_wsgi.threads_per_process, dict(mod_wsgi.active_requests), sys.stderr)
        del mod_wsgi.event_callbacks[:]
        del mod_wsgi.signal_callbacks[:]
        self.stderr = sys.stderr = io.StringIO()

    def tearDown(self):
        events, signals, metrics, threads, active, stderr = self.saved
        mod_wsgi.event_callbacks[:] = events
        mod_wsgi.signal_callbacks[:] = signals
        mod_wsgi._server_metrics = metrics
        mod_wsgi.threads_per_process = threads
        mod_wsgi.active_requests.clear()
        mod_wsgi.active_requests.update(active)
        mod_wsgi._current.request_data = None
        sys.stderr = stderr


class ServerMetricsTest(ModuleState):

    def test_none_unless_server_metrics_is_on(self):
        mod_wsgi.configure({'threads': 2})
        self.assertIsNone(mod_wsgi.server_metrics())

    def test_a_scoreboard_of_this_process_with_one_worker_per_thread(self):
        mod_wsgi.configure({'threads': 2, 'processes': 3, 'server_metrics': True})
        mod_wsgi.active_requests['r1'] = {'request_id': 'r1', 'thread_id': 2, 'application_start': 5.0,
                                          'request': 'GET /busy', 'client': '127.0.0.1', 'request_data': {}}
        metrics = mod_wsgi.server_metrics()
        self.assertEqual((metrics['server_limit'], metrics['thread_limit']), (3, 2))
        process, = metrics['processes']
        self.assertEqual(process['pid'], os.getpid())
        idle, busy = process['workers']
        self.assertEqual((idle['thread_num'], idle['status'], idle['request']), (1, '_', ''))
        self.assertEqual((busy['thread_num'], busy['status'], busy['request'], busy['client']),
                         (2, 'W', 'GET /busy', '127.0.0.1'))
        self.assertGreaterEqual(metrics['running_time'], 0)


class SignalsTest(ModuleState):

    def test_subscribers_get_process_signal_with_its_name_and_number(self):
        seen = []

        @mod_wsgi.subscribe_signals
        def on_signal(name, **payload):
            seen.append(('signals', name, payload))

        mod_wsgi.subscribe_events(lambda name, **payload: seen.append(('events', name, payload)))
        self.assertIs(mod_wsgi.signal_callbacks[0], on_signal)
        mod_wsgi.publish_signal(signal.SIGUSR2)
        self.assertEqual(seen, [
            ('events', 'process_signal', {'signame': 'SIGUSR2', 'signum': signal.SIGUSR2}),
            ('signals', 'process_signal', {'signame': 'SIGUSR2', 'signum': signal.SIGUSR2})])

    def test_a_signal_nobody_subscribed_to_is_logged(self):
        mod_wsgi.publish_signal(signal.SIGHUP)
        self.assertIn('mod_wsgi: SIGHUP received, no subscriber', self.stderr.getvalue())

    def test_delivered_signals_are_published_on_a_thread_of_their_own(self):
        seen = []
        mod_wsgi.subscribe_signals(lambda name, **payload: seen.append(payload['signame']))
        mod_wsgi.deliver_signal(signal.SIGHUP)
        mod_wsgi.deliver_signal(signal.SIGUSR2)
        deadline = time.monotonic() + 10
        while len(seen) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        self.assertEqual(seen, ['SIGHUP', 'SIGUSR2'])


class LogHandlerTest(ModuleState):

    def setUp(self):
        ModuleState.setUp(self)
        self.logger = logging.getLogger('test_express.%s' % self.id())
        self.logger.propagate = False
        self.logger.setLevel(logging.DEBUG)
        self.handler = mod_wsgi.LogHandler()
        self.logger.addHandler(self.handler)

    def tearDown(self):
        self.logger.removeHandler(self.handler)
        ModuleState.tearDown(self)

    def test_levels_are_apaches_names(self):
        self.logger.critical('c')
        self.logger.error('e')
        self.logger.warning('w')
        self.logger.info('i')
        self.logger.debug('d')
        self.assertEqual(self.stderr.getvalue().splitlines(), [
            '[wsgi:crit] c', '[wsgi:error] e', '[wsgi:warn] w', '[wsgi:info] i', '[wsgi:debug] d'])

    def test_a_record_on_a_request_thread_carries_the_request_id_on_every_line(self):
        data = {}
        mod_wsgi.active_requests['req-7'] = {'request_id': 'req-7', 'thread_id': 1, 'request_data': data}
        mod_wsgi._current.request_data = data
        try:
            raise ValueError('boom')
        except ValueError:
            self.logger.exception('failed')
        lines = self.stderr.getvalue().splitlines()
        self.assertEqual(lines[0], '[wsgi:error] [req-7] failed')
        self.assertTrue(all(line.startswith('[wsgi:error] [req-7] ') for line in lines))
        self.assertIn('ValueError: boom', lines[-1])


SERVICE = '''
import time
print('service running', flush=True)
while True:
    time.sleep(0.05)
'''


class ServiceSignalsTest(WorkerProcessCase):

    def test_a_service_script_process_logs_and_survives_sighup_and_sigusr2(self):
        self.start(SERVICE, config={'mode': 'service', 'service_name': 'svc', 'threads': 0,
                                    'service_script': os.path.join(self.directory, 'app.wsgi')})
        self.assertEqual(self.process.stdout.readline().decode().strip(), 'service running')
        self.process.send_signal(signal.SIGHUP)
        self.process.send_signal(signal.SIGUSR2)
        self.process.send_signal(signal.SIGTERM)
        code, out, err = self.finish()
        self.assertEqual(code, 0, err)
        self.assertIn('SIGHUP ignored by service script process', err)
        self.assertIn('SIGUSR2 ignored by service script process', err)


class ScriptReloadingTest(unittest.TestCase):

    def test_disable_reloading_starts_no_monitor_for_the_script(self):
        from jwsgi import worker

        class Script(object):
            application_type = 'script'
            entry_point = '/nowhere/app.wsgi'
            _module = None
        self.assertIsNone(worker.start_monitor({'script_reloading': False}, Script(), control=None))


APP = '''
import atexit, json, os, sys, time
import mod_wsgi

atexit.register(lambda: print('atexit ran', flush=True))
mod_wsgi.subscribe_shutdown(lambda name, **kw: print('shutdown subscriber ran', flush=True))
mod_wsgi.subscribe_signals(lambda name, **kw: print('signal %s' % kw['signame'], flush=True))

def application(environ, start_response):
    if environ['PATH_INFO'] == '/slow':
        time.sleep(float(environ['QUERY_STRING']))
    start_response('200 OK', [('Content-Type', 'application/json')])
    return [json.dumps({'switch_interval': sys.getswitchinterval(),
                        'server_metrics': mod_wsgi.server_metrics()}).encode()]
'''


class ExpressWorkerTest(WorkerProcessCase):

    def facts(self, front, **environ):
        response = self.request(front, base_environ(**environ))
        self.assertEqual(response.status, '200 OK', response.fail)
        return json.loads(response.body)

    def stdout_line(self):
        return self.process.stdout.readline().decode().rstrip('\n')

    def test_switch_interval_and_server_metrics_are_set_before_the_application_loads(self):
        self.start(APP, config={'switch_interval': 0.02, 'server_metrics': True})
        front, _ = self.accept()
        facts = self.facts(front, PATH_INFO='/x', REQUEST_METHOD='GET', REMOTE_ADDR='10.0.0.1')
        self.assertEqual(facts['switch_interval'], 0.02)
        worker, = facts['server_metrics']['processes'][0]['workers']
        self.assertEqual((worker['status'], worker['request'], worker['client']), ('W', 'GET /x', '10.0.0.1'))

    def test_without_the_options_python_keeps_its_own_and_server_metrics_is_none(self):
        self.start(APP)
        front, _ = self.accept()
        facts = self.facts(front)
        self.assertEqual(facts['switch_interval'], 0.005)
        self.assertIsNone(facts['server_metrics'])

    def test_sigusr2_and_sighup_reach_the_signal_subscribers_and_the_process_keeps_serving(self):
        self.start(APP)
        front, _ = self.accept()
        self.facts(front)
        self.process.send_signal(signal.SIGUSR2)
        self.assertEqual(self.stdout_line(), 'signal SIGUSR2')
        self.process.send_signal(signal.SIGHUP)
        self.assertEqual(self.stdout_line(), 'signal SIGHUP')
        self.facts(front)

    def test_an_orphaned_interpreter_exits_without_its_atexit_handlers(self):
        self.start(APP, config={'orphan_interpreter': True})
        front, _ = self.accept()
        self.facts(front)
        self.process.send_signal(signal.SIGTERM)
        code, out, err = self.finish()
        self.assertEqual(code, 0, err)
        self.assertIn('shutdown subscriber ran', out)
        self.assertNotIn('atexit ran', out)

    def test_by_default_the_atexit_handlers_run(self):
        self.start(APP)
        front, _ = self.accept()
        self.facts(front)
        self.process.send_signal(signal.SIGTERM)
        code, out, err = self.finish()
        self.assertEqual(code, 0, err)
        self.assertIn('shutdown subscriber ran', out)
        self.assertIn('atexit ran', out)

    def test_a_request_slower_than_slow_requests_gets_one_error_log_line(self):
        self.start(APP, config={'slow_requests': 0.2})
        front, _ = self.accept()
        environ = base_environ(PATH_INFO='/slow', QUERY_STRING='0.4', REQUEST_METHOD='POST')
        environ['mod_wsgi.request_id'] = 'r-slow'
        self.assertEqual(self.request(front, environ).status, '200 OK')
        self.request(front, base_environ(PATH_INFO='/slow', QUERY_STRING='0'))
        self.process.send_signal(signal.SIGTERM)
        code, out, err = self.finish()
        slow = [line for line in err.splitlines() if 'slow request' in line]
        self.assertEqual(len(slow), 1, err)
        match = re.match(r'^\[r-slow\] slow request method=POST path=/slow seconds=(\d+\.\d{3}) status=200$',
                         slow[0])
        self.assertIsNotNone(match, slow[0])
        self.assertGreaterEqual(float(match.group(1)), 0.4)


if __name__ == '__main__':
    unittest.main()
