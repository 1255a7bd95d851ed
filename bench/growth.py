#!/usr/bin/env python3
"""A year's volume (issue #27): how HR Bridge answers with a big database, and while its
retention purge deletes a year of deliveries.

Builds a database as a partner's would look after a year — by default 1,000,000 webhook
deliveries with their finished jobs and 100,000 employees, each with a contract, two history
rows and a small PDF, over 500 installations. The installations are set up through the real
Setup URL against the sandbox (their sign keys work); every other row is written directly
(sqlite3, or psql COPY), so the build takes minutes, not the days HTTP would. The deliveries
are 91 to 456 days old: all of them past `retention.delivery_days`. Then it measures:

  1. acks/s at 16 connections (`serve --no-worker`) on this database, against the same run on
     an empty one (target: at least 0.9 of it);
  2. acks/s at 32 connections with the default `serve` (the worker inside, draining what
     arrives), against the same server's `GET /health` (target: at least 0.6);
  3. p95 of the admin pages (webhook activity by outcome and by installation, employee
     search, an employee's page) and of the HR API's first, middle and last list pages
     (target: under 50 ms each);
  4. database bytes per 1,000 deliveries (with their jobs) and per employee;
  5. ack latency at 1,000/s while the retention job purges the year of deliveries and jobs
     (target: p99 under 10 ms), and how fast it purges.

Retention is off (0 days) for 1–4, so nothing is purged under them.

  scripts/bench growth [--db postgres]
  bench/growth.py --binary .build/release/hrbridge [--db sqlite|postgres] [--scale 0.01]
"""
import argparse
import base64
import csv
import hashlib
import http.cookiejar
import os
import random
import re
import sqlite3
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
from harness import API_KEY, World, request  # noqa: E402

DAY = 86400.0
KEEP = {"retention_delivery_payload_days": 0, "retention_delivery_days": 0, "retention_job_days": 0,
        "retention_notification_days": 0, "retention_setup_request_days": 0, "retention_disconnected_days": 0}
PDF = b"%PDF-1.4\n" + b"0" * 3000 + b"\n%%EOF\n"  # a small signed contract's size


class Loader:
    """Writes rows straight into the world's database, in the column formats the app uses:
    on SQLite UUIDs as upper-case text, times as seconds since 1970; on PostgreSQL its types."""

    def __init__(self, world):
        self.db = world.db

    def table(self, name, columns, rows):
        if self.db.kind == "sqlite":
            conn = sqlite3.connect(self.db.path, timeout=60)
            conn.execute("PRAGMA synchronous = OFF")
            batch = []
            marks = ",".join("?" * len(columns))
            statement = f"INSERT INTO {name} ({','.join(columns)}) VALUES ({marks})"
            for row in rows:
                batch.append(tuple(self.sqlite(v) for v in row))
                if len(batch) == 20_000:
                    conn.executemany(statement, batch)
                    batch = []
            if batch:
                conn.executemany(statement, batch)
            conn.commit()
            conn.close()
            return
        copy = subprocess.Popen(
            ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", self.db.url.split("?")[0], "-c",
             f"COPY {name} ({','.join(columns)}) FROM STDIN WITH (FORMAT csv, NULL '\\N')"],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        writer = csv.writer(copy.stdin)
        for row in rows:
            writer.writerow([self.postgres(v) for v in row])
        copy.stdin.close()
        if copy.wait() != 0:
            raise RuntimeError(f"COPY {name}: {copy.stderr.read()}")

    @staticmethod
    def sqlite(value):
        if isinstance(value, uuid.UUID):
            return str(value).upper()
        if isinstance(value, Time):
            return value.seconds
        return value

    @staticmethod
    def postgres(value):
        if value is None:
            return "\\N"  # the COPY's NULL
        if isinstance(value, Time):
            return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(value.seconds)) + f".{int(value.seconds % 1 * 1e6):06d}+00"
        if isinstance(value, bool):
            return "t" if value else "f"
        if isinstance(value, bytes):
            return "\\x" + value.hex()
        return value

    def size(self):
        if self.db.kind == "sqlite":
            conn = sqlite3.connect(self.db.path, timeout=60)
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            size = conn.execute("SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()").fetchone()[0]
            conn.close()
            return size
        self.db.rows("CHECKPOINT")
        return int(self.db.rows("SELECT pg_database_size(current_database())")[0][0])

    def analyze(self):
        """PostgreSQL: what autovacuum would have done over the year. SQLite: nothing — the
        service gathers its own planner statistics when its worker starts (`PlannerStatistics`),
        and the pages below are measured with those, as a customer's database would have them."""
        if self.db.kind == "postgres":
            self.db.rows("VACUUM ANALYZE")


