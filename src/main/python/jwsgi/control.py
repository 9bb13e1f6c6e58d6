"""The worker end of the control channel (docs/protocol.md, "The control channel").

One extra channel per process, HELLO ``"<token> <pid> <slot> control"``, carrying only `C` frames whose
payload is one ASCII line. ``Control`` runs one daemon thread that

- sends ``heartbeat`` every ``HEARTBEAT`` seconds. It is ordinary Python code, so it needs the GIL: an
  extension that holds the GIL stops the heartbeats and the front end's deadlock-timeout fires (mod_wsgi's
  deadlock thread does ``PyGILState_Ensure`` every second for the same reason);
- reads the front end's commands and hands them to the ``handler`` (the worker): ``stop <reason>``,
  ``dump <reason>``, ``interrupt <thread-index>``. An unknown command is logged and ignored, so a newer
  front end does not kill an older worker; a malformed frame closes the channel (protocol error);
- tells the handler when the channel closes (the front end is gone).

``send()`` (``recycle <reason>``) may be called from any thread; one lock serialises the writes.

``dump_stacks`` and ``interrupt_thread`` are the two mechanisms behind ``dump`` and ``interrupt``.
"""

import ctypes
import os
import select
import sys
import threading
import traceback

from jwsgi.channel import HEADER, HEADER_SIZE, ProtocolError, frame

CONTROL = ord('C')
MAX_CONTROL = 1024
HEARTBEAT = 1.0


class Control(object):
    """The control channel of one worker process; ``handler`` gets ``on_stop(reason)``,
    ``on_dump(reason)``, ``on_interrupt(index)`` and ``on_control_closed()`` on the control thread."""

    def __init__(self, sock, handler, heartbeat=HEARTBEAT):
        self.sock = sock
        self.handler = handler
        self.heartbeat = heartbeat
        self._send_lock = threading.Lock()
        self._buf = b''
        self._closed = False
        self.thread = None

    @classmethod
    def connect(cls, path, token, pid, slot, handler):
        """Connect and say hello; raises OSError when the socket cannot be reached."""
        import socket
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(path)
            sock.sendall(frame('W', ('%s %d %d control' % (token, pid, slot)).encode('ascii')))
        except BaseException:
            sock.close()
            raise
        return cls(sock, handler)

    def start(self):
        self.thread = threading.Thread(target=self._run, name='jwsgi-control', daemon=True)
        self.thread.start()

    def send(self, line):
        """Send one command line; False when the channel is gone (the caller has nothing to retry)."""
        payload = line.encode('ascii')
        with self._send_lock:
            if self._closed:
                return False
            try:
                self.sock.sendall(HEADER.pack(CONTROL, len(payload)) + payload)
                return True
            except OSError:
                return False

    def close(self):
        with self._send_lock:
            self._closed = True
        try:
            self.sock.close()
        except OSError:
            pass

    def _run(self):
        try:
            self.send('heartbeat')
            while True:
                readable, _, _ = select.select([self.sock], [], [], self.heartbeat)
                if readable:
                    data = self.sock.recv(4096)
                    if not data:
                        break
                    for line in self._lines(data):
                        self._dispatch(line)
                else:
                    if not self.send('heartbeat'):
                        break
        except (OSError, ValueError, ProtocolError) as e:
            # ValueError: select on a socket closed by close() from another thread.
            if not self._closed:
                sys.stderr.write('jwsgi worker: control channel failed pid=%d: %s\n' % (os.getpid(), e))
        except Exception:
            sys.stderr.write('jwsgi worker: control thread failed pid=%d:\n%s'
                             % (os.getpid(), traceback.format_exc()))
        if not self._closed:
            self.close()
            self.handler.on_control_closed()

    def _lines(self, data):
        """Decode the complete `C` frames buffered so far."""
        buf = self._buf + data
        lines = []
        while len(buf) >= HEADER_SIZE:
            ftype, length = HEADER.unpack_from(buf)
            if ftype != CONTROL or length > MAX_CONTROL:
                raise ProtocolError('unexpected frame %r length %d on the control channel'
                                    % (chr(ftype), length))
            if len(buf) < HEADER_SIZE + length:
                break
            lines.append(buf[HEADER_SIZE:HEADER_SIZE + length].decode('ascii', 'replace'))
            buf = buf[HEADER_SIZE + length:]
        self._buf = buf
        return lines

    def _dispatch(self, line):
        command, _, argument = line.strip().partition(' ')
        argument = argument.strip()
        if command == 'stop':
            self.handler.on_stop(argument or 'shutdown_signal')
        elif command == 'dump':
            self.handler.on_dump(argument or '-')
        elif command == 'interrupt' and argument.isdigit():
            self.handler.on_interrupt(int(argument))
        else:
            sys.stderr.write('jwsgi worker: unknown control command ignored pid=%d command=%r\n'
                             % (os.getpid(), line))


def dump_stacks(reason, request_ids, stream=None):
    """Write every thread's Python stack to ``stream`` (stderr) in one write.

    ``request_ids`` maps a thread ident to the id of the request it is serving. The format (docs/protocol.md)::

        stack dump pid=<pid> reason=<reason>
        thread <ident> name=<name> request_id=<id or ->
          File "<path>", line <n>, in <function>
            <source line>
    """
    names = dict((t.ident, t.name) for t in threading.enumerate())
    lines = ['stack dump pid=%d reason=%s\n' % (os.getpid(), reason)]
    for ident, top in sorted(sys._current_frames().items()):
        lines.append('thread %d name=%s request_id=%s\n'
                     % (ident, names.get(ident, '-'), request_ids.get(ident) or '-'))
        lines.extend(traceback.format_stack(top))
    text = ''.join(lines)
    stream = stream or sys.stderr
    stream.write(text)
    stream.flush()
    return text


def interrupt_thread(ident, exception):
    """Schedule ``exception`` (a class) in the thread ``ident``; True when a thread was found.

    The exception is raised when that thread next runs Python bytecode, so a thread blocked in a C call
    (or one that holds the GIL forever) is not interrupted: that is deadlock-timeout's and
    request-timeout's case.
    """
    found = ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(ident), ctypes.py_object(exception))
    return found == 1


def cancel_interrupt(ident):
    """Withdraw a scheduled exception that has not been raised yet."""
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(ident), None)
