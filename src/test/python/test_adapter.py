"""The adapter over a real AF_UNIX socketpair, the test playing the Java front end."""

import contextlib
import io
import os
import sys
import tempfile
import threading
import unittest

from front_end import Exchange, FixedApplication, Response, base_environ, frame, request_frames

from jwsgi import mod_wsgi
from jwsgi.adapter import Adapter
from jwsgi.channel import ChannelClosed

CONFIG = {'process_group': 'main', 'application_group': '', 'processes': 2, 'multiprocess': True,
          'threads': 4, 'server_software': 'jwsgi/0.1.0', 'maximum_requests': 0}


@contextlib.contextmanager
def captured_stderr():
    saved = sys.stderr
    sys.stderr = io.StringIO()
    try:
        yield sys.stderr
    finally:
        sys.stderr = saved


class AdapterTest(unittest.TestCase):

    def serve(self, app, environ=None, body=(), more=False, body_source=None, config=CONFIG):
        exchange = Exchange(Adapter(config, FixedApplication(app)))
        try:
            return exchange.request(environ or base_environ(), body, more, body_source)
        finally:
            exchange.close()

    def simple(self, body=b'hello', headers=None):
        def app(environ, start_response):
            start_response('200 OK', headers or [('Content-Type', 'text/plain')])
            return [body]
        return app


class EnvironTest(AdapterTest):

    def test_environ_has_the_constant_and_request_keys_and_no_https(self):
        seen = {}

        def app(environ, start_response):
            seen.update(environ)
            start_response('200 OK', [])
            return []
        self.serve(app, base_environ(HTTPS='on'))
        self.assertEqual(seen['wsgi.version'], (1, 0))
        self.assertIs(seen['wsgi.multithread'], True)
        self.assertIs(seen['wsgi.multiprocess'], True)
        self.assertIs(seen['wsgi.run_once'], False)
        self.assertIs(seen['wsgi.input_terminated'], True)
        self.assertIs(seen['wsgi.file_wrapper'], mod_wsgi.FileWrapper)
        self.assertEqual(seen['mod_wsgi.process_group'], 'main')
        self.assertEqual(seen['mod_wsgi.application_group'], '')
        self.assertEqual(seen['mod_wsgi.callable_object'], 'application')
        self.assertEqual(seen['mod_wsgi.version'], mod_wsgi.version)
        self.assertEqual(seen['mod_wsgi.thread_id'], 1)
        self.assertEqual(seen['SERVER_SOFTWARE'], 'jwsgi/0.1.0')
        self.assertEqual(seen['PATH_INFO'], '/')
        self.assertEqual(seen['wsgi.url_scheme'], 'http')
        # The front end sends HTTPS only when the user set it with --setenv; it reaches the app as sent, and
        # wsgi.url_scheme (decided by the front end) is what the worker passes on, not derived from it.
        self.assertEqual(seen['HTTPS'], 'on')
        self.assertTrue(hasattr(seen['wsgi.input'], 'read'))
        self.assertTrue(hasattr(seen['wsgi.errors'], 'write'))

    def test_request_start_becomes_float_epoch_seconds(self):
        seen = {}

        def app(environ, start_response):
            seen['start'] = environ['mod_wsgi.request_start']
            start_response('200 OK', [])
            return []
        self.serve(app)
        self.assertIsInstance(seen['start'], float)
        self.assertAlmostEqual(seen['start'], 1700000000.123456, places=5)

    def test_run_once_only_for_one_thread_and_one_request(self):
        seen = {}

        def app(environ, start_response):
            seen.update(environ)
            start_response('200 OK', [])
            return []
        self.serve(app, config=dict(CONFIG, threads=1, maximum_requests=1, multiprocess=False))
        self.assertIs(seen['wsgi.run_once'], True)
        self.assertIs(seen['wsgi.multithread'], False)
        self.assertIs(seen['wsgi.multiprocess'], False)

    def test_latin1_path_info_arrives_as_one_code_point_per_byte(self):
        seen = {}

        def app(environ, start_response):
            seen['path'] = environ['PATH_INFO']
            start_response('200 OK', [])
            return []
        self.serve(app, base_environ(PATH_INFO='/caf\u00c3\u00a9'))
        self.assertEqual(seen['path'].encode('latin-1').decode('utf-8'), '/caf\u00e9')

    def test_wsgi_errors_prefixes_every_line_with_the_request_id(self):
        def app(environ, start_response):
            errors = environ['wsgi.errors']
            errors.write('one\ntwo')
            errors.writelines([' halves\n', 'three\n'])
            errors.write('tail')
            start_response('200 OK', [])
            return []
        with captured_stderr() as err:
            self.serve(app)
        self.assertEqual(err.getvalue(), '[r1] one\n[r1] two halves\n[r1] three\n[r1] tail\n')


