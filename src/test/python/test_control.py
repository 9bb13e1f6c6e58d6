"""The control channel's worker end over a socketpair (the test plays Java), stack dumps and interrupts."""

import io
import re
import socket
import sys
import threading
import time
import unittest

from front_end import FrontEnd, frame

from jwsgi import mod_wsgi
from jwsgi.control import Control, cancel_interrupt, dump_stacks, interrupt_thread


class RecordingHandler(object):

    def __init__(self):
        self.calls = []
        self.event = threading.Event()

    def _record(self, *call):
        self.calls.append(call)
        self.event.set()

    def on_stop(self, reason):
        self._record('stop', reason)

    def on_dump(self, reason):
        self._record('dump', reason)

    def on_interrupt(self, index):
        self._record('interrupt', index)

    def on_control_closed(self):
        self._record('closed')

    def wait_for(self, count):
        deadline = time.monotonic() + 5
        while len(self.calls) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.calls


class ControlChannelTest(unittest.TestCase):

    def setUp(self):
        # The control thread reports protocol errors and unknown commands on stderr: keep the run quiet.
        self.saved_stderr, sys.stderr = sys.stderr, io.StringIO()
        worker_end, java_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        self.handler = RecordingHandler()
        self.control = Control(worker_end, self.handler, heartbeat=0.05)
        self.front = FrontEnd(java_end)

    def tearDown(self):
        self.control.close()
        self.front.sock.close()
        if self.control.thread is not None:
            self.control.thread.join(5)
        sys.stderr = self.saved_stderr

    def test_heartbeats_arrive_about_every_interval(self):
        self.control.start()
        started = time.monotonic()
        frames = [self.front.read_frame() for _ in range(4)]
        self.assertEqual(frames, [('C', b'heartbeat')] * 4)
        self.assertLess(time.monotonic() - started, 2)

    def test_commands_reach_the_handler_even_split_across_reads(self):
        self.control.start()
        data = frame('C', b'stop maximum_requests') + frame('C', b'dump request_timeout') + \
            frame('C', b'interrupt 3')
        self.front.send(data[:7])
        time.sleep(0.05)
        self.front.send(data[7:])
        self.assertEqual(self.handler.wait_for(3), [
            ('stop', 'maximum_requests'), ('dump', 'request_timeout'), ('interrupt', 3)])

    def test_unknown_command_is_ignored_and_the_channel_stays_up(self):
        self.control.start()
        self.front.send(frame('C', b'reticulate splines') + frame('C', b'stop graceful_signal'))
        self.assertEqual(self.handler.wait_for(1), [('stop', 'graceful_signal')])

    def test_other_frame_types_close_the_channel(self):
        self.control.start()
        self.front.send(frame('Q', b'{0'))
        self.assertEqual(self.handler.wait_for(1), [('closed',)])

    def test_front_end_closing_is_reported(self):
        self.control.start()
        self.front.sock.close()
        self.assertEqual(self.handler.wait_for(1), [('closed',)])

    def test_recycle_is_sent_from_any_thread(self):
        self.assertTrue(self.control.send('recycle script_reload'))
        self.assertEqual(self.front.read_frame(), ('C', b'recycle script_reload'))


class StackDumpTest(unittest.TestCase):

    def test_every_thread_with_name_request_id_and_true_line_numbers(self):
        ready = threading.Event()
        release = threading.Event()

        def parked():
            ready.set()
            release.wait(5)  # the line the dump must name
        line = parked.__code__.co_firstlineno + 2
        thread = threading.Thread(target=parked, name='jwsgi-channel-0')
        thread.start()
        ready.wait(5)
        try:
            out = io.StringIO()
            text = dump_stacks('request_timeout', {thread.ident: 'req-42'}, out)
        finally:
            release.set()
            thread.join()
        self.assertEqual(out.getvalue(), text)
        lines = text.splitlines()
        self.assertRegex(lines[0], r'^stack dump pid=\d+ reason=request_timeout$')
        self.assertIn('thread %d name=jwsgi-channel-0 request_id=req-42' % thread.ident, lines)
        self.assertIn('thread %d name=MainThread request_id=-' % threading.main_thread().ident, lines)
        section = text.split('thread %d name=jwsgi-channel-0' % thread.ident)[1].split('\nthread ')[0]
        self.assertIn('line %d, in parked' % line, section)
        self.assertTrue(re.search(r'File ".*test_control.py", line %d' % line, section))


class InterruptTest(unittest.TestCase):

    def test_request_timeout_is_raised_in_that_thread_only(self):
        results = {}
        running = threading.Event()

        def busy(name):
            try:
                running.set()
                deadline = time.monotonic() + 5
                while time.monotonic() < deadline:
                    time.sleep(0.01)
                results[name] = 'finished'
            except mod_wsgi.RequestTimeout:
                results[name] = 'interrupted'
        victim = threading.Thread(target=busy, args=('victim',))
        victim.start()
        running.wait(5)
        self.assertTrue(interrupt_thread(victim.ident, mod_wsgi.RequestTimeout))
        victim.join(5)
        self.assertEqual(results, {'victim': 'interrupted'})
        self.assertTrue(issubclass(mod_wsgi.RequestTimeout, BaseException))
        self.assertFalse(issubclass(mod_wsgi.RequestTimeout, Exception))

    def test_unknown_thread_is_reported_and_a_cancelled_interrupt_never_fires(self):
        self.assertFalse(interrupt_thread(1, mod_wsgi.RequestTimeout))
        outcome = []
        gate = threading.Event()

        def waiting():
            gate.wait(5)
            try:
                for _ in range(100):
                    time.sleep(0.001)
                outcome.append('clean')
            except mod_wsgi.RequestTimeout:
                outcome.append('interrupted')
        thread = threading.Thread(target=waiting)
        thread.start()
        time.sleep(0.05)
        interrupt_thread(thread.ident, mod_wsgi.RequestTimeout)
        cancel_interrupt(thread.ident)
        gate.set()
        thread.join(5)
        self.assertEqual(outcome, ['clean'])


if __name__ == '__main__':
    unittest.main()
