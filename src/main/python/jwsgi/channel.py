"""The worker side of the channel protocol (docs/protocol.md): frame codec and socket I/O.

A channel is one UNIX-domain stream connection owned by one worker thread. Frames are a 5-byte header
(type letter, uint32 big-endian length) and a payload. Reading goes through one reusable receive buffer per
channel: a small request (`Q` plus its pushed `B`/`E`) is usually one ``recv_into``; writing gathers frames
into one ``sendmsg`` so a small response (`H` + `D` + `E`) is one system call and no copy.

Nothing here knows about WSGI; ``adapter`` builds on it. ``parse_frames`` is the pure decoder the golden
vector tests use.
"""

import errno
import os
import socket
import struct

HEADER = struct.Struct('>BI')
UINT32 = struct.Struct('>I')
HEADER_SIZE = 5

# Frame types, as the integer the header carries.
HELLO = ord('W')
REQUEST = ord('Q')
BODY = ord('B')
MORE = ord('M')
END = ord('E')
READ = ord('R')
HEADERS = ord('H')
DATA = ord('D')
FAIL = ord('X')

# FAIL reasons: the Java side maps them to statuses (io.jwsgi.frontend.Failure).
FAIL_APPLICATION = b'A'
FAIL_START_RESPONSE = b'S'
FAIL_LATE = b'L'

# Largest payload this side accepts per incoming frame type; anything else is a protocol error.
# `B` is checked against what was asked for by the reader (see adapter); here only a hard ceiling.
MAX_REQUEST = 1 << 20
MAX_BODY = 1 << 20
INCOMING_LIMITS = {REQUEST: MAX_REQUEST, BODY: MAX_BODY, MORE: 0, END: 0}

END_FRAME = HEADER.pack(END, 0)
_EMPTY_LENGTH = b'\x00\x00\x00\x00'
MAX_DATA_FRAME = 0xFFFFFFFF

_INITIAL_BUFFER = 64 * 1024
_PEER_GONE = (errno.EPIPE, errno.ECONNRESET, errno.ENOTCONN)


class ChannelClosed(OSError):
    """The Java side closed the channel (or it broke). ``idle`` is true when no frame was in progress."""

    def __init__(self, message, idle=False):
        OSError.__init__(self, message)
        self.idle = idle


class ProtocolError(Exception):
    """The peer sent something docs/protocol.md does not allow; the channel must be dropped."""


def frame(ftype, payload=b''):
    """One encoded frame: ``ftype`` is the type letter as a str, ``payload`` bytes."""
    return HEADER.pack(ord(ftype), len(payload)) + payload


def parse_frames(data):
    """Decode a complete byte string into ``[(type letter, payload bytes), ...]`` (no limits checked)."""
    frames = []
    view = memoryview(data)
    pos = 0
    while pos < len(view):
        if len(view) - pos < HEADER_SIZE:
            raise ProtocolError('truncated frame header at offset %d' % pos)
        ftype, length = HEADER.unpack_from(view, pos)
        pos += HEADER_SIZE
        if len(view) - pos < length:
            raise ProtocolError('truncated %r payload at offset %d' % (chr(ftype), pos))
        frames.append((chr(ftype), bytes(view[pos:pos + length])))
        pos += length
    return frames


