"""WSGI request handling on one channel: PEP 3333 modelled on mod_wsgi's adapter (catalogue §5.6).

``Adapter.serve()`` handles one exchange of docs/protocol.md: read `Q` and the pushed body up to `E`/`M`,
build the environ, call the application, answer `H` `D`* `E` or `X`. Decisions worth knowing:

- `H` goes out lazily, with the first non-empty chunk or at the end, so ``start_response(..., exc_info)``
  can replace the headers until then. A list/tuple result goes out as one gather write (`H` `D`... `E`);
  any other iterable is streamed, one `D` per non-empty chunk as the application yields it, except that a
  chunk completing the declared ``Content-Length`` is held and leaves with `E`, after ``close()``.
- ``close()`` of the result is always called, before the final `E` (so work done in ``close()`` has
  happened when the front end sees the response end), also on errors and when the channel broke.
- A ``Content-Length`` from the application truncates the body (iteration stops there). A file wrapper
  over a real file gets a ``Content-Length`` added when absent and is sent with ``os.sendfile``.
- Failure reasons: `S` when the exception that escaped the application came from an invalid
  ``start_response`` call, `A` for any other exception before `H` (also: application failed to load),
  `L` after `H`. The traceback goes to stderr, every line prefixed with ``[<request id>] ``.
- When the channel breaks (client gone, front end closed it) the adapter raises ChannelClosed after
  closing the result; the worker thread drops the channel and connects a new one.
- ``wsgi.errors`` is a light text stream, not a TextIOWrapper (cheaper to create per request); it stays
  usable after the request (mod_wsgi would raise), still prefixed with that request's id.
- A ``site`` application (``jwsgi.application.Site``) picks the script per request from the environ
  (``SCRIPT_FILENAME``, ``mod_wsgi.application_group``, ``mod_wsgi.callable_object``, which the front
  end's values set rather than the process constants); no script for the request answers `X` `A` as a
  load failure does.
- ``mod_wsgi.request_start`` arrives as a decimal string of microseconds (see docs/protocol.md) and is
  exposed as a float of epoch seconds, as in mod_wsgi 6.
"""

import marshal
import os
import re
import stat
import sys
import time
import traceback

from jwsgi import mod_wsgi
from jwsgi.application import LoadFailed
from jwsgi.channel import (BODY, DATA, END, END_FRAME, FAIL, FAIL_APPLICATION, FAIL_LATE,
                           FAIL_START_RESPONSE, HEADER, HEADERS, MORE, READ, REQUEST, UINT32,
                           ChannelClosed, ProtocolError)
from jwsgi.mod_wsgi import FileWrapper

MIN_PULL = 64 * 1024
MAX_PULL = 1 << 20
MAX_FAIL_MESSAGE = 1000

_STATUS = re.compile(r'[0-9]{3}(?: [^\x00-\x1f\x7f]*)?\Z').match
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+\Z").match
_BAD_VALUE = re.compile(r'[\x00-\x08\x0a-\x1f\x7f]').search
_READ_HEADER = HEADER.pack(READ, 4)
_SEQUENCES = (list, tuple)
# Bodies up to this size are copied into one buffer with the frames around them (cheaper than a gather).
_JOIN_MAX = 16 * 1024

_event_callbacks = mod_wsgi.event_callbacks
_active_requests = mod_wsgi.active_requests
_current = mod_wsgi._current
_thread_slots = mod_wsgi._thread_slots


def log(text):
    """Write to the worker's stderr (read line by line into the error log by the Java side)."""
    stream = sys.stderr
    stream.write(text)
    stream.flush()


def request_uri(environ):
    """The request's path as the client wrote it after the mount (SCRIPT_NAME + PATH_INFO), for log lines."""
    return environ.get('SCRIPT_NAME', '') + environ.get('PATH_INFO', '')


def prefixed(request_id, text):
    prefix = '[%s] ' % request_id
    return ''.join(prefix + line + '\n' for line in text.splitlines())


