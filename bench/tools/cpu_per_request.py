#!/usr/bin/python3
"""CPU cost per request of a running jwsgi server, split into the front end (the JVM) and the workers.

Usage: bench/tools/cpu_per_request.py PORT SERVER_PID [CONNECTIONS=8] [SECONDS=10] [PATH=/] [WRK_LUA]

Runs wrk against 127.0.0.1:PORT and reads user and system CPU time of SERVER_PID's process tree from
/proc/PID/stat before and after; with `perf` installed it also counts system calls and context switches
per request for each side (perf stat -p). Start two builds side by side and alternate runs of this against
each: CPU per request barely moves with background load, rps does.
"""
import os
import re
import shutil
import subprocess
import sys

TCK = os.sysconf("SC_CLK_TCK")


def table():
    """pid -> (ppid, comm, utime, stime) for every live process."""
    t = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                d = f.read()
        except OSError:
            continue
        r = d[d.rfind(")") + 2:].split()
        t[int(name)] = (int(r[1]), d[d.find("(") + 1:d.rfind(")")], int(r[11]), int(r[12]))
    return t


def tree(t, root):
    kids = {}
    for pid, row in t.items():
        kids.setdefault(row[0], []).append(pid)
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo += kids.get(pid, [])
    return out


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    port, root = int(argv[0]), int(argv[1])
    conns = int(argv[2]) if len(argv) > 2 else 8
    secs = int(argv[3]) if len(argv) > 3 else 10
    path = argv[4] if len(argv) > 4 else "/"
    lua = argv[5] if len(argv) > 5 else None
    t0 = table()
    pids = tree(t0, root)
    jvm = [p for p in pids if t0[p][1] == "java"]
    workers = [p for p in pids if p not in jvm]
    perfs = []
    if shutil.which("perf"):
        for side, group in (("jvm", jvm), ("workers", workers)):
            if group:
                perfs.append((side, subprocess.Popen(
                    ["perf", "stat", "-x,", "-e", "raw_syscalls:sys_enter,context-switches",
                     "-p", ",".join(map(str, group)), "sleep", str(secs)],
                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)))
    cmd = ["wrk", f"-t{min(2, conns)}", f"-c{conns}", f"-d{secs}s", "--latency"]
    if lua:
        cmd += ["-s", lua]
    out = subprocess.run(cmd + [f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True).stdout
    t1 = table()
    counts = {}
    for side, proc in perfs:
        for line in proc.communicate()[1].splitlines():
            f = line.split(",")
            if len(f) > 3 and f[0].isdigit():
                counts[side + (" syscalls" if "sys_enter" in f[2] else " context switches")] = int(f[0])
    m = re.search(r"(\d+) requests in", out)
    if not m or not int(m.group(1)):
        print("wrk served no requests:\n" + out, file=sys.stderr)
        return 1
    n = int(m.group(1))

    def used(group, field):
        return sum(t1[p][field] - t0[p][field] for p in group if p in t1) / TCK / n * 1e6

    ju, js, wu, ws = used(jvm, 2), used(jvm, 3), used(workers, 2), used(workers, 3)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)
    p99 = re.search(r"99%\s+(\S+)", out)
    print(f"requests {n}  rps {float(rps):.0f}  p99 {p99.group(1) if p99 else '-'}")
    print(f"CPU us/request: jvm {ju + js:.1f} (user {ju:.1f} sys {js:.1f})  workers {wu + ws:.1f} "
          f"(user {wu:.1f} sys {ws:.1f})  total {ju + js + wu + ws:.1f}")
    if counts:
        print("per request: " + "  ".join(f"{k} {v / n:.2f}" for k, v in sorted(counts.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