class Channel(object):
    """One connected channel. Not thread-safe: it belongs to one worker thread."""

    __slots__ = ('sock', 'fd', '_buf', '_view', '_start', '_end', 'broken')

    def __init__(self, sock):
        self.sock = sock
        self.fd = sock.fileno()
        self._buf = bytearray(_INITIAL_BUFFER)
        self._view = memoryview(self._buf)
        self._start = 0
        self._end = 0
        # Set once a read or write failed: the rest of the request must not touch the socket again.
        self.broken = False

    @classmethod
    def connect(cls, path):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(path)
        except BaseException:
            sock.close()
            raise
        return cls(sock)

    def hello(self, token, pid, slot, thread_index):
        self.send(frame('W', ('%s %d %d %d' % (token, pid, slot, thread_index)).encode('ascii')))

    def close(self):
        self.broken = True
        try:
            self.sock.close()
        except OSError:
            pass

    # -- reading ---------------------------------------------------------------------------------------

    def read_frame(self, view=False):
        """Return ``(type, payload bytes)`` of the next frame; raises ChannelClosed or ProtocolError.

        With ``view`` true the payload is a memoryview into the receive buffer instead of a copy: valid
        only until the next call on this channel (the environ is decoded from it in place).
        """
        buf = self._buf
        while True:
            start = self._start
            avail = self._end - start
            if avail >= HEADER_SIZE:
                ftype, length = HEADER.unpack_from(buf, start)
                limit = INCOMING_LIMITS.get(ftype)
                if limit is None or length > limit:
                    self.broken = True
                    raise ProtocolError('unexpected frame %r length %d' % (chr(ftype), length))
                if avail >= HEADER_SIZE + length:
                    start += HEADER_SIZE
                    end = start + length
                    if not length:
                        payload = b''
                    elif view:
                        payload = self._view[start:end]
                    else:
                        payload = bytes(self._view[start:end])
                    if end == self._end:
                        self._start = self._end = 0
                    else:
                        self._start = end
                    return ftype, payload
                self._fill(HEADER_SIZE + length)
                buf = self._buf
            else:
                self._fill(HEADER_SIZE)
                buf = self._buf

    def next_is_end(self):
        """True, and the frame consumed, when an empty `E` frame is next in the buffer (no system call)."""
        start = self._start
        if self._end - start >= HEADER_SIZE and self._buf[start] == END and \
                self._buf[start + 1:start + HEADER_SIZE] == _EMPTY_LENGTH:
            start += HEADER_SIZE
            if start == self._end:
                self._start = self._end = 0
            else:
                self._start = start
            return True
        return False

    def _fill(self, need):
        """Receive until at least ``need`` bytes of the current frame are buffered."""
        if self._start + need > len(self._buf):
            pending = self._end - self._start
            if need > len(self._buf):
                grown = bytearray(max(need, 2 * len(self._buf)))
                grown[:pending] = self._view[self._start:self._end]
                self._buf = grown
                self._view = memoryview(grown)
            else:
                # Same-size slice assignment: allowed while self._view exists, and memmove-safe.
                self._buf[:pending] = self._view[self._start:self._end]
            self._start, self._end = 0, pending
        view = self._view
        try:
            while self._end - self._start < need:
                n = self.sock.recv_into(view[self._end:])
                if n == 0:
                    idle = self._end == self._start
                    self.broken = True
                    raise ChannelClosed('channel closed by the front end', idle)
                self._end += n
        except ChannelClosed:
            raise
        except OSError as e:
            self.broken = True
            raise ChannelClosed('channel read failed: %s' % e)

    # -- writing ---------------------------------------------------------------------------------------

    def send(self, data):
        try:
            self.sock.sendall(data)
        except OSError as e:
            self.broken = True
            raise ChannelClosed('channel write failed: %s' % e)

    def sendv(self, buffers):
        """Send a list of bytes-like objects with one ``sendmsg`` (gather write) where possible."""
        try:
            sent = self.sock.sendmsg(buffers)
            total = 0
            for b in buffers:
                total += len(b)
            if sent < total:
                # Partial gather write (a huge response or a signal): finish the rest the simple way.
                rest = b''.join(buffers)
                self.sock.sendall(memoryview(rest)[sent:])
        except OSError as e:
            self.broken = True
            raise ChannelClosed('channel write failed: %s' % e)

    def sendfile(self, fd, offset, count):
        """Send ``count`` bytes of ``fd`` from ``offset`` as `D` frames, by ``os.sendfile``.

        When the kernel refuses sendfile for this pair of descriptors (EINVAL, ENOSYS... at the first call,
        before any payload byte went out) the announced frame is filled with ``os.pread`` instead. A file
        that turns out shorter than ``count`` leaves a `D` frame unfinished: the channel is unusable and
        ChannelClosed is raised.
        """
        use_sendfile = True
        while count > 0:
            piece = min(count, MAX_DATA_FRAME)
            self.send(HEADER.pack(DATA, piece))
            remaining = piece
            while remaining > 0 and use_sendfile:
                try:
                    n = os.sendfile(self.fd, fd, offset, remaining)
                except OSError as e:
                    if remaining == piece and e.errno not in _PEER_GONE:
                        use_sendfile = False
                        break
                    self.broken = True
                    raise ChannelClosed('sendfile failed: %s' % e)
                if n == 0:
                    self.broken = True
                    raise ChannelClosed('file shorter than announced (%d bytes missing)' % remaining)
                offset += n
                remaining -= n
            if remaining:
                self._fill_from_file(fd, offset, remaining)
                offset += remaining
            count -= piece

    def _fill_from_file(self, fd, offset, count):
        while count > 0:
            data = os.pread(fd, min(count, 256 * 1024), offset)
            if not data:
                self.broken = True
                raise ChannelClosed('file shorter than announced (%d bytes missing)' % count)
            self.send(data)
            offset += len(data)
            count -= len(data)
