"""Plays systemd's part of two protocols for SystemdIT: socket activation (a listening TCP socket on fd 3 with
LISTEN_FDS=1 and LISTEN_PID) and Type=notify (a datagram socket named by NOTIFY_SOCKET, a path or an @abstract
name, with WATCHDOG_USEC and WATCHDOG_PID when a watchdog interval is given).

usage: fake_systemd.py NOTIFY_NAME WATCHDOG_USEC|- COMMAND...

Prints 'listening PORT', then one 'notify {"state": ..., "monotonic_usec": ...}' line per datagram received (with
this process's CLOCK_MONOTONIC at receipt), and 'exited STATUS' when the command exits; exits with its status.
SIGTERM to this process is passed on to the command, as systemd's stop would send it.
"""
import json
import os
import select
import signal
import socket
import sys
import time

name, watchdog, command = sys.argv[1], sys.argv[2], sys.argv[3:]
notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
notify.bind("\0" + name[1:] if name.startswith("@") else name)
listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
listener.bind(("127.0.0.1", 0))
listener.listen(64)
print("listening %d" % listener.getsockname()[1], flush=True)

child = os.fork()
if child == 0:
    notify.close()
    os.dup2(listener.fileno(), 3)  # the copy is inheritable
    pid = str(os.getpid())
    os.environ.update({"NOTIFY_SOCKET": name, "LISTEN_FDS": "1", "LISTEN_PID": pid})
    if watchdog != "-":
        os.environ.update({"WATCHDOG_USEC": watchdog, "WATCHDOG_PID": pid})
    os.execvp(command[0], command)

listener.close()
signal.signal(signal.SIGTERM, lambda signum, frame: os.kill(child, signal.SIGTERM))
while True:
    readable, _, _ = select.select([notify], [], [], 0.2)
    if readable:
        state = notify.recv(4096).decode()
        print("notify " + json.dumps({"state": state, "monotonic_usec": time.monotonic_ns() // 1000}), flush=True)
        continue
    done, status = os.waitpid(child, os.WNOHANG)
    if done:
        code = os.waitstatus_to_exitcode(status)
        print("exited %d" % code, flush=True)
        sys.exit(code if code >= 0 else 128 - code)