class InputTest(AdapterTest):

    def echo(self, reader):
        def app(environ, start_response):
            data = reader(environ['wsgi.input'])
            start_response('200 OK', [])
            return [data]
        return app

    def test_read_all_of_a_pushed_body(self):
        for reader in (lambda i: i.read(), lambda i: i.read(-1), lambda i: i.read(None)):
            r = self.serve(self.echo(reader), body=[b'abc', b'def'])
            self.assertEqual(r.body, b'abcdef')
            self.assertNotIn('R', r.types)

    def test_read_pulls_with_R_after_M_and_stops_at_E(self):
        r = self.serve(self.echo(lambda i: i.read()), body=[b'ab'], more=True,
                       body_source=[b'cd', b'ef'])
        self.assertEqual(r.body, b'abcdef')
        self.assertEqual([f for f in r.frames if f[0] == 'R'], [('R', 1 << 20)] * 3)

    def test_read_n_returns_n_bytes_across_pulls_and_b_empty_at_end(self):
        def reader(i):
            parts = [i.read(3), i.read(3), i.read(3), i.read(3)]
            return b'|'.join(parts)
        r = self.serve(self.echo(reader), body=[b'ab'], more=True, body_source=[b'c', b'defg'])
        self.assertEqual(r.body, b'abc|def|g|')
        self.assertEqual(r.frames[0], ('R', 64 * 1024))

    def test_chunked_body_without_content_length(self):
        def reader(i):
            return b''.join(iter(lambda: i.read(4), b''))
        env = base_environ(REQUEST_METHOD='POST', HTTP_TRANSFER_ENCODING='chunked')
        r = self.serve(self.echo(reader), env, more=True, body_source=[b'hello ', b'world'])
        self.assertEqual(r.body, b'hello world')

    def test_expect_continue_pushes_nothing_and_reads_on_request(self):
        r = self.serve(self.echo(lambda i: i.read()), more=True, body_source=[b'x' * 10])
        self.assertEqual(r.body, b'x' * 10)
        self.assertEqual(r.types, 'RRHDE')

    def test_no_read_at_all_leaves_the_channel_clean(self):
        r = self.serve(self.simple(), more=True, body_source=[b'never'])
        self.assertEqual(r.types, 'HDE')

    def test_readline_variants_and_iteration(self):
        def reader(i):
            out = [i.readline(), i.readline(2), i.readline(), i.readline()]
            out.append(b''.join(i))
            return b'|'.join(out)
        r = self.serve(self.echo(reader), body=[b'one\ntw'], more=True,
                       body_source=[b'o\nthr', b'ee\nfour\nfive'])
        self.assertEqual(r.body, b'one\n|tw|o\n|three\n|four\nfive')

    def test_readlines_with_and_without_hint(self):
        r = self.serve(self.echo(lambda i: b'%d' % len(i.readlines())), body=[b'a\nb\nc\n'])
        self.assertEqual(r.body, b'3')
        r = self.serve(self.echo(lambda i: b'%d' % len(i.readlines(3))), body=[b'a\nb\nc\n'])
        self.assertEqual(r.body, b'2')

    def test_read_after_end_is_empty_and_close_is_harmless(self):
        def reader(i):
            first = i.read()
            rest = i.read(), i.read(5), i.readline()
            i.close()
            return first + b''.join(rest)
        r = self.serve(self.echo(reader), body=[b'xyz'])
        self.assertEqual(r.body, b'xyz')


