"""The channel codec: frame parsing from the reusable receive buffer, limits, gather writes."""

import socket
import threading
import unittest

from front_end import encode_environ, frame

from jwsgi.channel import (MAX_REQUEST, Channel, ChannelClosed, ProtocolError, parse_frames)


class ChannelTest(unittest.TestCase):

    def setUp(self):
        self.worker_end, self.java_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        self.java_end.settimeout(10)
        self.channel = Channel(self.worker_end)

    def tearDown(self):
        self.channel.close()
        self.java_end.close()

    def feed(self, data, step):
        def send():
            for i in range(0, len(data), step):
                self.java_end.sendall(data[i:i + step])
        thread = threading.Thread(target=send, daemon=True)
        thread.start()
        return thread

    def read_all(self, count):
        return [(chr(t), p) for t, p in (self.channel.read_frame() for _ in range(count))]

    def test_frames_split_anywhere_are_reassembled(self):
        frames = [('Q', encode_environ({'PATH_INFO': '/'})), ('B', b'body'), ('E', b'')]
        thread = self.feed(b''.join(frame(t, p) for t, p in frames), 1)
        self.assertEqual(self.read_all(3), frames)
        thread.join()

    def test_request_bigger_than_the_initial_buffer_grows_it(self):
        big = encode_environ({'HTTP_COOKIE': 'c' * 300000})
        thread = self.feed(frame('Q', big) + frame('B', b'x' * 70000) + frame('E'), 10000)
        frames = self.read_all(3)
        thread.join()
        self.assertEqual([(t, len(p)) for t, p in frames], [('Q', len(big)), ('B', 70000), ('E', 0)])
        self.assertEqual(frames[0][1], big)

    def test_many_requests_through_the_same_buffer_compact_correctly(self):
        payloads = [bytes([i % 251]) * (1000 + 7919 * i % 60000) for i in range(40)]
        thread = self.feed(b''.join(frame('B', p) for p in payloads), 4093)
        self.assertEqual([p for _, p in self.read_all(len(payloads))], payloads)
        thread.join()

    def test_limits_and_unknown_types_are_protocol_errors(self):
        for data in (frame('Z'), frame('E', b'x'), frame('M', b'x'),
                     b'Q' + (MAX_REQUEST + 1).to_bytes(4, 'big'), frame('H', b'200 OK\r\n')):
            worker_end, java_end = socket.socketpair()
            channel = Channel(worker_end)
            java_end.sendall(data)
            with self.assertRaises(ProtocolError):
                channel.read_frame()
            self.assertTrue(channel.broken)
            channel.close()
            java_end.close()

    def test_close_between_frames_is_idle_and_inside_a_frame_is_not(self):
        self.java_end.sendall(frame('E')[:3])
        self.java_end.close()
        with self.assertRaises(ChannelClosed) as caught:
            self.channel.read_frame()
        self.assertFalse(caught.exception.idle)
        worker_end, java_end = socket.socketpair()
        java_end.close()
        with self.assertRaises(ChannelClosed) as caught:
            Channel(worker_end).read_frame()
        self.assertTrue(caught.exception.idle)
        worker_end.close()

    def test_gather_write_and_hello(self):
        self.channel.hello('tok', 12, 3, 4)
        self.channel.sendv([frame('H', b'200 OK\r\n'), frame('D', b'x'), frame('E')])
        data = b''
        while len(data) < (5 + 10) + (5 + 8) + (5 + 1) + 5:
            data += self.java_end.recv(4096)
        self.assertEqual(parse_frames(data), [('W', b'tok 12 3 4'), ('H', b'200 OK\r\n'), ('D', b'x'),
                                              ('E', b'')])

    def test_write_to_a_closed_peer_marks_the_channel_broken(self):
        self.java_end.close()
        with self.assertRaises(ChannelClosed):
            for _ in range(100):
                self.channel.sendv([frame('D', b'x' * 65536)])
        self.assertTrue(self.channel.broken)

    def test_parse_frames_rejects_truncated_input(self):
        self.assertRaises(ProtocolError, parse_frames, frame('D', b'abc')[:-1])
        self.assertRaises(ProtocolError, parse_frames, b'E\x00')


if __name__ == '__main__':
    unittest.main()
