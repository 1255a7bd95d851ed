#!/usr/bin/env python3
"""Contract batches (issue #28): one batch of N new hires (default 1,000) through the API,
made and sent in Oneflow (the sandbox), signed there as each employee, and back as HR
records — while unrelated webhooks arrive at 200/s.

1. `hrbridge serve` as deployed (the worker inside it), the sandbox inside it (in memory, its
   rate limit off: the batch's own pace is what is measured), one installation.
2. `POST /api/v1/contract-batches` with N rows: the answer's time (every row checked, stored).
3. Meanwhile wrk sends correctly signed notifications of another contract at 200/s for
   `--seconds`: their acknowledgement p50/p99 (target p99 < 10 ms) while the batch runs.
4. The time until every row is `sent`: rows/s. `sending.batch_rows_per_minute` and
   `sending.batch_in_flight` are the batch's pace (defaults 100 and 4 in production, which
   make 1,000 rows take ten minutes by design); `--rows-per-minute` and `--in-flight` set them.
5. Every contract signed in the sandbox at once: the time until every row is `signed` with its
   PDF on its employee: rows/s.

  scripts/bench batch [--db postgres]
  bench/batch.py --binary .build/release/hrbridge [--rows 1000] [--rows-per-minute 60000] [--in-flight 8] [--db postgres --pg-admin-url URL]
"""
import argparse
import concurrent.futures as futures
import json
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
from harness import API_KEY, Failure, World, post_json, request, wait_for  # noqa: E402

RATE = 200  # unrelated webhooks per second
PER_CONNECTION = 20


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", required=True)
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--rows-per-minute", type=int, default=60000)
    parser.add_argument("--in-flight", type=int, default=8)
    parser.add_argument("--seconds", type=int, default=30, help="how long the 200/s webhooks run, from the batch's POST")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--pg-admin-url")
    args = parser.parse_args()

    # The sandbox in a process of its own, as Oneflow is elsewhere: inside `serve` its work
    # (every create, publish and webhook it sends) would be counted as HR Bridge's.
    settings = {"sandbox_persist": "false", "sandbox_rate_limit": 0, "sync_lease_seconds": 60, "log_level": "warning",
                "sending_batch_rows_per_minute": args.rows_per_minute, "sending_batch_in_flight": args.in_flight,
                "sending_batch_max_rows": max(args.rows, 1000)}
    with World(common.suite(args.binary, args.db, args.pg_admin_url), "batch", **settings) as w:
        server = w.serve()
        w.provision()
        installation = w.db.rows("SELECT id FROM installations")[0][0]
        bodies = common.bodies_file(w, os.path.join(w.dir, "bodies.txt"), int(RATE * args.seconds * 1.2), "batch-bench")
        print(f"batch on {args.db}: {args.rows} rows at up to {args.rows_per_minute}/min, {args.in_flight} in flight; "
              f"unrelated webhooks at {RATE}/s for {args.seconds} s (release build, serve with its worker)")

        acks = {}

        def webhooks():
            acks.update(common.wrk(w.port, args.seconds, RATE // PER_CONNECTION, 2, {
                "MODE": "webhook", "BODIES": bodies, "WEBHOOK_PATH": w.webhook_path, "RATE_PER_CONNECTION": str(PER_CONNECTION)}))

        rows = [{"person": {"name": f"Intake Hire {n}", "email": f"intake{n}@example.com"}, "fields": {"salary": 40000 + n}}
                for n in range(args.rows)]
        body = json.dumps({"installation_id": str(installation), "label": "bench", "requests": rows,
                           "defaults": {"send": True, "fields": {"start_date": "2027-09-01"}}})
        load = threading.Thread(target=webhooks)
        writes = common.sqlite_writes(w.port) if args.db == "sqlite" else None
        cpu = (common.cpu_seconds(server), common.cpu_seconds(w.sandbox))
        started = time.monotonic()
        load.start()
        status, answer, seconds = request(w.port, "POST", "/api/v1/contract-batches", body,
                                          {"authorization": f"Bearer {API_KEY}", "content-type": "application/json",
                                           "idempotency-key": "bench"}, timeout=120)
        if status != 202:
            raise Failure(f"the batch: HTTP {status} {answer[:300]!r}")
        batch = json.loads(answer)
        count = lambda state: w.db.scalar(f"SELECT COUNT(*) FROM contract_requests WHERE batch_id IS NOT NULL AND state = '{state}'")
        wait_for(lambda: count("sent") == args.rows or count("failed") > 0, 3600, "every row to be sent", 0.2)
        to_sent = time.monotonic() - started
        if count("failed"):
            raise Failure(f"{count('failed')} rows failed: {w.db.rows('SELECT failure FROM contract_requests WHERE failure IS NOT NULL')[:3]}")
        load.join()
        window = time.monotonic() - started
        used = (common.cpu_seconds(server) - cpu[0], common.cpu_seconds(w.sandbox) - cpu[1])
        held = ""
        if writes is not None:
            after = common.sqlite_writes(w.port)
            held = "; SQLite writes over 25 ms: " + ", ".join(
                f"{writer} {slow} (longest {longest:g} ms)" for writer in sorted(after)
                for slow, longest in [common.slow_writes({writer: writes.get(writer, {})}, {writer: after[writer]})])
        print(f"  the batch answered in {seconds * 1000:.0f} ms ({batch['accepted']} accepted); every row sent after {to_sent:.1f} s: "
              f"{args.rows / to_sent:.1f} rows/s")
        print(f"  unrelated webhooks meanwhile: {acks['rate']:.0f}/s, p50 {acks['p50_ms']:.2f} ms, p99 {acks['p99_ms']:.2f} ms, "
              f"p99.9 {acks['p999_ms']:.2f} ms, {acks['s5xx']} 5xx{held}")
        print(f"  CPU over those {window:.0f} s (2 cores): serve {used[0] / window:.0%}, the sandbox (Oneflow's stand-in) {used[1] / window:.0%}")

        contracts = [int(r[0]) for r in w.db.rows("SELECT oneflow_contract_id FROM contract_requests WHERE batch_id IS NOT NULL")]
        started = time.monotonic()
        with futures.ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda c: post_json(w.sandbox_port, f"/sandbox/control/contracts/{c}/sign"), contracts))
        wait_for(lambda: count("signed") == args.rows, 3600, "every row to come back signed", 0.2)
        wait_for(lambda: w.db.scalar("SELECT COUNT(*) FROM documents") >= args.rows, 600, "every signed PDF", 0.2)
        back = time.monotonic() - started
        print(f"  all signed in the sandbox and back as signed records with their PDFs after {back:.1f} s: {args.rows / back:.1f} rows/s")
        rss = common.peak_rss_mib(server)
        print(f"  peak RSS {rss:.0f} MiB")
        common.save("batch", {"machine": common.machine(), "db": args.db, "rows": args.rows, "rows_per_minute": args.rows_per_minute,
                              "in_flight": args.in_flight, "answer_ms": seconds * 1000, "to_sent_seconds": to_sent,
                              "sent_per_second": args.rows / to_sent, "signed_back_seconds": back, "signed_per_second": args.rows / back,
                              "webhooks": {k: acks[k] for k in ("rate", "p50_ms", "p99_ms", "p999_ms", "max_ms", "s5xx")},
                              "cpu_share": {"serve": used[0] / window, "sandbox": used[1] / window},
                              "peak_rss_mib": rss})
    return 0


if __name__ == "__main__":
    sys.exit(main())