class StartResponseTest(AdapterTest):

    def failing(self, status, headers):
        def app(environ, start_response):
            start_response(status, headers)
            return [b'should not be sent']
        with captured_stderr() as err:
            r = self.serve(app)
        self.assertEqual(r.types, 'X')
        self.assertIn('[r1] Traceback', err.getvalue())
        return r

    def test_invalid_status_fails_with_S(self):
        for status in ('2000 OK', 'OK', '200OK', '20 OK', '200 O\nK', '200  \x7f', 200, b'200 OK'):
            r = self.failing(status, [])
            self.assertEqual(r.fail[0], 'S', status)

    def test_bare_status_code_is_accepted(self):
        r = self.serve(_status_app('204'))
        self.assertEqual(r.status, '204')

    def test_invalid_headers_fail_with_S(self):
        cases = [
            [('Bad Name', 'x')], [('Bad:Name', 'x')], [('', 'x')],
            [('X-Split', 'a\r\nInjected: yes')], [('X-LF', 'a\nb')], [('X-Nul', 'a\x00')],
            [('X-Euro', '\u20ac')], [('X-Bytes', b'v')], [(b'X-Bytes', 'v')], [['X-List', 'v']],
            [('X-Three', 'a', 'b')], ('not', 'a list'), [('Content-Length', 'ten')],
        ]
        for headers in cases:
            r = self.failing('200 OK', headers)
            self.assertEqual(r.fail[0], 'S', headers)

    def test_tab_and_latin1_in_header_values_are_allowed(self):
        r = self.serve(self.simple(headers=[('X-Tab', 'a\tb'), ('X-Latin', 'caf\u00e9')]))
        self.assertEqual(r.headers, [('X-Tab', 'a\tb'), ('X-Latin', 'caf\u00e9')])

    def test_second_call_without_exc_info_raises(self):
        seen = {}

        def app(environ, start_response):
            start_response('200 OK', [])
            try:
                start_response('500 Oops', [])
            except RuntimeError as e:
                seen['error'] = e
            return [b'ok']
        r = self.serve(app)
        self.assertIsInstance(seen['error'], RuntimeError)
        self.assertEqual((r.status, r.body), ('200 OK', b'ok'))

    def test_exc_info_before_headers_sent_replaces_them(self):
        def app(environ, start_response):
            start_response('200 OK', [('X-First', '1')])
            try:
                raise ValueError('boom')
            except ValueError:
                start_response('500 Internal Server Error', [('X-Second', '2')], sys.exc_info())
            return [b'error page']
        r = self.serve(app)
        self.assertEqual(r.status, '500 Internal Server Error')
        self.assertEqual(r.headers, [('X-Second', '2')])
        self.assertEqual(r.body, b'error page')

    def test_exc_info_after_headers_sent_reraises_and_fails_late(self):
        def app(environ, start_response):
            write = start_response('200 OK', [])
            write(b'partial')
            try:
                raise KeyError('original')
            except KeyError:
                start_response('500 Oops', [], sys.exc_info())
            return [b'never']
        with captured_stderr() as err:
            r = self.serve(app)
        self.assertEqual(r.types, 'HDX')
        self.assertEqual(r.fail[0], 'L')
        self.assertIn("KeyError: 'original'", err.getvalue())

    def test_write_callable_sends_headers_then_data(self):
        def app(environ, start_response):
            write = start_response('200 OK', [('Content-Type', 'text/plain')])
            write(b'one')
            write(b'')
            write(b'two')
            return []
        r = self.serve(app)
        self.assertEqual(r.types, 'HDDE')
        self.assertEqual(r.body, b'onetwo')

    def test_write_rejects_str(self):
        def app(environ, start_response):
            start_response('200 OK', [])('text')
            return []
        with captured_stderr():
            r = self.serve(app)
        self.assertEqual(r.fail[0], 'A')
        self.assertIn('TypeError', r.fail[1])

    def test_no_start_response_is_an_application_failure(self):
        with captured_stderr():
            r = self.serve(lambda environ, start_response: [b'x'])
        self.assertEqual(r.fail[0], 'A')


