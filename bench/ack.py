#!/usr/bin/env python3
"""How fast HR Bridge acknowledges Oneflow's webhooks, against its own /health (issue #9).

Starts `hrbridge serve --no-worker` (release build, SQLite, the sandbox) with one provisioned
installation, precomputes correctly signed notifications with unique callback ids, and
drives them with wrk at several connection counts; in the same run, the same server's
`GET /health` is the baseline. Afterwards the inbox must hold the acknowledged deliveries
(and at most one more per connection: the request in flight when wrk stopped). As in
`latency`, `writes>25ms` counts the SQLite writes of each ack run that held the write lock
over 25 ms (the server's /metrics): a tail next to them is the disk's.

  scripts/bench ack                      (builds the release binary first)
  bench/ack.py --binary .build/release/hrbridge [--seconds 10] [--connections 1,16,64]
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
from harness import World  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", required=True)
    parser.add_argument("--seconds", type=int, default=10, help="per measurement")
    parser.add_argument("--connections", default="1,16,64")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    common.add_disk_probe_option(parser)
    args = parser.parse_args()
    connections = [int(c) for c in args.connections.split(",")]

    with World(common.suite(args.binary), "ack") as w:
        disk, disk_line = common.probe_disk_first(w, args.disk_probe)
        server = w.serve(worker=False)
        w.provision()
        print(f"hrbridge serve --no-worker (release, SQLite), {args.seconds} s per run, wrk -t{args.threads}")
        print(disk_line + "\n")
        print(f"{'conns':>5}  {'health/s':>9}  {'acks/s':>8}  {'ratio':>5}  {'p50 ms':>7}  {'p99 ms':>7}  {'p99.9 ms':>8}  {'5xx':>4}  {'dup':>5}  {'writes>25ms':>11}  inbox")
        rows, mismatches = [], 0
        for c in connections:
            health = common.wrk(w.port, args.seconds, c, min(args.threads, c), {"MODE": "health"})
            # Fresh callback ids for every run, more than the server can take in the time.
            bodies = common.bodies_file(w, os.path.join(w.dir, f"bodies-{c}.txt"), 15_000 * args.seconds, f"ack-{c}")
            writes = common.sqlite_writes(w.port)
            ack = common.wrk(w.port, args.seconds, c, min(args.threads, c),
                             {"MODE": "webhook", "BODIES": bodies, "WEBHOOK_PATH": w.webhook_path})
            slow, _ = common.slow_writes(writes, common.sqlite_writes(w.port))
            # wrk stops on the clock with up to one request per connection in flight: those may
            # be committed without their answer being counted.
            stored = w.db.scalar(f"SELECT COUNT(*) FROM webhook_deliveries WHERE callback_id LIKE 'ack-{c}-%'")
            consistent = ack["ok"] <= stored <= ack["ok"] + c
            mismatches += not consistent
            ratio = ack["rate"] / health["rate"]
            rows.append({"connections": c, "health": health, "ack": ack, "ratio": ratio, "stored": stored, "slow_writes": slow})
            print(f"{c:>5}  {health['rate']:>9.0f}  {ack['rate']:>8.0f}  {ratio:>5.2f}  {ack['p50_ms']:>7.2f}  "
                  f"{ack['p99_ms']:>7.2f}  {ack['p999_ms']:>8.2f}  {ack['s5xx']:>4}  {ack['duplicate']:>5}  {slow:>11}  "
                  f"{stored} stored{'' if consistent else ' MISMATCH'}")
        rss = common.peak_rss_mib(server)
        print(f"\ninbox: every run stored its acknowledged deliveries (plus at most one in flight per connection at "
              f"the cut-off): {'yes' if not mismatches else 'NO'}; server peak RSS {rss:.0f} MiB")
        common.save("ack", {"machine": common.machine(), "db": "sqlite", "seconds": args.seconds, "runs": rows, "peak_rss_mib": rss, "disk": disk})
        return 0 if not mismatches else 1


if __name__ == "__main__":
    sys.exit(main())
