"""Real `hrbridge` processes on loopback, their database, and the checks the scenarios share.

Standard library only, so `scripts/test` needs nothing from PyPI for this part. Every
scenario gets a world of its own (`World`): a fresh data directory, a fresh database (an
SQLite file, or a new PostgreSQL database), a standalone `hrbridge sandbox` playing Oneflow,
and one provisioned installation.
"""
import hashlib
import http.client
import http.cookiejar
import json
import os
import signal
import socket
import sqlite3
import subprocess
import tempfile
import time
import types
import urllib.parse
import urllib.request
import uuid

MASTER_KEY = "B" * 43 + "="  # 32 bytes, base64; every process of a world shares it
API_KEY = "reliability-key-0123456789abcdef0123"


class Failure(Exception):
    """A scenario's pass criterion was not met."""


def log_tails(directory, lines=12):
    """The last lines of every process log of a world: what CI shows when a scenario fails."""
    out = []
    for name in sorted(os.listdir(directory)) if os.path.isdir(directory) else []:
        if name.endswith(".log"):
            with open(os.path.join(directory, name), errors="replace") as f:
                tail = f.readlines()[-lines:]
            out.append(f"    --- {name} ---\n" + "".join("    " + line[:300] for line in tail))
    return "\n".join(out)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def suite(binary, db_kind="sqlite", pg_admin_url=None, workdir=None, purpose="reliability", **extra):
    """What every World of one run shares: the binary, the database kind and where the data
    and logs go (a new temporary directory unless `workdir` is given)."""
    return types.SimpleNamespace(binary=os.path.abspath(binary), db_kind=db_kind, pg_admin_url=pg_admin_url,
                                 workdir=workdir or tempfile.mkdtemp(prefix=f"hrbridge-{purpose}-"), **extra)


# --- HTTP ---------------------------------------------------------------------------------

