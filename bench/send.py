#!/usr/bin/env python3
"""Contract requests end to end (issue #26): the HR system asks, HR Bridge creates and sends
each contract in Oneflow (the sandbox), the employee signs, and the signed contract comes back
as the HR record.

1. `hrbridge serve` as deployed (the worker inside it), the sandbox inside it (in memory), one
   installation.
2. N contract requests for new hires (default 500), `send: true`, POSTed by 8 clients at once:
   the answers' p50/p95 (checked, stored, queued — not waiting on Oneflow).
3. The time until every request is `sent` (created and published in Oneflow): requests/s, and
   each request's own time from accepted to sent (p50/p95).
4. Every contract signed in the sandbox at once: the time until every request is `signed` with
   its PDF on its employee: requests/s through the round trip.

  scripts/bench send [--db postgres]
  bench/send.py --binary .build/release/hrbridge [--requests 500] [--db postgres --pg-admin-url URL]
"""
import argparse
import concurrent.futures as futures
import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
from harness import API_KEY, Failure, World, post_json, request, wait_for  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", required=True)
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--pg-admin-url")
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()

    settings = {"embedded_sandbox": True, "sandbox_persist": "false", "sandbox_rate_limit": 0, "sync_lease_seconds": 60, "log_level": "warning",
                "sync_worker_concurrency": 4}
    with World(common.suite(args.binary, args.db, args.pg_admin_url), "send", **settings) as w:
        server = w.serve()
        customer = w.provision()
        installation = w.db.rows("SELECT id FROM installations")[0][0]
        print(f"send on {args.db}: {args.requests} contract requests by {args.clients} clients, serve with its worker (release build)")

        def ask(n):
            body = json.dumps({"installation_id": str(installation), "send": True, "fields": {"start_date": "2027-03-01", "salary": 42000 + n},
                               "person": {"name": f"New Hire {n}", "email": f"hire{n}@example.com"}})
            status, answer, seconds = request(w.port, "POST", "/api/v1/contract-requests", body,
                                              {"authorization": f"Bearer {API_KEY}", "content-type": "application/json",
                                               "idempotency-key": f"bench-{n}"}, timeout=60)
            if status != 202:
                raise Failure(f"request {n}: HTTP {status} {answer[:200]!r}")
            return seconds * 1000

        started = time.monotonic()
        with futures.ThreadPoolExecutor(args.clients) as pool:
            answers = list(pool.map(ask, range(args.requests)))
        asked = time.monotonic() - started
        count = lambda state: w.db.scalar(f"SELECT COUNT(*) FROM contract_requests WHERE state = '{state}'")
        wait_for(lambda: count("sent") == args.requests or count("failed") > 0, 1800, "every request to be sent", 0.2)
        to_sent = time.monotonic() - started
        if count("failed"):
            raise Failure(f"{count('failed')} requests failed: {w.db.rows('SELECT failure FROM contract_requests WHERE failure IS NOT NULL')[:3]}")
        per_request = request_times(w)
        print(f"  {args.requests} answered in {asked:.1f} s (p50 {statistics.median(answers):.0f} ms, p95 {p95(answers):.0f} ms); "
              f"all sent after {to_sent:.1f} s: {args.requests / to_sent:.1f} requests/s; accepted → sent p50 {statistics.median(per_request):.0f} ms, "
              f"p95 {p95(per_request):.0f} ms")

        contracts = [int(r[0]) for r in w.db.rows("SELECT oneflow_contract_id FROM contract_requests")]
        started = time.monotonic()
        with futures.ThreadPoolExecutor(args.clients) as pool:
            list(pool.map(lambda c: post_json(w.port, f"/sandbox/control/contracts/{c}/sign"), contracts))
        wait_for(lambda: count("signed") == args.requests, 1800, "every request to come back signed", 0.2)
        wait_for(lambda: w.db.scalar("SELECT COUNT(*) FROM documents") == args.requests, 600, "every signed PDF", 0.2)
        back = time.monotonic() - started
        employees = w.db.scalar("SELECT COUNT(*) FROM employees")
        print(f"  all signed in the sandbox and back as signed records with their PDFs after {back:.1f} s: "
              f"{args.requests / back:.1f} contracts/s; {employees} employees")
        total = to_sent + back
        rss = common.peak_rss_mib(server)
        print(f"  end to end (asked → sent → signed → record): {args.requests / total:.1f} requests/s; peak RSS {rss:.0f} MiB")
        common.save("send", {"machine": common.machine(), "db": args.db, "requests": args.requests, "clients": args.clients,
                             "answer_ms": {"p50": statistics.median(answers), "p95": p95(answers)},
                             "to_sent_seconds": to_sent, "sent_per_second": args.requests / to_sent,
                             "accepted_to_sent_ms": {"p50": statistics.median(per_request), "p95": p95(per_request)},
                             "signed_back_seconds": back, "signed_per_second": args.requests / back,
                             "end_to_end_per_second": args.requests / total, "employees": employees, "peak_rss_mib": rss})
        return 0 if employees == args.requests else 1


def p95(values):
    return statistics.quantiles(values, n=20)[18] if len(values) >= 20 else max(values)


def request_times(w):
    """Each request's time from accepted (created) to its `sent` event, in ms."""
    rows = w.db.rows("""SELECT r.created_at, e.created_at FROM contract_requests r
        JOIN contract_request_events e ON e.request_id = r.id AND e.state = 'sent'""")
    return [(common.timestamp(sent) - common.timestamp(created)) * 1000 for created, sent in rows]


if __name__ == "__main__":
    sys.exit(main())
