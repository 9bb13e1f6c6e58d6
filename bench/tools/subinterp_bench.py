#!/usr/bin/python3
"""Cost of application groups in sub-interpreters (jwsgi.subinterpreters), measured on a real worker.

Usage: bench/tools/subinterp_bench.py [PYTHON=python3] [GROUPS=5] [REQUESTS=3000] [GIL=default|own|shared]

Starts src/main/python/jwsgi/worker.py under PYTHON in site mode with "subinterpreters": true, plays the
Java front end over one request channel (src/test/python/front_end.py) and prints:

- the worker's RSS (/proc/PID/statm) before and after the first request of each of GROUPS new
  application groups (each creates a sub-interpreter and loads a trivial WSGI script in it): the mean
  delta is the memory of one sub-interpreter with a trivial application;
- the first request's latency of each new group minus the steady-state median: start-up of one
  sub-interpreter (create, configure, import jwsgi, load the script);
- the median and p90 round trip of REQUESTS requests to %{GLOBAL} (main interpreter) and to one group
  (hand-off to its sub-interpreter), interleaved; the difference is the hand-off's cost per request.

Nothing here asserts anything; run it a few times, the figures move with the machine's load.
"""
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, 'src', 'test', 'python'))
sys.path.insert(0, os.path.join(ROOT, 'src', 'main', 'python'))

import front_end  # noqa: E402

APP = '''
def application(environ, start_response):
    start_response('200 OK', [('Content-Type', 'text/plain')])
    return [b'ok']
'''


def rss(pid):
    with open('/proc/%d/statm' % pid) as f:
        return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE')


class Bench(front_end.WorkerProcessCase):

    def runTest(self):
        pass


def main():
    python = sys.argv[1] if len(sys.argv) > 1 else 'python3'
    groups = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    count = int(sys.argv[3]) if len(sys.argv) > 3 else 3000
    gil = sys.argv[4] if len(sys.argv) > 4 else 'default'
    front_end.sys.executable = python  # WorkerProcessCase starts sys.executable
    bench = Bench()
    bench.setUp()
    try:
        config = {'application_type': 'site', 'entry_point': None, 'subinterpreters': True,
                  'script_reloading': False}
        if gil != 'default':
            config['subinterpreter_gil'] = gil
        bench.start(APP, script='app.wsgi', config=config)
        front, _ = bench.accept()
        script = os.path.join(bench.directory, 'app.wsgi')

        def request(group):
            environ = front_end.base_environ()
            environ['SCRIPT_FILENAME'] = script
            environ['mod_wsgi.application_group'] = group
            started = time.perf_counter()
            response = bench.request(front, environ)
            elapsed = time.perf_counter() - started
            assert response.status == '200 OK', response.fail
            return elapsed

        for _ in range(200):
            request('')
        pid = bench.process.pid
        base = rss(pid)
        deltas, firsts = [], []
        for n in range(groups):
            before = rss(pid)
            firsts.append(request('g%d' % n))
            for _ in range(20):
                request('g%d' % n)
            deltas.append(rss(pid) - before)
        main_times, sub_times = [], []
        for _ in range(count):
            main_times.append(request(''))
            sub_times.append(request('g0'))
        version = subprocess.run([python, '-c', 'import sys; print(sys.version.split()[0])'],
                                 capture_output=True, text=True).stdout.strip()

        def median(values):
            return statistics.median(values) * 1e6

        def p90(values):
            return sorted(values)[int(len(values) * 0.9)] * 1e6
        steady = statistics.median(sub_times)
        print('Python %s gil=%s groups=%d requests=%d' % (version, gil, groups, count))
        print('  RSS main only %.1f MiB; per sub-interpreter + trivial app: mean %.1f MiB (%s)'
              % (base / 2 ** 20, statistics.mean(deltas) / 2 ** 20,
                 ', '.join('%.1f' % (d / 2 ** 20) for d in deltas)))
        print('  start-up of one (first request minus steady): median %.1f ms (%s)'
              % ((statistics.median(firsts) - steady) * 1e3,
                 ', '.join('%.1f' % ((f - steady) * 1e3) for f in firsts)))
        print('  round trip median/p90: main %.0f/%.0f us, sub-interpreter %.0f/%.0f us, hand-off +%.0f us'
              % (median(main_times), p90(main_times), median(sub_times), p90(sub_times),
                 median(sub_times) - median(main_times)))
    finally:
        bench.tearDown()


if __name__ == '__main__':
    main()
