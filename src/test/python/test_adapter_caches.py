"""The response-head caches of the adapter: a hit gives the same bytes as a miss, validation still applies
to everything not cached, and the caches stay bounded."""

import unittest

from jwsgi import adapter
from jwsgi.adapter import encode_head


class HeadCacheTest(unittest.TestCase):

    def setUp(self):
        adapter._HEADER_LINES.clear()
        adapter._STATUS_LINES.clear()

    def test_a_cached_head_encodes_exactly_as_the_first_time(self):
        headers = [('Content-Type', 'text/plain'), ('Content-Length', '12')]
        first = encode_head('200 OK', headers)
        self.assertIn(('Content-Type', 'text/plain'), adapter._HEADER_LINES)
        self.assertIn('200 OK', adapter._STATUS_LINES)
        again = encode_head('200 OK', list(headers))
        self.assertEqual(first, again)
        self.assertEqual(first, (b'200 OK\r\nContent-Type: text/plain\r\nContent-Length: 12\r\n', 12))

    def test_the_last_content_length_wins_also_from_the_cache(self):
        encode_head('200 OK', [('Content-Length', '5')])
        self.assertEqual(encode_head('200 OK', [('Content-Length', '5'), ('Content-Length', '7')])[1], 7)
        self.assertEqual(encode_head('200 OK', [('Content-Length', '7'), ('Content-Length', '5')])[1], 5)

    def test_invalid_headers_are_refused_even_next_to_cached_ones(self):
        encode_head('200 OK', [('X-A', '1')])
        with self.assertRaises(ValueError):
            encode_head('200 OK', [('X-A', '1'), ('X-A', '1\r\nX-Injected: yes')])
        with self.assertRaises(TypeError):
            encode_head('200 OK', [('X-A', '1'), ['X-A', '1']])
        with self.assertRaises(TypeError):
            encode_head('200 OK', [('X-A', ['unhashable'])])
        with self.assertRaises(ValueError):
            encode_head('200 OK', [('Content-Length', '-1')])
        self.assertNotIn(('X-A', '1\r\nX-Injected: yes'), adapter._HEADER_LINES)

    def test_invalid_status_is_refused_and_not_cached(self):
        for status in ('20 OK', '200 OK\r\nX: y', 'OK'):
            with self.assertRaises(ValueError):
                encode_head(status, [])
            self.assertNotIn(status, adapter._STATUS_LINES)
        with self.assertRaises(ValueError):
            encode_head('200 \u20ac', [])
        with self.assertRaises(TypeError):
            encode_head(b'200 OK', [])

    def test_non_latin1_value_is_refused(self):
        with self.assertRaises(ValueError) as caught:
            encode_head('200 OK', [('X-Euro', '\u20ac')])
        self.assertIn('X-Euro', str(caught.exception))

    def test_str_subclasses_are_encoded_but_not_cached(self):
        class S(str):
            pass
        self.assertEqual(encode_head('200 OK', [(S('X-A'), S('b'))])[0], b'200 OK\r\nX-A: b\r\n')
        self.assertEqual(len(adapter._HEADER_LINES), 0)

    def test_the_caches_stay_bounded(self):
        for i in range(3 * adapter._CACHE_MAX):
            encode_head('200 OK', [('ETag', '"%d"' % i)])
            self.assertLessEqual(len(adapter._HEADER_LINES), adapter._CACHE_MAX)
        long_value = 'x' * (adapter._CACHE_VALUE_MAX + 1)
        encode_head('200 OK', [('X-Long', long_value)])
        self.assertNotIn(('X-Long', long_value), adapter._HEADER_LINES)


if __name__ == '__main__':
    unittest.main()