class Adapter(object):
    """Per-process request handling state: the application and the environ constants."""

    def __init__(self, config, application):
        self.application = application
        # A site (several scripts): the request's environ picks the Application.
        self.site = application if getattr(application, 'application_type', None) == 'site' else None
        # thread_ids of the requests being served now (set operations are atomic; the worker's stop
        # waits for this to empty).
        self.in_flight = set()
        # Set by the worker for a site with sub-interpreters (jwsgi.subinterpreters.Interpreters).
        self.router = None
        # --slow-requests: seconds past which a request gets an error-log line; --server-metrics: the
        # scoreboard shows what each thread serves.
        self.slow_requests = config.get('slow_requests')
        self.server_metrics = bool(config.get('server_metrics'))
        # Set by the worker in debug mode: wraps the callable in pdb, cProfile, the recorder (jwsgi.debugging).
        self.wrap = None
        threads = config.get('threads', 1)
        self.constants = {
            'wsgi.version': (1, 0),
            'wsgi.multithread': threads > 1,
            'wsgi.multiprocess': bool(config.get('multiprocess', False)),
            'wsgi.run_once': threads == 1 and config.get('maximum_requests', 0) == 1,
            'wsgi.file_wrapper': FileWrapper,
            'wsgi.input_terminated': True,
            'mod_wsgi.process_group': config.get('process_group', ''),
            'mod_wsgi.application_group': config.get('application_group', ''),
            'mod_wsgi.callable_object': getattr(application, 'callable_object', 'application'),
            'mod_wsgi.version': mod_wsgi.version,
            'SERVER_SOFTWARE': config.get('server_software', 'jwsgi'),
        }
        if self.site is not None:
            # The front end's values for the request win (Site.resolve fills in missing ones).
            del self.constants['mod_wsgi.application_group']
            del self.constants['mod_wsgi.callable_object']

    def thread_constants(self, thread_id):
        """The constants for one worker thread (``thread_id`` is 1-based, like mod_wsgi's)."""
        constants = dict(self.constants)
        constants['mod_wsgi.thread_id'] = thread_id
        return constants

    def serve(self, channel, constants):
        """Serve one request from ``channel``.

        Raises ChannelClosed (``idle`` true when the channel closed between requests) or ProtocolError;
        either way the caller drops the channel.
        """
        environ, body, more = read_request(channel)
        if self.router is not None:
            # Site with sub-interpreters: a request of another application group than %{GLOBAL} is
            # served by that group's interpreter, on this channel (jwsgi.subinterpreters).
            group = environ.get('mod_wsgi.application_group')
            if group is None:
                group = environ['mod_wsgi.application_group'] = self.site.default_group
            if group != '':
                return self.router.handoff(group, self, channel, constants, environ, body, more)
        return self.serve_request(channel, constants, environ, body, more)

    def serve_request(self, channel, constants, environ, body, more):
        """Serve one request whose `Q` (and pushed body) ``read_request`` already read."""
        environ.update(constants)
        request_id = environ.get('mod_wsgi.request_id', '')
        request_start = environ.get('mod_wsgi.request_start')
        if request_start is not None:
            request_start = int(request_start) / 1e6
            environ['mod_wsgi.request_start'] = request_start
        environ['wsgi.input'] = stream = RequestInput(channel, body, more)
        environ['wsgi.errors'] = errors = RequestLog(request_id)
        request = Request(channel, request_id)
        thread_id = constants['mod_wsgi.thread_id']
        self.in_flight.add(thread_id)
        data = {}
        _current.request_data = data
        application_start = time.time()
        active = _active_requests[request_id] = {
            'request_id': request_id, 'thread_id': thread_id, 'request_start': request_start,
            'application_start': application_start, 'request_data': data}
        if self.server_metrics:
            active['request'] = '%s %s' % (environ.get('REQUEST_METHOD', ''), request_uri(environ))
            active['client'] = environ.get('REMOTE_ADDR', '')
            active['vhost'] = environ.get('SERVER_NAME', '')
        # The response's last frames go out only after the request is counted and no longer active, so a
        # front end that saw it end (and sends the next request) finds the metrics up to date.
        tail = None
        try:
            try:
                try:
                    loader = self.application if self.site is None else self.site.resolve(environ)
                    application = loader.get()
                except LoadFailed as e:
                    log(prefixed(request_id, e.details))
                    tail = [fail_frame(FAIL_APPLICATION, str(e))]
                else:
                    if self.wrap is not None:
                        application = self.wrap(application)
                    if _event_callbacks:
                        payload = mod_wsgi.publish(_event_callbacks, 'request_started', {
                            'request_id': request_id, 'thread_id': thread_id, 'request_data': data,
                            'request_environ': environ, 'application_object': application,
                            'callable_object': loader.callable_object,
                            'request_start': request_start, 'application_start': application_start})
                        application = payload['application_object']
                    tail = request.run(application, environ)
            finally:
                errors.flush()
                _current.request_data = None
                _active_requests.pop(request_id, None)
                finish = time.time()
                slot = _thread_slots.get(thread_id) or mod_wsgi.thread_slot(thread_id)
                slot[0] += 1
                slot[1] += finish - application_start
                if request_start is not None:
                    slot[2] += application_start - request_start
            channel.sendv(tail)
            if self.slow_requests is not None and finish - application_start > self.slow_requests:
                log(prefixed(request_id, 'slow request method=%s path=%s seconds=%.3f status=%s' % (
                    environ.get('REQUEST_METHOD', ''), request_uri(environ), finish - application_start,
                    request.status_code())))
        finally:
            # Only now: the worker's graceful stop waits for this set to empty before the process exits.
            self.in_flight.discard(thread_id)
            if _event_callbacks:
                mod_wsgi.publish(_event_callbacks, 'request_finished', {
                    'request_id': request_id, 'thread_id': thread_id, 'request_data': data,
                    'request_start': request_start, 'application_start': application_start,
                    'application_finish': finish, 'application_time': finish - application_start,
                    'status': request.status_code(), 'input_reads': stream.reads,
                    'input_length': stream.length, 'output_writes': request.output_writes,
                    'output_length': request.output_length})