def request(port, method, path, body=None, headers=None, timeout=10.0):
    """One request on a new connection: (status, body bytes, seconds). Raises OSError when
    the connection fails (a killed or stopped server)."""
    started = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        data = body.encode() if isinstance(body, str) else body
        conn.request(method, path, body=data, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.read(), time.monotonic() - started
    finally:
        conn.close()


def get_json(port, path, headers=None):
    status, body, _ = request(port, "GET", path, headers=headers)
    if status != 200:
        raise Failure(f"GET {path}: HTTP {status} {body[:200]!r}")
    return json.loads(body)


def post_json(port, path, payload=None):
    status, body, _ = request(port, "POST", path, json.dumps(payload or {}), {"content-type": "application/json"})
    if status not in (200, 201):
        raise Failure(f"POST {path}: HTTP {status} {body[:200]!r}")
    return json.loads(body) if body else None


def wait_for(condition, timeout, what, interval=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise Failure(f"timed out after {timeout:.0f}s waiting for {what}")


# --- Databases ----------------------------------------------------------------------------

class Database:
    """The scenario's database, read directly: the inbox and the HR tables are the truth."""

    def __init__(self, kind, directory, pg_admin_url=None):
        self.kind = kind
        if kind == "sqlite":
            self.path = os.path.join(directory, "data", "hrbridge.sqlite")
            self.url = "sqlite://" + self.path  # named, so processes with other data dirs share it
        else:
            self.name = "rel_" + uuid.uuid4().hex[:12]
            self.admin_url = pg_admin_url
            self._psql(self.admin_url, f"CREATE DATABASE {self.name}")
            parts = urllib.parse.urlsplit(pg_admin_url)
            self.url = urllib.parse.urlunsplit(parts._replace(path="/" + self.name))

    @staticmethod
    def _psql(url, sql):
        out = subprocess.run(["psql", "-X", "-q", "-At", "-F", "\t", "-v", "ON_ERROR_STOP=1", url.split("?")[0], "-c", sql],
                             capture_output=True, text=True, timeout=60)
        if out.returncode != 0:
            raise Failure(f"psql: {out.stderr.strip()}")
        return [line.split("\t") for line in out.stdout.splitlines() if line]

    def rows(self, sql):
        if self.kind == "sqlite":
            with sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=30) as conn:
                return [[str(v) if v is not None else "" for v in row] for row in conn.execute(sql).fetchall()]
        return self._psql(self.url, sql)

    def scalar(self, sql):
        return int(self.rows(sql)[0][0])

    def migrate(self, binary, env):
        """PostgreSQL deployments migrate as a deploy step; SQLite migrates in `serve`."""
        if self.kind == "postgres":
            out = subprocess.run([binary, "migrate", "--yes"], env=env, capture_output=True, text=True, timeout=120)
            if out.returncode != 0:
                raise Failure(f"migrate: {out.stdout}{out.stderr}")

    def drop(self):
        if self.kind == "postgres":
            self._psql(self.admin_url, f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)")


# --- Processes ----------------------------------------------------------------------------

class Process:
    """One `hrbridge` process with its log file."""

    def __init__(self, binary, args, env, log_path, port=None):
        self.args, self.env, self.port = [binary] + args, env, port
        self.log_path = log_path
        self.popen = None

    def start(self, wait=True):
        log = open(self.log_path, "ab")
        self.popen = subprocess.Popen(self.args, env=self.env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
        log.close()
        if wait and self.port:
            wait_for(self.healthy, 60, f"{' '.join(self.args[1:2])} on port {self.port} ({self.log_path})", 0.02)
        return self

    def healthy(self):
        if self.popen.poll() is not None:
            raise Failure(f"{self.args[1]} exited with {self.popen.returncode}; see {self.log_path}")
        try:
            return request(self.port, "GET", "/health", timeout=2)[0] == 200
        except OSError:
            return False

    def kill(self):
        if self.popen and self.popen.poll() is None:
            self.popen.send_signal(signal.SIGKILL)
            self.popen.wait()

    def terminate(self, timeout=60):
        """SIGTERM and wait; returns (exit code, seconds)."""
        started = time.monotonic()
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
        try:
            code = self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise Failure(f"{self.args[1]} did not stop within {timeout}s of SIGTERM")
        return code, time.monotonic() - started

    @property
    def alive(self):
        return self.popen is not None and self.popen.poll() is None


ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


LEDGER_KEYS = ("received", "processed", "ignored", "dead", "pending")


class Customer:
    """One Oneflow account with its installation: what a scenario needs to act as it."""

    def __init__(self, name, token, sign_key, webhook_path, type_id):
        self.name, self.token, self.sign_key, self.webhook_path, self.type_id = name, token, sign_key, webhook_path, type_id


class World:
    """A sandbox, a database and one installation (or several: `provision` again), for one scenario."""

    def __init__(self, suite, name, **settings):
        self.suite, self.name = suite, name
        self.dir = os.path.join(suite.workdir, f"{suite.db_kind}-{name}")
        os.makedirs(os.path.join(self.dir, "data"), exist_ok=True)
        self.db = Database(suite.db_kind, self.dir, suite.pg_admin_url)
        self.port = free_port()  # the main serve process; the webhook URL names it
        # embedded_sandbox: the sandbox inside the main `serve` (no process of its own).
        self.embedded = settings.pop("embedded_sandbox", False)
        self.sandbox_port = self.port if self.embedded else free_port()
        self.settings = settings
        self.processes = []
        self.acked = set()  # callback ids some process answered 200
        self.acked_paths = {}  # callback id → the webhook path that answered it 200
        self.customers = []
        if not self.embedded:
            sandbox_env = self.env(self.sandbox_port, DATA_DIR=os.path.join(self.dir, "sandbox"),
                                   SANDBOX_SETUP_URL=f"http://127.0.0.1:{self.port}/setup")
            self.sandbox = self.spawn(["sandbox"], sandbox_env, "sandbox", self.sandbox_port)
        self.db.migrate(suite.binary, self.env(self.port))

    def env(self, port, **extra):
        env = {
            "PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/tmp"),
            "HTTP_PORT": str(port), "DATA_DIR": os.path.join(self.dir, "data"), "DATABASE_URL": self.db.url,
            "PUBLIC_BASE_URL": f"http://127.0.0.1:{self.port}",
            # The main serve of an embedded-sandbox world mounts it (empty = the sandbox).
            "ONEFLOW_BASE_URL": "" if self.embedded and port == self.port else f"http://127.0.0.1:{self.sandbox_port}/sandbox/oneflow",
            "SECURITY_MASTER_KEY": MASTER_KEY, "ADMIN_PASSWORD": "reliability-admin", "API_KEYS": API_KEY,
            "LOG_LEVEL": "notice", "SYNC_RECONCILE_INTERVAL": "0", "SYNC_LEASE_SECONDS": "3",
            "SYNC_RETRY_BASE_SECONDS": "0.05", "SYNC_WORKER_CONCURRENCY": "2", "SANDBOX_RETRY_SCALE": "0.01",
        }
        env.update({k.upper(): str(v) for k, v in self.settings.items()})
        env.update(extra)
        return env

    def spawn(self, args, env, label, port=None, wait=True):
        process = Process(self.suite.binary, args, env, os.path.join(self.dir, f"{label}.log"), port)
        self.processes.append(process)
        return process.start(wait)

    def serve(self, port=None, worker=True, label="serve", wait=True, **extra):
        port = port or self.port
        args = ["serve"] + ([] if worker else ["--no-worker"])
        return self.spawn(args, self.env(port, **extra), label, port, wait)

    def worker(self, label="worker", **extra):
        """A worker with a data directory of its own: nothing it stores may depend on the
        web nodes' disks (documents live in the database)."""
        own = os.path.join(self.dir, "data-" + label)
        return self.spawn(["worker"], self.env(free_port(), DATA_DIR=own, **extra), label)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        for process in self.processes:
            process.kill()
        try:
            self.db.drop()
        except Failure:
            pass

    # --- Oneflow's side, through the sandbox ---------------------------------------------

    def provision(self, name=None):
        """The Marketplace hand-over as a browser does it; needs a running `serve` on self.port.
        The first customer is also the world's own (`w.token`, `w.sign_key` …)."""
        name = name or f"Reliability {self.name}"
        token = post_json(self.sandbox_port, "/sandbox/control/accounts", {"name": name})["token"]
        jar = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        page = jar.open(f"http://127.0.0.1:{self.port}/setup?token={token}", timeout=60).read().decode()
        if "is connected to" not in page:
            raise Failure("setup did not reach the success page")
        auth = {"x-oneflow-api-token": token}
        hook = get_json(self.sandbox_port, "/sandbox/oneflow/v1/webhooks", auth)["data"][0]
        type_id = get_json(self.sandbox_port, "/sandbox/oneflow/v1/template_types", auth)["data"][0]["id"]
        customer = Customer(name, token, hook["sign_key"], urllib.parse.urlsplit(hook["callback_url"]).path, type_id)
        if not self.customers:
            self.token, self.sign_key, self.webhook_path, self.type_id = token, customer.sign_key, customer.webhook_path, type_id
        self.customers.append(customer)
        return customer

    def contract(self, n, actions=("publish", "sign"), customer=None):
        """A contract of ours for employee n, moved through `actions` in the sandbox."""
        customer = customer or self.customers[0]
        created = post_json(self.sandbox_port, "/sandbox/control/contracts", {
            "token": customer.token, "template_type_id": customer.type_id,
            "employee": {"name": f"Person {n}", "email": f"person{n}@example.com"},
            "data_fields": {"employee_number": f"E{n:05d}", "department": "Reliability"}})
        for action in actions:
            self.act(created["id"], action)
        return created["id"]

    def act(self, contract_id, action):
        post_json(self.sandbox_port, f"/sandbox/control/contracts/{contract_id}/{action}")

    def sandbox_state(self, contract_id):
        status, body, _ = request(self.sandbox_port, "GET", f"/sandbox/oneflow/v1/contracts/{contract_id}",
                                  headers={"x-oneflow-api-token": self.token})
        return "deleted" if status == 404 else json.loads(body)["state"]

    def sandbox_acked(self):
        """Callback ids the sandbox's own deliveries got a 200 for, with the path they went to."""
        return {d["callback_id"]: urllib.parse.urlsplit(d["callback_url"]).path
                for d in get_json(self.sandbox_port, "/sandbox/control/deliveries") if d["status"] == "delivered"}

    def sandbox_callback_ids(self):
        """Callback ids of every delivery the sandbox has made or will retry, answered or not."""
        return {d["callback_id"] for d in get_json(self.sandbox_port, "/sandbox/control/deliveries")}

    # --- Our side -------------------------------------------------------------------------

    def notification(self, contract_id, event="contract:sign", callback_id=None, customer=None):
        callback_id = callback_id or str(uuid.uuid4())
        signature = hashlib.sha1((callback_id + (customer or self.customers[0]).sign_key).encode()).hexdigest()
        body = json.dumps({"contract": {"id": contract_id}, "callback_id": callback_id, "signature": signature,
                           "events": [{"id": 1, "type": event, "created_time": "2026-11-23T10:00:00+0000"}]})
        return callback_id, body

    def post(self, port, callback_id, body, timeout=10.0, customer=None):
        """POSTs a notification; returns (status or None when the connection failed, seconds)."""
        path = (customer or self.customers[0]).webhook_path
        try:
            status, _, seconds = request(port, "POST", path, body, {"content-type": "application/json"}, timeout)
        except OSError:
            return None, None
        if status == 200:
            self.acked.add(callback_id)
            self.acked_paths[callback_id] = path
        return status, seconds

    def api(self, path):
        return get_json(self.port, "/api/v1" + path, {"authorization": f"Bearer {API_KEY}"})

    # --- The ledger and exactly-once checks ----------------------------------------------

    def ledger(self):
        """One snapshot of the inbox by outcome, for all installations together; `failed` (to
        be retried) counts as pending. `received` counts every row, so a status outside the
        four makes the ledger not add up."""
        ledgers = self.ledgers()
        return {key: sum(ledger[key] for ledger in ledgers.values()) for key in LEDGER_KEYS}

    def webhook_paths(self):
        """Installation id → the path of its webhook URL."""
        return {str(i): f"/webhooks/oneflow/{key}" for i, key in self.db.rows("SELECT id, webhook_key FROM installations")}

    def ledgers(self):
        """The ledger of each installation, keyed by its webhook path."""
        paths = self.webhook_paths()
        ledgers = {}
        for installation, status, count in self.db.rows(
                "SELECT installation_id, status, COUNT(*) FROM webhook_deliveries GROUP BY installation_id, status"):
            ledger = ledgers.setdefault(paths.get(str(installation), str(installation)), dict.fromkeys(LEDGER_KEYS, 0))
            ledger["received"] += int(count)
            key = "pending" if status in ("pending", "failed") else status
            if key in ledger:
                ledger[key] += int(count)
        return ledgers

    def open_sync_jobs(self):
        return self.db.scalar("SELECT COUNT(*) FROM jobs WHERE kind = 'sync-delivery' AND status IN ('queued', 'running')")

    def drained(self):
        ledger = self.ledger()
        return ledger["pending"] == 0 and self.open_sync_jobs() == 0

    def wait_drained(self, timeout=120):
        wait_for(self.drained, timeout, "every delivery to be processed", 0.1)

    def check_ledger(self):
        """For each installation: received == processed + ignored + dead + pending, and every
        200 its webhook URL answered is in the inbox under that installation, and only there."""
        # Acknowledged first, then stored: a delivery the sandbox sees acknowledged was
        # committed before, so it cannot be missing from a later read of the inbox.
        acked = {**self.sandbox_acked(), **self.acked_paths}
        paths = self.webhook_paths()
        stored = {(callback, paths.get(str(installation))) for callback, installation
                  in self.db.rows("SELECT callback_id, installation_id FROM webhook_deliveries")}
        lost = {(callback, path) for callback, path in acked.items()} - stored
        if lost:
            raise Failure(f"{len(lost)} acknowledged deliveries are not in their installation's inbox, e.g. {sorted(lost)[:3]}")
        for path, ledger in self.ledgers().items():
            total = ledger["processed"] + ledger["ignored"] + ledger["dead"] + ledger["pending"]
            if ledger["received"] != total:
                raise Failure(f"the ledger of {path} does not add up: {ledger}")
        return self.ledger()

    def verify(self, expected_employees=None):
        """The checks every scenario ends with; returns the ledger."""
        ledger = self.check_ledger()
        self.check_exactly_once(expected_employees)
        return ledger

    def check_exactly_once(self, expected_employees=None):
        """No HR change twice: one contract row per Oneflow contract, at most one document per
        contract, no repeated status transition in a contract's history."""
        repeated = self.db.scalar("""SELECT COUNT(*) FROM (SELECT contract_id, from_status, to_status, COUNT(*) AS n
            FROM contract_history GROUP BY contract_id, from_status, to_status HAVING COUNT(*) > 1) AS t""")
        documents = self.db.scalar("""SELECT COUNT(*) FROM (SELECT contract_id FROM documents
            GROUP BY contract_id HAVING COUNT(*) > 1) AS t""")
        contracts = self.db.scalar("""SELECT COUNT(*) FROM (SELECT oneflow_contract_id FROM employment_contracts
            GROUP BY installation_id, oneflow_contract_id HAVING COUNT(*) > 1) AS t""")
        employees = self.db.scalar("SELECT COUNT(*) FROM employees")
        if repeated or documents or contracts:
            raise Failure(f"applied twice: {repeated} repeated transitions, {documents} contracts with 2+ documents, "
                          f"{contracts} duplicated contracts")
        if expected_employees is not None and employees != expected_employees:
            raise Failure(f"{employees} employees, expected {expected_employees}")