class Time:
    def __init__(self, seconds):
        self.seconds = seconds


def build(w, installations, deliveries, employees, loader):
    """The year: deliveries and their jobs, then employees with contracts, history and PDFs."""
    ids = [uuid.UUID(row[0]) for row in w.db.rows("SELECT id FROM installations ORDER BY oneflow_account_id")]
    now = time.time()
    random.seed(27)
    sizes = {"empty": loader.size()}

    def delivery_rows():
        for n in range(deliveries):
            received = now - (91 + 365 * n / deliveries) * DAY
            status = "processed" if n % 100 < 97 else ("ignored" if n % 100 < 99 else ("failed" if n % 200 == 199 else "dead"))
            contract = 10_000 + n % (employees or 1)
            callback = hashlib.sha1(f"growth-{n}".encode()).hexdigest()
            payload = ('{"callback_id":"%s","contract":{"id":%d},"events":[{"created_time":"2026-01-01T10:00:00+0000",'
                       '"id":%d,"type":"contract:sign"}]}' % (callback, contract, n))
            yield (uuid.UUID(int=n + 1), ids[n % len(ids)], callback, contract, "contract:sign", payload, status,
                   "signed: updated" if status == "processed" else ("other template group" if status == "ignored" else "Oneflow 503"),
                   1, Time(received), Time(received + 0.5), False)

    started = time.monotonic()
    loader.table("webhook_deliveries", ["id", "installation_id", "callback_id", "oneflow_contract_id", "event_types", "payload", "status",
                                        "outcome_reason", "attempts", "received_at", "processed_at", "callback_copy"], delivery_rows())
    loader.table("jobs", ["id", "kind", "payload", "status", "attempts", "max_attempts", "run_at", "created_at", "updated_at", "finished_at"],
                 ((uuid.UUID(int=(1 << 64) + n), "sync-delivery", '{"delivery_id":"%s"}' % str(uuid.UUID(int=n + 1)).upper(),
                   "succeeded", 1, 12, Time(now - (91 + 365 * n / deliveries) * DAY), Time(now - (91 + 365 * n / deliveries) * DAY),
                   Time(now - (91 + 365 * n / deliveries) * DAY), Time(now - (91 + 365 * n / deliveries) * DAY)) for n in range(deliveries)))
    sizes["deliveries"] = loader.size()
    print(f"  {deliveries:,} deliveries and their jobs written in {time.monotonic() - started:.0f} s")

    started = time.monotonic()
    fields = '{"department":"Support","employee_number":"E%06d","job_title":"Engineer","salary":"42000 SEK","start_date":"2026-01-01"}'

    def employee(n):
        return uuid.UUID(int=(2 << 64) + n)

    def contract(n):
        return uuid.UUID(int=(3 << 64) + n)

    def document(n):
        return uuid.UUID(int=(4 << 64) + n)

    def changed(n):
        return Time(now - 365 * DAY * (1 - n / employees))

    loader.table("employees", ["id", "installation_id", "employee_number", "name", "email", "phone", "title", "fields", "custom_fields",
                               "employment_status", "created_at", "updated_at"],
                 ((employee(n), ids[n % len(ids)], f"E{n:06d}", f"Person {n}", f"person{n}@example.com", "+46701234567", "Engineer",
                   fields % n, "{}", "ACTIVE", changed(n), changed(n)) for n in range(employees)))
    if w.db.scalar("SELECT COUNT(*) FROM " + ("sqlite_master WHERE name" if w.db.kind == "sqlite" else "pg_tables WHERE tablename")
                   + " = 'employee_search_terms'"):
        # The words each is found by (`EmployeeSearch.terms`): name, email, employee number.
        loader.table("employee_search_terms", ["term", "employee_id"],
                     ((term, employee(n)) for n in range(employees)
                      for term in dict.fromkeys(["person", str(n), f"person{n}", "example", "com", f"e{n:06d}"])))
    loader.table("employment_contracts", ["id", "installation_id", "employee_id", "oneflow_contract_id", "template_type_id", "name", "status",
                                          "state_updated_at", "lifecycle_state", "start_date", "signed_at", "created_at", "updated_at"],
                 ((contract(n), ids[n % len(ids)], employee(n), 10_000 + n, 1, f"Employment contract – Person {n}", "signed", changed(n),
                   "awaiting", "2026-01-01", changed(n), changed(n), changed(n)) for n in range(employees)))
    loader.table("contract_history", ["id", "contract_id", "source", "event_types", "from_status", "to_status", "changes", "created_at"],
                 ((uuid.UUID(int=(5 << 64) + 2 * n + k), contract(n), "webhook", ["contract:publish", "contract:sign"][k],
                   [None, "pending"][k], ["pending", "signed"][k], '{"contract.status":{"to":"signed"}}', changed(n))
                  for n in range(employees) for k in (0, 1)))
    loader.table("documents", ["id", "employee_id", "contract_id", "oneflow_file_id", "filename", "content_type", "size", "sha256",
                               "storage_path", "created_at"],
                 ((document(n), employee(n), contract(n), n, f"contract-{10_000 + n}.pdf", "application/pdf", len(PDF),
                   hashlib.sha256(PDF).hexdigest(), "database", changed(n)) for n in range(employees)))
    loader.table("document_contents", ["id", "document_id", "data"],
                 ((uuid.UUID(int=(6 << 64) + n), document(n), PDF) for n in range(employees)))
    sizes["employees"] = loader.size()
    print(f"  {employees:,} employees with contracts, history and PDFs written in {time.monotonic() - started:.0f} s")
    started = time.monotonic()
    loader.analyze()
    if w.db.kind == "postgres":
        print(f"  statistics gathered in {time.monotonic() - started:.0f} s")
    return sizes