def _status_app(status):
    def app(environ, start_response):
        start_response(status, [])
        return []
    return app


class ResponseTest(AdapterTest):

    def test_list_response_is_one_H_D_E(self):
        r = self.serve(self.simple())
        self.assertEqual(r.types, 'HDE')
        self.assertEqual(r.status, '200 OK')
        self.assertEqual(r.body, b'hello')

    def test_duplicate_set_cookie_headers_stay_separate_and_in_order(self):
        headers = [('Set-Cookie', 'a=1'), ('Content-Type', 'text/plain'), ('Set-Cookie', 'b=2'),
                   ('WWW-Authenticate', 'Basic'), ('WWW-Authenticate', 'Bearer')]
        r = self.serve(self.simple(headers=headers))
        self.assertEqual(r.headers, headers)

    def test_generator_streams_one_D_per_nonempty_chunk_with_lazy_headers(self):
        def app(environ, start_response):
            start_response('200 OK', [])
            yield b''
            yield b'a'
            yield b''
            yield b'b'
        r = self.serve(app)
        self.assertEqual(r.types, 'HDDE')

    def test_headers_can_be_replaced_until_the_first_nonempty_chunk(self):
        def app(environ, start_response):
            start_response('200 OK', [])
            yield b''
            try:
                raise RuntimeError('late')
            except RuntimeError:
                start_response('503 Busy', [], sys.exc_info())
            yield b'sorry'
        r = self.serve(app)
        self.assertEqual((r.status, r.body), ('503 Busy', b'sorry'))

    def test_empty_response_sends_headers_at_the_end(self):
        r = self.serve(_status_app('304 Not Modified'))
        self.assertEqual(r.types, 'HE')

    def test_content_length_truncates_and_stops_iteration(self):
        state = {'yielded': 0}

        def app(environ, start_response):
            start_response('200 OK', [('Content-Length', '5')])
            for chunk in (b'abc', b'defg', b'hij'):
                state['yielded'] += 1
                yield chunk
        r = self.serve(app)
        self.assertEqual(r.body, b'abcde')
        self.assertEqual(state['yielded'], 2)
        r = self.serve(self.simple(body=b'0123456789', headers=[('Content-Length', '4')]))
        self.assertEqual((r.types, r.body), ('HDE', b'0123'))

    def test_non_bytes_item_fails_before_headers_with_A(self):
        with captured_stderr() as err:
            r = self.serve(self.simple(body='text'))
        self.assertEqual(r.fail[0], 'A')
        self.assertIn('TypeError', err.getvalue())

    def test_exception_after_headers_fails_late(self):
        def app(environ, start_response):
            start_response('200 OK', [])
            yield b'first'
            raise ValueError('midway')
        with captured_stderr() as err:
            r = self.serve(app)
        self.assertEqual(r.types, 'HDX')
        self.assertEqual(r.fail, ('L', 'ValueError: midway'))
        lines = err.getvalue().splitlines()
        self.assertTrue(lines and all(line.startswith('[r1] ') for line in lines), lines)

    def test_close_is_called_on_success_and_on_failure(self):
        for fail in (False, True):
            closed = []

            class Body(object):
                def __iter__(self):
                    yield b'x'
                    if fail:
                        raise ValueError('no')

                def close(self):
                    closed.append(True)

            def app(environ, start_response):
                start_response('200 OK', [])
                return Body()
            with captured_stderr():
                r = self.serve(app)
            self.assertEqual(closed, [True])
            self.assertEqual(r.types, 'HDX' if fail else 'HDE')

    def test_close_runs_before_the_response_end(self):
        order = []

        def app(environ, start_response):
            start_response('200 OK', [])

            def gen():
                try:
                    yield b'x'
                finally:
                    order.append('close')
            return gen()
        r = self.serve(app)
        self.assertEqual(order, ['close'])
        self.assertEqual(r.types, 'HDE')

    def test_close_called_and_channel_dropped_when_peer_closes_mid_stream(self):
        closed = threading.Event()
        started = threading.Event()

        def app(environ, start_response):
            start_response('200 OK', [])

            def gen():
                try:
                    yield b'first'
                    started.set()
                    while True:
                        yield b'x' * 65536
                finally:
                    closed.set()
            return gen()
        exchange = Exchange(Adapter(CONFIG, FixedApplication(app)))
        exchange.front.send(request_frames(base_environ()))
        with captured_stderr() as err:
            exchange.start()
            self.assertEqual(exchange.front.read_frame()[0], 'H')
            started.wait(5)
            exchange.front.sock.close()
            exchange.join()
        self.assertTrue(closed.is_set())
        self.assertIsInstance(exchange.error, ChannelClosed)
        self.assertTrue(exchange.channel.broken)
        self.assertNotIn('Traceback', err.getvalue())
        exchange.channel.close()

    def test_application_swallowing_a_write_error_does_not_touch_the_channel_again(self):
        gone = threading.Event()

        def app(environ, start_response):
            write = start_response('200 OK', [])
            write(b'first')
            gone.wait(5)
            try:
                for _ in range(100):
                    write(b'x' * 65536)
            except OSError:
                pass
            return [b'after the error']
        exchange = Exchange(Adapter(CONFIG, FixedApplication(app)))
        exchange.front.send(request_frames(base_environ()))
        exchange.start()
        self.assertEqual(exchange.front.read_frame()[0], 'H')
        exchange.front.sock.close()
        gone.set()
        exchange.join()
        self.assertIsInstance(exchange.error, ChannelClosed)
        exchange.channel.close()


