"""Integration-test app for the Java side of the daemon lifecycle (LifecycleIT, TimeoutsIT)."""
import ctypes
import mmap
import os
import tempfile
import time

# Tests copy this app into a directory of their own and put these files next to it.
_here = os.path.dirname(os.path.abspath(__file__))


def _read(name, default):
    try:
        with open(os.path.join(_here, name)) as f:
            return f.read().strip()
    except OSError:
        return default


# What SIGHUP's "new code" test changes between two generations of workers.
VERSION = _read('version.txt', 'none')
# A slow application load (startup-timeout).
time.sleep(float(_read('slow_import.txt', '0')))

_held = []


def _touch_file_pages(megabytes):
    """Grow the resident set with file-backed pages: counted in VmRSS, not in RLIMIT_DATA."""
    fd, path = tempfile.mkstemp()
    os.ftruncate(fd, megabytes << 20)
    m = mmap.mmap(fd, megabytes << 20, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
    os.close(fd)
    os.unlink(path)
    for i in range(0, megabytes << 20, mmap.PAGESIZE):
        m[i] = 1
    _held.append(m)


def application(environ, start_response):
    path = environ['PATH_INFO']
    query = environ.get('QUERY_STRING') or ''
    if path == '/pid':
        body = str(os.getpid())
    elif path == '/version':
        body = VERSION
    elif path == '/sleep':
        time.sleep(float(query or '1'))
        body = 'slept %s' % os.getpid()
    elif path == '/spin':
        # Pure Python: an exception raised asynchronously in this thread (interrupt-timeout) ends it.
        deadline = time.time() + float(query or '10')
        while time.time() < deadline:
            pass
        body = 'spun'
    elif path == '/hold-gil':
        # A C call made without releasing the GIL, like a stuck extension: heartbeats stop.
        ctypes.PyDLL(None).sleep(int(query or '30'))
        body = 'held'
    elif path == '/big':
        # Many chunks, no Content-Length: streamed through the front end's response buffer.
        size = int(query or '100000')
        start_response('200 OK', [('Content-Type', 'application/octet-stream')])
        return [b'x' * 1000 for _ in range(size // 1000)]
    elif path == '/grow':
        _touch_file_pages(int(query or '100'))
        body = 'grew %s' % os.getpid()
    else:
        body = 'ok'
    data = body.encode()
    start_response('200 OK', [('Content-Type', 'text/plain'), ('Content-Length', str(len(data)))])
    return [data]