def read_request(channel):
    """Read `Q` and the pushed body; returns ``(environ, pushed body bytes, more body available)``."""
    ftype, payload = channel.read_frame(view=True)
    if ftype != REQUEST:
        channel.broken = True
        raise ProtocolError('expected a Q frame, got %r' % chr(ftype))
    try:
        environ = marshal.loads(payload)
    except (ValueError, EOFError, TypeError) as e:
        channel.broken = True
        raise ProtocolError('undecodable environ: %s' % e)
    finally:
        if type(payload) is memoryview:
            payload.release()
    if type(environ) is not dict:
        channel.broken = True
        raise ProtocolError('environ is a %s, not a dict' % type(environ).__name__)
    if channel.next_is_end():  # a request without a body: `Q` `E`, usually in the same read
        return environ, b'', False
    body = b''
    while True:
        ftype, payload = channel.read_frame()
        if ftype == END:
            return environ, body, False
        if ftype == MORE:
            return environ, body, True
        if ftype != BODY or not payload:
            channel.broken = True
            raise ProtocolError('expected B, E or M after Q, got %r' % chr(ftype))
        body = body + payload if body else payload


def fail_frame(reason, message):
    payload = reason + message.encode('utf-8', 'replace')[:MAX_FAIL_MESSAGE]
    return HEADER.pack(FAIL, len(payload)) + payload


# Validated, encoded pieces of response heads, keyed by the status str or the (name, value) tuple: most
# applications send the same few headers on every response, and a hit skips the regular expressions and
# the encode. Only exact str/tuple keys are cached; each cache is emptied when it reaches its bound, so an
# application with per-response values (ETag, Set-Cookie) costs what it did without the cache.
_STATUS_LINES = {}
_HEADER_LINES = {}
_CACHE_MAX = 1024
_CACHE_VALUE_MAX = 256


