"""Per-request CPU of the worker runtime alone: Adapter.serve for a hello app over a socketpair, one thread
playing the Java side. Usage: [APP=app.py] python3 bench/tools/worker_microbench.py REPO [N] [profile]"""
import os, sys, socket, threading, time, cProfile, pstats
sys.path.insert(0, sys.argv[1] + '/src/main/python'); sys.path.insert(0, sys.argv[1] + '/src/test/python')
from front_end import request_frames, base_environ
from jwsgi.adapter import Adapter
from jwsgi.channel import Channel
CONFIG = {'process_group': 'main', 'application_group': '', 'processes': 2, 'multiprocess': True,
          'threads': 8, 'server_software': 'jwsgi/0.1.0', 'maximum_requests': 0}
class App:
    callable_object = 'application'
    def get(self): return app
def app(environ, start_response):
    start_response('200 OK', [('Content-Type', 'text/plain'), ('Content-Length', '12')])
    return [b'Hello world!']
if os.environ.get('APP'):  # another application file, e.g. APP=bench/apps/flask_json.py
    import runpy
    app = runpy.run_path(os.environ['APP'])['application']
env = base_environ(); env.update({'HTTP_HOST': 'localhost:8000', 'HTTP_USER_AGENT': 'wrk', 'mod_wsgi.request_start': '1700000000123456', 'mod_wsgi.request_id': 'aGVsbG8'})
req = request_frames(env)
a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
ch = Channel(b); ad = Adapter(CONFIG, App()); const = ad.thread_constants(1)
N = int(sys.argv[2]) if len(sys.argv) > 2 else 50000
def loop(n):
    for _ in range(n):
        a.sendall(req)
        ad.serve(ch, const)
        a.recv(65536)
loop(2000)
t0 = time.process_time(); loop(N); t1 = time.process_time()
# cost of the java-side part (sendall+recv) alone, to subtract
import select
def baseline(n):
    for _ in range(n):
        a.sendall(req); b.recv(65536); b.sendall(b'x' * 40); a.recv(65536)
t2 = time.process_time(); baseline(N); t3 = time.process_time()
print('per request: %.2f us total, %.2f us socket ping-pong baseline, %.2f us adapter' % ((t1-t0)/N*1e6, (t3-t2)/N*1e6, ((t1-t0)-(t3-t2))/N*1e6))
if len(sys.argv) > 3:
    cProfile.run('loop(20000)', '/tmp/perf/py.prof')
    pstats.Stats('/tmp/perf/py.prof').sort_stats('tottime').print_stats(25)