class FileWrapperTest(AdapterTest):

    def setUp(self):
        handle, self.path = tempfile.mkstemp()
        with os.fdopen(handle, 'wb') as f:
            f.write(bytes(range(256)) * 100)

    def tearDown(self):
        os.unlink(self.path)

    def file_app(self, headers=(), skip=0, opener=None, holder=None):
        def app(environ, start_response):
            f = (opener or (lambda: open(self.path, 'rb')))()
            if skip:
                f.seek(skip)
            if holder is not None:
                holder.append(f)
            start_response('200 OK', list(headers))
            return environ['wsgi.file_wrapper'](f, 4096)
        return app

    def test_real_file_goes_by_sendfile_from_the_current_offset_with_content_length(self):
        holder = []
        r = self.serve(self.file_app(skip=100, holder=holder))
        self.assertEqual(r.types, 'HDE')
        self.assertEqual(r.body, (bytes(range(256)) * 100)[100:])
        self.assertEqual(r.header('Content-Length'), str(25600 - 100))
        self.assertTrue(holder[0].closed)

    def test_app_content_length_limits_the_sendfile(self):
        r = self.serve(self.file_app(headers=[('Content-Length', '10')]))
        self.assertEqual(r.body, bytes(range(10)))

    def test_sendfile_refused_falls_back_to_reading(self):
        import jwsgi.channel as channel_module

        def refuse(*args):
            raise OSError(22, 'Invalid argument')
        saved = channel_module.os.sendfile
        channel_module.os.sendfile = refuse
        try:
            r = self.serve(self.file_app())
        finally:
            channel_module.os.sendfile = saved
        self.assertEqual(r.body, bytes(range(256)) * 100)

    def test_file_like_without_fileno_is_iterated(self):
        data = bytes(range(256)) * 100
        r = self.serve(self.file_app(opener=lambda: io.BytesIO(data)))
        self.assertEqual(r.body, data)
        self.assertEqual(r.types, 'H' + 'D' * 7 + 'E')

    def test_file_wrapper_class_iterates_and_closes(self):
        f = io.BytesIO(b'abcdef')
        wrapper = mod_wsgi.FileWrapper(f, 4)
        self.assertEqual((wrapper.filelike, wrapper.blksize), (f, 4))
        self.assertEqual(list(wrapper), [b'abcd', b'ef'])
        wrapper.close()
        self.assertTrue(f.closed)


