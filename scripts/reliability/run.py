#!/usr/bin/env python3
"""Reliability suite: real `hrbridge` processes on loopback, killed, stopped, starved and
flooded, each scenario with a pass criterion and a printed figure (issue #8).

  scripts/reliability/run.py --binary .build/debug/hrbridge --db sqlite
  scripts/reliability/run.py --binary … --db postgres --pg-admin-url postgres://postgres@127.0.0.1:5432/postgres \\
      --pg-stop 'pg_ctl -D … stop' --pg-start 'pg_ctl -D … start' [--rounds 1000] [--only poison]

`scripts/test` runs it on both databases. The PostgreSQL run needs the commands that stop
and start the server for the storage-outage scenario.
"""
import argparse
import os
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import scenarios  # noqa: E402
import harness  # noqa: E402
from harness import Failure, log_tails  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", required=True, help="the hrbridge executable")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--pg-admin-url", help="PostgreSQL URL allowed to CREATE DATABASE (each scenario gets its own)")
    parser.add_argument("--pg-stop", help="shell command that stops the PostgreSQL server")
    parser.add_argument("--pg-start", help="shell command that starts it again")
    parser.add_argument("--rounds", type=int, default=200, help="kill-after-ack rounds (default 200)")
    parser.add_argument("--only", action="append", help="run only this scenario (repeatable)")
    parser.add_argument("--workdir", help="keep data and logs here (default: a temporary directory)")
    args = parser.parse_args()
    if args.db == "postgres" and not (args.pg_admin_url and args.pg_stop and args.pg_start):
        parser.error("--db postgres needs --pg-admin-url, --pg-stop and --pg-start")

    suite = harness.suite(args.binary, args.db, args.pg_admin_url, args.workdir,
                          pg_stop=args.pg_stop, pg_start=args.pg_start, rounds=args.rounds)
    chosen = [s for s in scenarios.ALL if not args.only or s.__name__ in args.only]
    print(f"reliability on {args.db}: {len(chosen)} scenarios, logs in {suite.workdir}")
    failures = 0
    for scenario in chosen:
        started = time.monotonic()
        try:
            figure, ledger = scenario(suite)
            ledger_text = f"received {ledger['received']} = processed {ledger['processed']} + ignored {ledger['ignored']}" \
                          f" + dead {ledger['dead']} + pending {ledger['pending']}"
            print(f"  ok    {scenario.__name__} ({time.monotonic() - started:.1f} s): {figure}\n        ledger: {ledger_text}")
        except Failure as failure:
            failures += 1
            print(f"  FAIL  {scenario.__name__} ({time.monotonic() - started:.1f} s): {failure}")
            print(log_tails(os.path.join(suite.workdir, f"{args.db}-{scenario.__name__.replace('_', '-')}")))
        except Exception:  # a bug in the harness is a failure too, with its trace
            failures += 1
            print(f"  FAIL  {scenario.__name__}: harness error\n{traceback.format_exc()}")
        sys.stdout.flush()
    print(f"reliability on {args.db}: {len(chosen) - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