def encode_head(status, headers):
    """Validate a ``start_response`` call; returns ``(H payload, Content-Length or None)``."""
    line = _STATUS_LINES.get(status) if type(status) is str else None
    if line is None:
        line = _encode_status(status)
    if not isinstance(headers, list):
        raise TypeError('response headers must be a list, got %s' % type(headers).__name__)
    parts = [line]
    content_length = None
    lines = _HEADER_LINES
    for header in headers:
        try:
            entry = lines.get(header)
        except TypeError:  # unhashable: not a (str, str) tuple, which _encode_header says
            entry = None
        if entry is None:
            entry = _encode_header(header)
        parts.append(entry[0])
        if entry[1] is not None:
            content_length = entry[1]
    return b''.join(parts), content_length


def _encode_status(status):
    if not isinstance(status, str):
        raise TypeError('expected str object for status, got %s' % type(status).__name__)
    if not _STATUS(status):
        raise ValueError('invalid HTTP status line %r' % (status,))
    try:
        line = (status + '\r\n').encode('latin-1')
    except UnicodeEncodeError:
        raise ValueError('status %r is not latin-1 encodable' % (status,))
    if type(status) is str:
        if len(_STATUS_LINES) >= _CACHE_MAX:
            _STATUS_LINES.clear()
        _STATUS_LINES[status] = line
    return line


def _encode_header(header):
    """Validate one response header; returns ``(encoded line, Content-Length or None)``."""
    if not isinstance(header, tuple) or len(header) != 2:
        raise TypeError('each response header must be a (name, value) tuple, got %r' % (header,))
    name, value = header
    if not isinstance(name, str) or not isinstance(value, str):
        raise TypeError('response header name and value must be str, got %r' % (header,))
    if not _TOKEN(name):
        raise ValueError('invalid response header name %r' % (name,))
    if _BAD_VALUE(value):
        raise ValueError('control character in value of response header %s: %r' % (name, value))
    content_length = None
    if len(name) == 14 and name.lower() == 'content-length':
        try:
            content_length = int(value.strip())
        except ValueError:
            content_length = -1
        if content_length < 0:
            raise ValueError('invalid Content-Length %r' % (value,))
    try:
        line = (name + ': ' + value + '\r\n').encode('latin-1')
    except UnicodeEncodeError:
        raise ValueError('value of response header %s is not latin-1 encodable: %r' % (name, value))
    entry = (line, content_length)
    if type(header) is tuple and type(name) is str and type(value) is str and len(value) <= _CACHE_VALUE_MAX:
        if len(_HEADER_LINES) >= _CACHE_MAX:
            _HEADER_LINES.clear()
        _HEADER_LINES[header] = entry
    return entry


