"""A stand-in for systemd's socket activation: binds a listening TCP socket on 127.0.0.1 (ephemeral port), puts it
on file descriptor 3, prints 'listening PORT', sets LISTEN_FDS and LISTEN_PID (this process's pid, which the exec
chain keeps: the jwsgi launcher execs the JVM) and execs the command.

usage: listen_fds.py FDS PID-MODE COMMAND...   FDS: the LISTEN_FDS value; PID-MODE: 'self' or 'other'
"""
import os
import socket
import sys

fds, mode, command = sys.argv[1], sys.argv[2], sys.argv[3:]
server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.bind(('127.0.0.1', 0))
server.listen(64)
print('listening %d' % server.getsockname()[1], flush=True)
if server.fileno() == 3:
    os.set_inheritable(3, True)
else:
    os.dup2(server.fileno(), 3)  # the copy is inheritable
os.environ['LISTEN_FDS'] = fds
os.environ['LISTEN_PID'] = str(os.getpid() if mode == 'self' else os.getppid())
os.execvp(command[0], command)