def ack_rate(w, connections, seconds, label):
    bodies = common.bodies_file(w, os.path.join(w.dir, f"bodies-{label}.txt"), 15_000 * seconds, f"growth-{label}")
    return common.wrk(w.port, seconds, connections, 2, {"MODE": "webhook", "BODIES": bodies, "WEBHOOK_PATH": w.webhook_path})


def health_rate(w, connections, seconds):
    return common.wrk(w.port, seconds, connections, 2, {"MODE": "health"})


class Admin:
    """A signed-in admin browser (cookies, the sign-in form's CSRF token)."""

    def __init__(self, port):
        self.port = port
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        form = self.get("/admin/login")[1]
        token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
        data = urllib.parse.urlencode({"password": "reliability-admin", "csrf_token": token}).encode()
        self.opener.open(f"http://127.0.0.1:{port}/admin/login", data, timeout=30)

    def get(self, path):
        with self.opener.open(f"http://127.0.0.1:{self.port}{path}", timeout=60) as r:
            return r.status, r.read().decode()


def p95(fetch, samples):
    times = []
    for n in range(samples + 3):
        started = time.perf_counter()
        status = fetch()
        elapsed = (time.perf_counter() - started) * 1000
        if status != 200:
            raise RuntimeError(f"answered {status}")
        if n >= 3:  # warm-up
            times.append(elapsed)
    times.sort()
    return times[int(len(times) * 0.95) - 1]


def cursor(micros, ident):
    return base64.urlsafe_b64encode(f"{micros}.{ident}".encode()).decode().rstrip("=")


