#!/usr/bin/env python3
"""Acknowledgement latency at fixed delivery rates (issue #9).

`hrbridge serve` (release build, SQLite, the sandbox, the worker on — as deployed) receives
correctly signed notifications with unique callback ids at 200, 1,000 and 2,000 per second
for 30 s each; printed are the achieved rate, p50/p99/p99.9 ack latency and the 5xx count,
and from the server's /metrics how many SQLite writes held the write lock over 25 ms in that
run and how long the longest took (a bucket bound): an acknowledgement waits for the write in
progress and then for its own commit, so a stalled disk shows in these before the tail.

The rate comes from wrk pacing each connection (`delay()` in bench/wrk/webhook.lua): every
connection sends 20 requests/s, so N/20 connections make N/s. The pacing is closed-loop —
a stalled server is sent less rather than queued against — so a stall shows as an achieved
rate below the target, not only as latency.

  scripts/bench latency
  bench/latency.py --binary .build/release/hrbridge [--rates 200,1000,2000] [--seconds 30]
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
from harness import World  # noqa: E402

PER_CONNECTION = 20  # requests/s


def bound(ms):
    """A histogram bucket bound as printed: the longest write took at most this long."""
    return "> 1000" if ms == float("inf") else f"≤ {ms:g}"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", required=True)
    parser.add_argument("--rates", default="200,1000,2000")
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--worker", default="on", choices=["on", "off"], help="the in-process worker (default on)")
    parser.add_argument("--warmup", type=int, default=0,
                        help="seconds at the first rate before the measured runs, not recorded (a fresh server's database "
                             "files are still growing: bench/RESULTS.md)")
    common.add_disk_probe_option(parser)
    args = parser.parse_args()

    rates = [int(r) for r in args.rates.split(",")]
    with World(common.suite(args.binary), "latency") as w:
        disk, disk_line = common.probe_disk_first(w, args.disk_probe)
        server = w.serve(worker=args.worker == "on")
        w.provision()
        warmup = f", after {args.warmup} s at {rates[0]}/s not recorded" if args.warmup else ""
        print(f"hrbridge serve (release, SQLite, worker {args.worker}), {args.seconds} s per rate{warmup}")
        print(disk_line + "\n")
        print(f"{'target/s':>8}  {'achieved/s':>10}  {'p50 ms':>7}  {'p99 ms':>7}  {'p99.9 ms':>8}  {'max ms':>7}  {'5xx':>4}  {'errors':>6}  {'writes>25ms':>11}  {'longest':>8}")

        def drive(run, rate, seconds):
            # Fresh callback ids for every run, also when a rate is repeated: a duplicate is
            # answered without a new row, which is cheaper and would flatter the figures.
            connections = max(1, rate // PER_CONNECTION)
            bodies = common.bodies_file(w, os.path.join(w.dir, f"bodies-{run}.txt"), int(rate * seconds * 1.2), f"lat-{run}-{rate}")
            return connections, common.wrk(w.port, seconds, connections, min(2, connections), {
                "MODE": "webhook", "BODIES": bodies, "WEBHOOK_PATH": w.webhook_path, "RATE_PER_CONNECTION": str(PER_CONNECTION)})

        if args.warmup:
            drive("warmup", rates[0], args.warmup)
        rows = []
        for run, rate in enumerate(rates):
            writes = common.sqlite_writes(w.port)
            connections, r = drive(run, rate, args.seconds)
            slow, longest = common.slow_writes(writes, common.sqlite_writes(w.port))
            # JSON has no infinity: a write over the last bucket (1 s) is saved as null.
            rows.append({"target": rate, "connections": connections, **r, "slow_writes": slow,
                         "longest_write_ms": None if longest == float("inf") else longest})
            print(f"{rate:>8}  {r['rate']:>10.0f}  {r['p50_ms']:>7.2f}  {r['p99_ms']:>7.2f}  {r['p999_ms']:>8.2f}  {r['max_ms']:>7.1f}  "
                  f"{r['s5xx']:>4}  {r['socket_errors'] + r['timeouts']:>6}  {slow:>11}  {bound(longest):>8}")
        rss = common.peak_rss_mib(server)
        backlog = w.open_sync_jobs()
        print(f"\nserver peak RSS {rss:.0f} MiB; {backlog} sync jobs still queued at the end")
        common.save("latency", {"machine": common.machine(), "db": "sqlite", "worker": args.worker, "seconds": args.seconds, "warmup": args.warmup,
                                "runs": rows, "peak_rss_mib": rss, "backlog": backlog, "disk": disk})
    return 0


if __name__ == "__main__":
    sys.exit(main())
