#!/usr/bin/env python3
"""What the disk alone does: the fsync latency the benchmarks' SQLite file will meet.

Writes 4 KiB and fsyncs it, a few hundred times a second, for `--seconds`, in `--dir` (default: the
system's temporary directory, where the benchmarks keep their databases), and prints the
latency per second: the slowest sync and how many took over 25 ms. Nothing of HR Bridge runs.
An acknowledgement is answered after its commit's fsync, so when this shows stalls of
100 ms and more, the `ack` and `latency` tails of the same hour will show them too — they
are the disk's, not the request path's (bench/RESULTS.md).

  scripts/bench disk
  bench/disk.py [--seconds 30] [--dir /tmp]
"""
import argparse
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--dir", default=tempfile.gettempdir())
    args = parser.parse_args()
    if args.seconds < 1:
        parser.error("--seconds must be at least 1")
    if not os.path.isdir(args.dir):
        parser.error(f"--dir {args.dir}: no such directory")

    rows = []
    print(f"{'second':>6}  {'syncs':>5}  {'p50 ms':>7}  {'max ms':>7}  {'>25ms':>5}")
    for second in range(args.seconds):
        r = common.disk_probe(args.dir, 1)
        rows.append(r)
        print(f"{second:>6}  {r['syncs']:>5}  {r['p50_ms']:>7.2f}  {r['max_ms']:>7.1f}  {r['over_25ms']:>5}")
    stalled = sum(r["over_25ms"] > 0 for r in rows)
    print(f"\n{sum(r['syncs'] for r in rows)} syncs; {sum(r['over_25ms'] for r in rows)} over 25 ms, in {stalled} of "
          f"{args.seconds} seconds; the slowest {max(r['max_ms'] for r in rows):.1f} ms")
    common.save("disk", {"machine": common.machine(), "dir": args.dir, "seconds": rows})
    return 0


if __name__ == "__main__":
    sys.exit(main())