def pages(w, employees, installation, samples):
    admin = Admin(w.port)
    api = {"authorization": f"Bearer {API_KEY}"}

    def api_page(after=None):
        path = "/api/v1/employees?limit=100" + (f"&after={after}" if after else "")
        return request(w.port, "GET", path, headers=api)[0]

    # A cursor at the middle and at the last page, as a client reading on would hold.
    def position(n):
        row = w.db.rows(f"SELECT updated_at, id FROM employees ORDER BY updated_at, id LIMIT 1 OFFSET {n}")[0]
        seconds = float(row[0]) if w.db.kind == "sqlite" else float(w.db.rows(
            f"SELECT EXTRACT(EPOCH FROM updated_at) FROM employees WHERE id = '{row[1]}'")[0][0])
        return cursor(round(seconds * 1e6), row[1].upper())

    middle, last = position(employees // 2), position(max(0, employees - 50))
    employee_id = str(uuid.UUID(int=(2 << 64) + employees // 3)).upper()
    figures = {
        "activity by outcome": p95(lambda: admin.get("/admin/activity?status=ignored")[0], samples),
        "activity by installation": p95(lambda: admin.get(f"/admin/activity?installation={installation}")[0], samples),
        "employee search": p95(lambda: admin.get(f"/admin/employees?q=person%20{employees // 7}")[0], samples),
        "employee page": p95(lambda: admin.get(f"/admin/employees/{employee_id}")[0], samples),
        "API first page": p95(lambda: api_page(), samples),
        "API middle page": p95(lambda: api_page(middle), samples),
        "API last page": p95(lambda: api_page(last), samples),
    }
    return figures


def lock_holds(before, after):
    """SQLite: how long the window's writes held the write lock, per writer (webhook: the
    acknowledgements' group commits; worker: everything else, the purge among it), as counts
    of at most 2 / 5 / 10 ms and longer."""
    parts = []
    for writer in sorted(after):
        earlier = before.get(writer, {})
        n = {le: c - earlier.get(le, 0) for le, c in after[writer].items()}
        parts.append(f"{writer} ≤2/≤5/≤10/>10 ms {n[0.002]}/{n[0.005] - n[0.002]}/{n[0.01] - n[0.005]}/{n[float('inf')] - n[0.01]}")
    return "  (" + "; ".join(parts) + ")"


def purge_under_load(w, deliveries, rate, window, limit_s):
    """Acks at `rate`/s, `window` seconds at a time, while the retention job purges; until no
    delivery older than 90 days is left (or `limit_s`)."""
    # The year's processed and ignored deliveries: those past retention.delivery_days (90).
    old = ("received_at < strftime('%s', 'now') - 90 * 86400" if w.db.kind == "sqlite"
           else "received_at < now() - interval '90 days'")
    remaining = lambda: w.db.scalar(f"SELECT COUNT(*) FROM webhook_deliveries WHERE status IN ('processed', 'ignored') AND {old}")
    runs, started = [], time.monotonic()
    before = remaining()
    while time.monotonic() - started < limit_s:
        bodies = common.bodies_file(w, os.path.join(w.dir, f"bodies-purge-{len(runs)}.txt"), int(rate * window * 1.2), f"purge{len(runs)}")
        held = common.sqlite_writes(w.port) if w.db.kind == "sqlite" else None
        r = common.wrk(w.port, window, max(1, rate // 20), 2,
                       {"MODE": "webhook", "BODIES": bodies, "WEBHOOK_PATH": w.webhook_path, "RATE_PER_CONNECTION": "20"})
        left = remaining()
        locks = lock_holds(held, common.sqlite_writes(w.port)) if held is not None else ""
        runs.append({"achieved": r["rate"], "p50_ms": r["p50_ms"], "p99_ms": r["p99_ms"], "p999_ms": r["p999_ms"], "s5xx": r["s5xx"],
                     "old_deliveries_left": left, "elapsed_s": time.monotonic() - started})
        print(f"    {time.monotonic() - started:6.0f} s  {r['rate']:6.0f} acks/s  p50 {r['p50_ms']:5.2f}  p99 {r['p99_ms']:6.2f}  "
              f"p99.9 {r['p999_ms']:6.2f} ms  5xx {r['s5xx']}  old deliveries left {left:,}{locks}")
        if left == 0:
            break
    elapsed = time.monotonic() - started
    return runs, (before - runs[-1]["old_deliveries_left"]) / elapsed if runs else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", required=True)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--pg-admin-url")
    parser.add_argument("--scale", type=float, default=1.0, help="of the year (1.0: 1,000,000 deliveries, 100,000 employees, 500 installations)")
    parser.add_argument("--seconds", type=int, default=10, help="per ack measurement")
    parser.add_argument("--samples", type=int, default=40, help="requests per page for its p95")
    parser.add_argument("--purge-limit", type=int, default=1800, help="seconds the purge may take under load")
    parser.add_argument("--purge-batch", type=int, help="retention.batch_size for the purge (default: the configured one)")
    parser.add_argument("--baseline", action="store_true",
                        help="step 5 with retention off: the same load's ack latency with no purge, to compare")
    parser.add_argument("--only", action="append", choices=["ack", "pages", "worker", "purge"],
                        help="measure only this (again for more); the database is built either way")
    args = parser.parse_args()
    deliveries, employees = int(1_000_000 * args.scale), int(100_000 * args.scale)
    installations = max(2, int(500 * args.scale))
    # The sandbox in a process of its own: it keeps its accounts while serve restarts.
    settings = {"sandbox_persist": "false", "sandbox_rate_limit": 0, "log_level": "warning", "sync_lease_seconds": 60, **KEEP}
    record = {"machine": common.machine(), "db": args.db, "deliveries": deliveries, "employees": employees, "installations": installations}
    print(f"growth on {args.db}: {deliveries:,} deliveries, {employees:,} employees, {installations} installations (release build)")

    steps = set(args.only or ["ack", "pages", "worker", "purge"])
    # The baseline: the same ack run on an empty database.
    empty = None
    if "ack" in steps:
        with World(common.suite(args.binary, args.db, args.pg_admin_url), "growth-empty", **settings) as w:
            w.serve(worker=False)
            w.provision()
            empty = ack_rate(w, 16, args.seconds, "empty")
        print(f"  empty database: {empty['rate']:.0f} acks/s at 16 connections")

    with World(common.suite(args.binary, args.db, args.pg_admin_url), "growth", **settings) as w:
        server = w.serve(worker=False)
        started = time.monotonic()
        for n in range(installations):
            w.provision(f"Growth {n:03d}")
        print(f"  {installations} installations set up through the Setup URL in {time.monotonic() - started:.0f} s")
        server.terminate()
        loader = Loader(w)
        sizes = build(w, installations, deliveries, employees, loader)
        record["bytes_per_1000_deliveries"] = (sizes["deliveries"] - sizes["empty"]) / (deliveries / 1000)
        record["bytes_per_employee"] = (sizes["employees"] - sizes["deliveries"]) / employees
        record["database_bytes"] = sizes["employees"]
        print(f"  database: {sizes['employees'] / 2**20:,.0f} MiB; {record['bytes_per_1000_deliveries'] / 1024:,.0f} KiB per 1,000 deliveries "
              f"(with their jobs), {record['bytes_per_employee'] / 1024:,.1f} KiB per employee (contract, history, PDF)")

        if w.db.kind == "sqlite":
            # As a deployment's first start on the file: the worker gathers SQLite's statistics as it starts.
            started = time.monotonic()
            w.serve(worker=True).terminate()
            print(f"  a first serve gathered SQLite's planner statistics and answered in {time.monotonic() - started:.1f} s")

        # 1. Acks on the year's database.
        server = w.serve(worker=False)
        if empty:
            full = ack_rate(w, 16, args.seconds, "full")
            record["ack16"] = {"empty": empty["rate"], "full": full["rate"], "ratio": full["rate"] / empty["rate"], "p99_ms": full["p99_ms"]}
            print(f"  1. acks/s at 16 connections: {full['rate']:.0f} (p99 {full['p99_ms']:.2f} ms) against {empty['rate']:.0f} empty: "
                  f"{record['ack16']['ratio']:.2f} (target ≥ 0.9)")

        # 3. Pages.
        installation = w.db.rows("SELECT id FROM installations ORDER BY oneflow_account_id LIMIT 1 OFFSET 1")[0][0]
        if "pages" in steps:
            record["pages_p95_ms"] = pages(w, employees, installation, args.samples)
            print("  3. p95 (target < 50 ms): " + ", ".join(f"{k} {v:.1f} ms" for k, v in record["pages_p95_ms"].items()))
        server.terminate()

        # 2. Acks with the worker inside, against /health.
        if "worker" in steps:
            server = w.serve(worker=True)
            health = health_rate(w, 32, args.seconds)
            worked = ack_rate(w, 32, args.seconds, "worker")
            record["ack32_worker"] = {"health": health["rate"], "ack": worked["rate"], "ratio": worked["rate"] / health["rate"],
                                      "p99_ms": worked["p99_ms"]}
            print(f"  2. with the worker inside, 32 connections: {worked['rate']:.0f} acks/s against {health['rate']:.0f} /health: "
                  f"{record['ack32_worker']['ratio']:.2f} (target ≥ 0.6)")
            server.terminate()

        if "purge" not in steps:
            common.save("growth", record)
            return 0
        # 5. The purge of the year, under 1,000 acks/s.
        print("  5. the retention purge of the year's deliveries and jobs, under 1,000 acks/s:")
        for key in ([] if args.baseline else KEEP):  # back to the defaults of config/default.json
            w.settings.pop(key, None)
        server = w.serve(worker=True, **({"RETENTION_BATCH_SIZE": str(args.purge_batch)} if args.purge_batch else {}))
        runs, rate = purge_under_load(w, deliveries, 1000, 10, args.purge_limit)
        worst = max(r["p99_ms"] for r in runs)
        record["purge"] = {"runs": runs, "deliveries_purged_per_s": rate, "worst_p99_ms": worst}
        print(f"     purged {rate:,.0f} deliveries/s (with their jobs); worst 10-s p99 {worst:.2f} ms (target < 10 ms)")
        record["peak_rss_mib"] = common.peak_rss_mib(server)
    common.save("growth", record)
    return 0


if __name__ == "__main__":
    sys.exit(main())