class Request(object):
    """The response side of one request: ``start_response``, ``write`` and sending the result."""

    __slots__ = ('channel', 'request_id', 'status', 'headers', 'head', 'headers_sent', 'remaining',
                 'invalid', 'written', 'output_length', 'output_writes', 'held')

    def __init__(self, channel, request_id):
        self.channel = channel
        self.request_id = request_id
        self.status = None
        self.headers = None
        self.head = None
        self.headers_sent = False
        self.remaining = None
        self.invalid = False
        self.written = False
        self.output_length = 0
        self.output_writes = 0
        # The frames of a last chunk held back to go out with `E` (see _stream).
        self.held = None

    def status_code(self):
        return int(self.status[:3]) if self.status is not None else 0

    def start_response(self, status, response_headers, exc_info=None):
        exception_info = exc_info
        if exc_info is not None:
            try:
                if self.headers_sent:
                    raise exc_info[1].with_traceback(exc_info[2])
            finally:
                exc_info = None
        elif self.status is not None:
            self.invalid = True
            raise RuntimeError('headers have already been set (start_response called twice '
                               'without exc_info)')
        self.invalid = True
        self.head, self.remaining = encode_head(status, response_headers)
        self.invalid = False
        self.status = status
        self.headers = response_headers
        if _event_callbacks:
            mod_wsgi.publish(_event_callbacks, 'response_started', {
                'request_id': self.request_id, 'response_status': status,
                'response_headers': response_headers, 'exception_info': exception_info,
                'request_data': _current.request_data})
        return self.write

    def write(self, data):
        if not isinstance(data, bytes):
            raise TypeError('write() argument must be bytes, not %s' % type(data).__name__)
        if self.status is None:
            raise RuntimeError('write() called before start_response()')
        self.written = True
        if data:
            self._send_chunk(data)

    def _send_chunk(self, chunk):
        """Send one non-empty chunk (with `H` first if due); False once Content-Length is reached."""
        channel = self.channel
        if channel.broken:
            raise ChannelClosed('client connection closed')
        remaining = self.remaining
        if remaining is not None:
            if remaining <= len(chunk):
                if remaining == 0:
                    return False
                chunk = chunk[:remaining]
            self.remaining = remaining - len(chunk)
        self.output_length += len(chunk)
        self.output_writes += 1
        if self.headers_sent:
            channel.sendv([HEADER.pack(DATA, len(chunk)), chunk])
        else:
            self.headers_sent = True
            head = self.head
            channel.sendv([HEADER.pack(HEADERS, len(head)), head, HEADER.pack(DATA, len(chunk)), chunk])
        return self.remaining != 0

    def _tail(self):
        """The frames still owed at the end of a response: `H` when not sent yet, then `E`."""
        if self.status is None:
            raise RuntimeError('the application returned without calling start_response()')
        if self.headers_sent:
            return [END_FRAME]
        return [HEADER.pack(HEADERS, len(self.head)) + self.head, END_FRAME]

    def run(self, application, environ):
        """Run the application; returns the frames still to send (the response's end, or `X`)."""
        result = None
        try:
            result = application(environ, self.start_response)
            if type(result) in _SEQUENCES:
                tail = self._collect(result)
            elif type(result) is FileWrapper and not self.written:
                tail = self._send_file(result)
            else:
                tail = self._stream(result)
        except BaseException:
            error = sys.exc_info()
            try:
                _close(result)
            except BaseException:
                log(prefixed(self.request_id, 'exception in close() of the response:\n'
                             + traceback.format_exc()))
            return self._fail(error)
        try:
            _close(result)
        except BaseException:
            failed = self._fail(sys.exc_info())
            return self.held + failed if self.held else failed
        if self.channel.broken:
            # The application swallowed the error of a failed read or write: the channel is unusable.
            raise ChannelClosed('channel closed during the request')
        self.headers_sent = True
        return tail

    def _collect(self, result):
        """A list or tuple: validate every chunk, then send everything in one gather write. A small body
        is joined to the head and the `E` so the write is one buffer."""
        if self.status is None:
            raise RuntimeError('the application returned without calling start_response()')
        if self.headers_sent:
            buffers = []
        else:
            head = self.head
            buffers = [HEADER.pack(HEADERS, len(head)) + head]
        remaining = self.remaining
        length = 0
        for chunk in result:
            if type(chunk) is not bytes and not isinstance(chunk, bytes):
                raise TypeError('response body items must be bytes, not %s' % type(chunk).__name__)
            if not chunk:
                continue
            if remaining is not None:
                if remaining <= len(chunk):
                    if remaining == 0:
                        break
                    chunk = chunk[:remaining]
                remaining -= len(chunk)
            buffers += (HEADER.pack(DATA, len(chunk)), chunk)
            length += len(chunk)
            self.output_writes += 1
        self.output_length += length
        self.remaining = remaining
        buffers.append(END_FRAME)
        if length <= _JOIN_MAX:
            return [b''.join(buffers)]
        return buffers

    def _stream(self, result):
        for chunk in result:
            if not isinstance(chunk, bytes):
                raise TypeError('response body items must be bytes, not %s' % type(chunk).__name__)
            if chunk:
                if self.status is None:
                    raise RuntimeError('the application yielded data before calling start_response()')
                remaining = self.remaining
                if remaining is not None and 0 < remaining <= len(chunk):
                    # This chunk completes the Content-Length, so nothing can follow it: it is held back and
                    # goes out with `E` after close(), one write instead of two (a framework's response
                    # object is an iterable, not a list).
                    return self._hold_last(chunk)
                if not self._send_chunk(chunk):
                    break
        return self._tail()

    def _hold_last(self, chunk):
        if self.channel.broken:
            raise ChannelClosed('client connection closed')
        remaining = self.remaining
        if len(chunk) > remaining:
            chunk = chunk[:remaining]
        self.remaining = 0
        self.output_length += len(chunk)
        self.output_writes += 1
        frames = [] if self.headers_sent else [HEADER.pack(HEADERS, len(self.head)) + self.head]
        # From here on the response counts as started: a close() that raises ends it with `X` `L` after
        # these frames, exactly as if they had been sent already.
        self.headers_sent = True
        frames += (HEADER.pack(DATA, len(chunk)), chunk)
        self.held = frames
        return frames + [END_FRAME]

    def _send_file(self, wrapper):
        filelike = wrapper.filelike
        try:
            fd = filelike.fileno()
            offset = filelike.tell()
            info = os.fstat(fd)
        except (AttributeError, OSError, ValueError):
            return self._stream(wrapper)
        if not stat.S_ISREG(info.st_mode) or self.status is None:
            return self._stream(wrapper)
        count = max(0, info.st_size - offset)
        if self.remaining is not None:
            count = min(count, self.remaining)
            self.remaining -= count
        else:
            # As mod_wsgi does for a file it sends itself: the length is known, say it.
            self.head += ('Content-Length: %d\r\n' % count).encode('ascii')
        if count == 0:
            return self._tail()
        self.headers_sent = True
        self.channel.sendv([HEADER.pack(HEADERS, len(self.head)), self.head])
        self.channel.sendfile(fd, offset, count)
        self.output_length += count
        self.output_writes += 1
        return [END_FRAME]

    def _fail(self, error):
        channel = self.channel
        if channel.broken:
            log('[%s] channel closed during the request: %s\n' % (self.request_id, error[1]))
            raise ChannelClosed('channel closed during the request')
        if _event_callbacks:
            mod_wsgi.publish(_event_callbacks, 'request_exception', {
                'request_id': self.request_id, 'exception_info': error,
                'request_data': _current.request_data})
        if self.headers_sent:
            reason = FAIL_LATE
        elif self.invalid:
            reason = FAIL_START_RESPONSE
        else:
            reason = FAIL_APPLICATION
        text = ''.join(traceback.format_exception(*error))
        log(prefixed(self.request_id, text))
        summary = traceback.format_exception_only(error[0], error[1])[-1].strip()
        return [fail_frame(reason, summary)]


