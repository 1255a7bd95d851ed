"""Shared by the benchmarks: the machine, wrk, peak memory, and where results go.

Processes, the database and the provisioned installation come from the reliability suite's
harness (scripts/reliability/harness.py), so a benchmark runs the same real `hrbridge`
the tests do — here a release build.
"""
import atexit
import datetime
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(ROOT, "scripts", "reliability"))
import harness  # noqa: E402

OUT = os.path.join(ROOT, "bench", "out")
LUA = os.path.join(ROOT, "bench", "wrk", "webhook.lua")


def machine():
    """What a result was measured on (bench/RESULTS.md keeps it with the figures)."""
    mem_kb = int(re.search(r"MemTotal:\s+(\d+)", open("/proc/meminfo").read()).group(1))
    cpu = re.search(r"model name\s*:\s*(.+)", open("/proc/cpuinfo").read())
    return {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "nproc": os.cpu_count(), "memory_gib": round(mem_kb / 1024 / 1024, 1),
            "cpu": cpu.group(1).strip() if cpu else platform.processor(), "kernel": platform.release()}


def peak_rss_mib(process):
    """The process's peak resident set so far (VmHWM), in MiB."""
    with open(f"/proc/{process.popen.pid}/status") as f:
        return int(re.search(r"VmHWM:\s+(\d+)", f.read()).group(1)) / 1024


def cpu_seconds(process):
    """CPU time the process has used so far (user + system), in seconds."""
    with open(f"/proc/{process.popen.pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wrk(port, seconds, connections, threads, env, timeout_s=10):
    """Runs wrk with bench/wrk/webhook.lua; returns its RESULT as a dict (latencies in ms)."""
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", f"--timeout={timeout_s}s", "-s", LUA,
               f"http://127.0.0.1:{port}"]
    out = subprocess.run(command, env={**os.environ, "THREADS": str(threads), **env}, capture_output=True, text=True,
                         timeout=seconds + 120)
    line = next((l for l in out.stdout.splitlines() if l.startswith("RESULT ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no result: {out.stdout}{out.stderr}")
    r = json.loads(line[len("RESULT "):])
    r["rate"] = r["requests"] / (r["duration_us"] / 1e6)
    for key in ("p50", "p99", "p999", "max"):
        r[key + "_ms"] = r.pop(key + "_us") / 1000
    return r


def save(name, record):
    """Appends a run to bench/out/{name}.jsonl (ignored by git; RESULTS.md is curated)."""
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, name + ".jsonl"), "a") as f:
        f.write(json.dumps(record) + "\n")
    print(f"\nsaved to bench/out/{name}.jsonl")


def bodies_file(world, path, count, prefix):
    """count correctly signed notifications with unique callback ids, one a line."""
    contract = world.contract(1, actions=("publish",))
    with open(path, "w") as f:
        for n in range(count):
            f.write(world.notification(contract, event="contract:publish", callback_id=f"{prefix}-{n}")[1] + "\n")
    return path


def suite(binary, db="sqlite", pg_admin_url=None):
    """The harness's suite, its working directory removed when the benchmark exits: a drain
    leaves ~250 MB of SQLite and sandbox data there, and the figures are in bench/out."""
    s = harness.suite(binary, db, pg_admin_url, purpose="bench")
    atexit.register(shutil.rmtree, s.workdir, ignore_errors=True)
    return s


WRITE_SERIES = re.compile(r'^hrbridge_sqlite_write_seconds_bucket\{writer="(\w+)",le="([^"]+)"\} (\d+)$', re.M)


def sqlite_writes(port):
    """The server's `hrbridge_sqlite_write_seconds` histogram from /metrics: for each writer
    (webhook, worker), the number of writes that held SQLite's write lock at most `le` seconds."""
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read().decode()
    writes = {}
    for writer, le, count in WRITE_SERIES.findall(text):
        writes.setdefault(writer, {})[float(le)] = int(count)
    return writes


def slow_writes(before, after, over_ms=25):
    """Between two `sqlite_writes` readings: how many writes held the lock longer than over_ms,
    and the bucket bound the longest write stayed under (ms; inf: longer than the last bucket)."""
    def window(writer):  # this window's cumulative counts per bucket bound
        earlier = before.get(writer, {})
        return {le: n - earlier.get(le, 0) for le, n in after[writer].items()}
    slow, longest = 0, 0.0
    for writer in after:
        counts = window(writer)
        total = counts[float("inf")]
        slow += total - max((n for le, n in counts.items() if le <= over_ms / 1000), default=0)
        # The smallest bound that holds every write of the window.
        if total:
            longest = max(longest, min(le for le, n in counts.items() if n == total) * 1000)
    return slow, longest


def disk_probe(directory, seconds):
    """What the disk alone does, with nothing of ours running: `seconds` of 4 KiB writes, each
    followed by `fsync` (what one commit's log write and sync come down to), a few hundred a second,
    into a file in `directory`. On a virtual machine's disk a sync sometimes stalls for tens
    or hundreds of milliseconds whoever asks; a benchmark's tail next to such stalls is the
    disk's (bench/RESULTS.md). Returns latencies in ms and how many syncs took over 25 ms."""
    path = os.path.join(directory, "disk-probe.dat")
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    block, times = os.urandom(4096), []
    try:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            start = time.perf_counter()
            os.pwrite(fd, block, (len(times) % 256) * 4096)
            os.fsync(fd)
            times.append((time.perf_counter() - start) * 1000)
            time.sleep(0.002)
    finally:
        os.close(fd)
        os.remove(path)
    times.sort()

    def at(q):
        return times[min(len(times) - 1, int(q * len(times)))]
    return {"seconds": seconds, "syncs": len(times), "p50_ms": at(0.5), "p99_ms": at(0.99), "max_ms": times[-1],
            "over_25ms": sum(t > 25 for t in times)}


def add_disk_probe_option(parser):
    parser.add_argument("--disk-probe", type=int, default=10, metavar="SECONDS",
                        help="first measure the disk alone for this long, in the run's directory (bench/disk.py; 0: skip)")


def probe_disk_first(world, seconds):
    """`disk_probe` in the run's directory before its server starts, and a line for the header."""
    if seconds <= 0:
        return None, "disk alone: not measured (--disk-probe 0)"
    probe = disk_probe(world.dir, seconds)
    return probe, (f"disk alone ({seconds} s of 4 KiB write + fsync, before the server started): "
                   f"p50 {probe['p50_ms']:.2f} ms, p99 {probe['p99_ms']:.2f} ms, max {probe['max_ms']:.1f} ms, "
                   f"{probe['over_25ms']} over 25 ms")


def timestamp(value):
    """Seconds since the epoch of a stored time: SQLite's number (or text), PostgreSQL's text."""
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, datetime.datetime):
        return value.timestamp()
    text = str(value).strip().replace(" ", "T", 1)
    try:
        return float(text)
    except ValueError:
        pass
    if re.search(r"[+-]\d\d$", text):
        text += ":00"
    parsed = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=datetime.timezone.utc)).timestamp()
