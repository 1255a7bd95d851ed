#!/usr/bin/env python3
"""How fast acknowledged notifications become HR records (issue #9).

1. `hrbridge serve --no-worker` with the sandbox inside it (in memory) and one installation.
2. N signed contracts (default 10,000) are made in the sandbox; it sends two notifications
   each (publish, sign) and we wait until every one is acknowledged and in the inbox.
3. `hrbridge worker` (`--workers` of them) starts against that backlog: the time until every delivery is
   processed gives contracts/s (each contract: two deliveries, two contract reads, one PDF).
4. At low load, one contract at a time is signed and the time from the sign until the
   record is visible as signed in the JSON API is measured (p50/p95).

  scripts/bench drain [--db postgres]
  bench/drain.py --binary .build/release/hrbridge [--contracts 10000] [--db postgres --pg-admin-url URL]
"""
import argparse
import concurrent.futures as futures
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
from harness import API_KEY, World, request, wait_for  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", required=True)
    parser.add_argument("--contracts", type=int, default=10_000)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--pg-admin-url")
    parser.add_argument("--concurrency", type=int, default=4, help="worker loops (sync.worker_concurrency)")
    parser.add_argument("--batch-size", type=int, default=32, help="jobs a worker loop claims at once (sync.batch_size)")
    parser.add_argument("--workers", type=int, default=1, help="`hrbridge worker` processes")
    parser.add_argument("--samples", type=int, default=40, help="single-contract latency samples")
    args = parser.parse_args()

    settings = {"embedded_sandbox": True, "sandbox_persist": "false", "sandbox_rate_limit": 0, "sync_worker_concurrency": args.concurrency, "sync_batch_size": args.batch_size,
                "sync_lease_seconds": 60, "log_level": "warning"}
    with World(common.suite(args.binary, args.db, args.pg_admin_url), "drain", **settings) as w:
        server = w.serve(worker=False)
        w.provision()
        print(f"drain on {args.db}: {args.contracts} contracts, {args.workers} worker(s) at concurrency {args.concurrency}, "
              f"batches of {args.batch_size} (release build)")

        started = time.monotonic()
        with futures.ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda n: w.contract(n), range(args.contracts)))
        made = time.monotonic() - started
        wait_for(lambda: w.ledger()["received"] >= 2 * args.contracts, 1800, "every notification to be acknowledged", 0.5)
        acked = time.monotonic() - started
        print(f"  made and signed in the sandbox in {made:.0f} s; all {2 * args.contracts} notifications acknowledged after {acked:.0f} s")

        started = time.monotonic()
        workers = [w.worker(label=f"worker-{i}") for i in range(args.workers)]
        w.wait_drained(timeout=3600)
        elapsed = time.monotonic() - started
        signed = w.db.scalar("SELECT COUNT(*) FROM employment_contracts WHERE status = 'signed'")
        documents = w.db.scalar("SELECT COUNT(*) FROM documents")
        # Deliveries settled by another delivery's fetch of the same contract (CoveredDeliveries).
        covered = w.db.scalar("SELECT COUNT(*) FROM webhook_deliveries WHERE outcome_reason LIKE '%answered by delivery%'")
        rate = args.contracts / elapsed
        print(f"  drained in {elapsed:.1f} s: {rate:.0f} contracts/s ({2 * args.contracts / elapsed:.0f} deliveries/s); "
              f"{signed} signed, {documents} PDFs; {covered} deliveries answered by another's fetch")

        latencies = []
        for n in range(args.samples):
            contract = w.contract(100_000 + n, actions=("publish",))
            wait_for(lambda: visible(w, contract, "pending"), 30, "the published contract")
            t0 = time.monotonic()
            w.act(contract, "sign")
            wait_for(lambda: visible(w, contract, "signed"), 30, "the signed contract", 0.002)
            latencies.append((time.monotonic() - t0) * 1000)
        p50, p95 = statistics.median(latencies), statistics.quantiles(latencies, n=20)[18]
        rss = {"serve": common.peak_rss_mib(server), "worker": max(common.peak_rss_mib(p) for p in workers)}
        print(f"  webhook → record visible, one at a time: p50 {p50:.0f} ms, p95 {p95:.0f} ms ({args.samples} samples)")
        print(f"  peak RSS: serve {rss['serve']:.0f} MiB, worker {rss['worker']:.0f} MiB")
        common.save("drain", {"machine": common.machine(), "db": args.db, "contracts": args.contracts, "concurrency": args.concurrency, "batch_size": args.batch_size, "workers": args.workers,
                              "drain_seconds": elapsed, "contracts_per_second": rate, "signed": signed, "documents": documents, "covered": covered,
                              "latency_ms": {"p50": p50, "p95": p95, "samples": latencies}, "peak_rss_mib": rss})
    return 0 if signed == args.contracts and documents == args.contracts else 1


def visible(w, contract, status):
    code, body, _ = request(w.port, "GET", f"/api/v1/contracts/{contract}", headers={"authorization": f"Bearer {API_KEY}"})
    return code == 200 and f'"status":"{status}"' in body.decode()


if __name__ == "__main__":
    sys.exit(main())