def _close(result):
    if result is not None and type(result) not in _SEQUENCES:
        close = getattr(result, 'close', None)
        if close is not None:
            close()


class RequestInput(object):
    """``wsgi.input``: the pushed body first, then `R` → `B`/`E` pulls; ``b''`` at the end, never blocks
    past it. ``read(n)`` returns n bytes unless the body ends first (as mod_wsgi's does)."""

    __slots__ = ('_channel', '_buf', '_pos', '_more', 'reads', 'length')

    def __init__(self, channel, body, more):
        self._channel = channel
        self._buf = body
        self._pos = 0
        self._more = more
        self.reads = 0
        self.length = len(body)

    def _fetch(self, want):
        """One `R` exchange: the next piece of body, or ``b''`` when the body ended."""
        if not self._more:
            return b''
        channel = self._channel
        if channel.broken:
            raise ChannelClosed('mod_wsgi request data read error: client connection closed')
        channel.send(_READ_HEADER + UINT32.pack(want))
        ftype, payload = channel.read_frame()
        if ftype == BODY and 0 < len(payload) <= want:
            self.reads += 1
            self.length += len(payload)
            return payload
        if ftype == END:
            self._more = False
            return b''
        channel.broken = True
        raise ProtocolError('mod_wsgi request data read error: expected B (1..%d bytes) or E, got %r '
                            'of %d bytes' % (want, chr(ftype), len(payload)))

    def read(self, size=-1):
        buf, pos = self._buf, self._pos
        if size is None or size < 0:
            parts = [buf[pos:] if pos else buf]
            while self._more:
                chunk = self._fetch(MAX_PULL)
                if chunk:
                    parts.append(chunk)
            self._buf, self._pos = b'', 0
            return parts[0] if len(parts) == 1 else b''.join(parts)
        avail = len(buf) - pos
        if avail >= size:
            self._pos = pos + size
            return buf[pos:pos + size]
        parts = [buf[pos:]]
        total = avail
        while total < size and self._more:
            chunk = self._fetch(min(max(size - total, MIN_PULL), MAX_PULL))
            if chunk:
                parts.append(chunk)
                total += len(chunk)
        data = b''.join(parts)
        if total > size:
            self._buf, self._pos = data, size
            return data[:size]
        self._buf, self._pos = b'', 0
        return data

    def readline(self, size=-1):
        limit = size if size is not None and size >= 0 else sys.maxsize
        buf, pos = self._buf, self._pos
        end = buf.find(b'\n', pos, pos + min(limit, len(buf)))
        if end >= 0:
            self._pos = end + 1
            return buf[pos:end + 1]
        if len(buf) - pos >= limit:
            self._pos = pos + limit
            return buf[pos:pos + limit]
        parts = [buf[pos:]]
        total = len(buf) - pos
        self._buf, self._pos = b'', 0
        while total < limit and self._more:
            chunk = self._fetch(MIN_PULL)
            if not chunk:
                break
            want = limit - total
            end = chunk.find(b'\n', 0, min(want, len(chunk)))
            if end >= 0:
                take = end + 1
            elif len(chunk) >= want:
                take = want
            else:
                parts.append(chunk)
                total += len(chunk)
                continue
            parts.append(chunk[:take])
            self._buf, self._pos = chunk, take
            break
        return b''.join(parts)

    def readlines(self, hint=None):
        lines = []
        total = 0
        while True:
            line = self.readline()
            if not line:
                return lines
            lines.append(line)
            total += len(line)
            if hint is not None and 0 < hint <= total:
                return lines

    def __iter__(self):
        return self

    def __next__(self):
        line = self.readline()
        if not line:
            raise StopIteration
        return line

    def close(self):
        pass


