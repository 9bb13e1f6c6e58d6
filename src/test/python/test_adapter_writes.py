"""How many writes a response takes: a small list response and an iterable whose last chunk completes the
Content-Length each leave in one sendmsg, with close() still before `E`."""

import io
import sys
import unittest

from front_end import Exchange, FixedApplication, base_environ

from jwsgi.adapter import Adapter
from jwsgi.channel import Channel

CONFIG = {'process_group': 'main', 'application_group': '', 'processes': 1, 'multiprocess': False,
          'threads': 1, 'server_software': 'jwsgi/test', 'maximum_requests': 0}


class CountingChannel(Channel):
    __slots__ = ('writes',)

    def sendv(self, buffers):
        self.writes.append([bytes(b) for b in buffers])
        Channel.sendv(self, buffers)

    def send(self, data):
        self.writes.append([bytes(data)])
        Channel.send(self, data)


class Body(object):
    """An iterable response with close(), like a framework's response object."""

    def __init__(self, chunks, events, fail_close=False):
        self.chunks, self.events, self.fail_close = chunks, events, fail_close

    def __iter__(self):
        for chunk in self.chunks:
            self.events.append('yield')
            yield chunk

    def close(self):
        self.events.append('close')
        if self.fail_close:
            raise ValueError('close failed')


class WritesTest(unittest.TestCase):

    def serve(self, app):
        exchange = Exchange(Adapter(CONFIG, FixedApplication(app)))
        channel = exchange.channel
        counting = CountingChannel(channel.sock)
        counting.writes = []
        exchange.channel = counting
        saved, sys.stderr = sys.stderr, io.StringIO()
        try:
            response = exchange.request(base_environ())
        finally:
            sys.stderr = saved
            exchange.close()
        return response, counting.writes

    def test_iterable_completing_its_content_length_is_one_write_after_close(self):
        events = []

        def app(environ, start_response):
            start_response('200 OK', [('Content-Type', 'application/json'), ('Content-Length', '11')])
            return Body([b'{"ok": true}'], events)  # 12 bytes: the Content-Length cuts one
        r, writes = self.serve(app)
        self.assertEqual(r.types, 'HDE')
        self.assertEqual(r.body, b'{"ok": true')
        self.assertEqual(len(writes), 1, writes)
        self.assertEqual(events, ['yield', 'close'])

    def test_chunks_before_the_last_one_still_stream_at_once(self):
        events = []

        def app(environ, start_response):
            start_response('200 OK', [('Content-Length', '6')])
            return Body([b'abc', b'def', b'never'], events)
        r, writes = self.serve(app)
        self.assertEqual((r.types, r.body), ('HDDE', b'abcdef'))
        self.assertEqual(len(writes), 2, writes)
        self.assertEqual(events, ['yield', 'yield', 'close'])

    def test_close_failing_after_the_held_chunk_ends_the_started_response(self):
        def app(environ, start_response):
            start_response('200 OK', [('Content-Length', '2')])
            return Body([b'ok'], [], fail_close=True)
        r, writes = self.serve(app)
        self.assertEqual(r.types, 'HDX')
        self.assertEqual(r.fail, ('L', 'ValueError: close failed'))
        self.assertEqual(len(writes), 1, writes)

    def test_without_content_length_the_end_follows_separately(self):
        def app(environ, start_response):
            start_response('200 OK', [])
            return Body([b'x'], [])
        r, writes = self.serve(app)
        self.assertEqual((r.types, r.body), ('HDE', b'x'))
        self.assertEqual(len(writes), 2, writes)

    def test_small_list_response_is_one_buffer(self):
        def app(environ, start_response):
            start_response('200 OK', [('Content-Length', '12')])
            return [b'Hello world!']
        r, writes = self.serve(app)
        self.assertEqual((r.types, r.body), ('HDE', b'Hello world!'))
        self.assertEqual([len(w) for w in writes], [1])


if __name__ == '__main__':
    unittest.main()