class FailureTest(AdapterTest):

    def test_exception_before_headers_is_A_with_prefixed_traceback(self):
        def app(environ, start_response):
            raise ZeroDivisionError('nope')
        with captured_stderr() as err:
            r = self.serve(app)
        self.assertEqual(r.fail, ('A', 'ZeroDivisionError: nope'))
        self.assertTrue(all(line.startswith('[r1] ') for line in err.getvalue().splitlines()))

    def test_channel_is_clean_after_X_for_the_next_request(self):
        calls = []

        def app(environ, start_response):
            calls.append(environ['PATH_INFO'])
            if len(calls) == 1:
                raise ValueError('first fails')
            start_response('200 OK', [])
            return [b'second']
        exchange = Exchange(Adapter(CONFIG, FixedApplication(app)))
        try:
            with captured_stderr():
                first = exchange.request(base_environ(PATH_INFO='/1'), body=[b'ignored'])
            second = exchange.request(base_environ(PATH_INFO='/2'))
        finally:
            exchange.close()
        self.assertEqual(first.types, 'X')
        self.assertEqual(second.body, b'second')

    def test_unexpected_frame_is_a_protocol_error(self):
        from jwsgi.channel import ProtocolError
        exchange = Exchange(Adapter(CONFIG, FixedApplication(self.simple())))
        exchange.front.send(frame('D', b'x'))
        exchange.start()
        exchange.join()
        self.assertIsInstance(exchange.error, ProtocolError)
        exchange.close()

    def test_idle_close_is_reported_as_idle(self):
        exchange = Exchange(Adapter(CONFIG, FixedApplication(self.simple())))
        exchange.front.sock.close()
        exchange.start()
        exchange.join()
        self.assertIsInstance(exchange.error, ChannelClosed)
        self.assertTrue(exchange.error.idle)
        exchange.channel.close()


class EventsTest(AdapterTest):

    def tearDown(self):
        del mod_wsgi.event_callbacks[:]

    def test_request_events_and_active_requests(self):
        events = []

        def callback(name, **payload):
            events.append((name, payload))
            if name == 'request_started':
                payload['request_data']['seen'] = True
                inner = payload['application_object']

                def wrapped(environ, start_response):
                    events.append(('active', dict(mod_wsgi.active_requests)))
                    events.append(('data', mod_wsgi.request_data()))
                    return inner(environ, start_response)
                return {'application_object': wrapped}
        mod_wsgi.subscribe_events(callback)
        r = self.serve(self.simple())
        self.assertEqual(r.body, b'hello')
        names = [name for name, _ in events]
        self.assertEqual(names, ['request_started', 'active', 'data', 'response_started',
                                 'request_finished'])
        started = events[0][1]
        self.assertEqual((started['request_id'], started['thread_id']), ('r1', 1))
        self.assertAlmostEqual(started['request_start'], 1700000000.123456, places=5)
        self.assertEqual(events[1][1]['r1']['thread_id'], 1)
        self.assertEqual(events[2][1], {'seen': True})
        finished = events[4][1]
        self.assertEqual((finished['status'], finished['output_length']), (200, 5))
        self.assertGreaterEqual(finished['application_time'], 0)
        self.assertEqual(mod_wsgi.active_requests, {})
        self.assertRaises(RuntimeError, mod_wsgi.request_data)

    def test_request_exception_event(self):
        events = []
        mod_wsgi.subscribe_events(lambda name, **payload: events.append((name, payload)))

        def app(environ, start_response):
            raise LookupError('x')
        with captured_stderr():
            self.serve(app)
        exceptions = [p for n, p in events if n == 'request_exception']
        self.assertIs(exceptions[0]['exception_info'][0], LookupError)
        finished = [p for n, p in events if n == 'request_finished']
        self.assertEqual(finished[0]['status'], 0)


if __name__ == '__main__':
    unittest.main()
