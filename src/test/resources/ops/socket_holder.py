"""Plays systemd's part in a restart with socket activation: one process owns the listening socket for longer than
any one server, and every server started gets a copy of it as file descriptor 3 (RollingRestartIT).

usage: socket_holder.py hold DIR           binds 127.0.0.1 on an ephemeral port, prints 'listening PORT', then hands
                                           the socket to whoever connects to DIR/holder.sock, until stdin closes
       socket_holder.py pass DIR COMMAND...  fetches the socket from DIR/holder.sock, puts it on fd 3, sets
                                           LISTEN_FDS=1 and LISTEN_PID (this pid, which exec keeps) and execs COMMAND

systemd keeps the socket in the service manager and passes it again to each new main process; here the hand-over
goes over a UNIX socket with SCM_RIGHTS, so that each server can be an ordinary child of the test.
"""
import os
import socket
import sys
import threading


def hold(directory):
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(('127.0.0.1', 0))
    listener.listen(512)
    path = os.path.join(directory, 'holder.sock')
    control = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    control.bind(path)
    control.listen(8)
    print('listening %d' % listener.getsockname()[1], flush=True)

    def serve():
        while True:
            conn, _ = control.accept()
            with conn:
                socket.send_fds(conn, [b'fd'], [listener.fileno()])

    threading.Thread(target=serve, daemon=True).start()
    sys.stdin.read()  # the test closes our stdin (or exits) when it is done


def pass_on(directory, command):
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        conn.connect(os.path.join(directory, 'holder.sock'))
        _, fds, _, _ = socket.recv_fds(conn, 16, 1)
    if fds[0] != 3:
        os.dup2(fds[0], 3)  # the copy is inheritable
        os.close(fds[0])
    else:
        os.set_inheritable(3, True)
    os.environ['LISTEN_FDS'] = '1'
    os.environ['LISTEN_PID'] = str(os.getpid())
    os.execvp(command[0], command)


if __name__ == '__main__':
    if sys.argv[1] == 'hold':
        hold(sys.argv[2])
    else:
        pass_on(sys.argv[2], sys.argv[3:])