class RequestLog(object):
    """``wsgi.errors``: a line-buffered text stream to stderr, each line prefixed ``[<request id>] ``."""

    __slots__ = ('_prefix', '_partial')

    encoding = 'utf-8'
    errors = 'replace'
    name = 'wsgi.errors'
    closed = False
    line_buffering = True

    def __init__(self, request_id):
        self._prefix = '[%s] ' % request_id
        self._partial = ''

    def write(self, text):
        if not isinstance(text, str):
            raise TypeError('write() argument must be str, not %s' % type(text).__name__)
        data = self._partial + text if self._partial else text
        cut = data.rfind('\n')
        if cut < 0:
            self._partial = data
        else:
            self._partial = data[cut + 1:]
            prefix = self._prefix
            log(''.join(prefix + line + '\n' for line in data[:cut].split('\n')))
        return len(text)

    def writelines(self, lines):
        for line in lines:
            self.write(line)

    def flush(self):
        if self._partial:
            partial, self._partial = self._partial, ''
            log(self._prefix + partial + '\n')

    def close(self):
        self.flush()

    def isatty(self):
        return False

    def readable(self):
        return False

    def seekable(self):
        return False

    def writable(self):
        return True

    def fileno(self):
        raise OSError('wsgi.errors has no file descriptor')
