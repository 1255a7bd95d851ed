"""The reliability scenarios of issue #8. Each builds its own World, drives real processes,
raises Failure when its pass criterion is not met, and returns the figure it measured."""
import concurrent.futures as futures
import http.client
import json
import random
import sqlite3
import subprocess
import threading
import time

from harness import API_KEY, Failure, World, free_port, get_json, post_json, request, wait_for


def kill_after_ack(suite):
    """POST, get 200, SIGKILL at once, restart — every acknowledged delivery is there."""
    with World(suite, "kill-after-ack") as w:
        w.serve()
        w.provision()
        contract = w.contract(1)
        w.processes[-1].kill()
        restarts = []
        for n in range(suite.rounds):
            started = time.monotonic()
            server = w.serve(label="serve-rounds")
            restarts.append(time.monotonic() - started)
            bodies = [w.notification(contract, callback_id=f"round-{n}-{i}") for i in range(3)]
            with futures.ThreadPoolExecutor(3) as pool:
                posts = [pool.submit(w.post, w.port, cb, body) for cb, body in bodies]
                # The kill lands right after the first 200: the others are in flight.
                done = next(futures.as_completed(posts))
                if done.result()[0] != 200:
                    raise Failure(f"round {n}: HTTP {done.result()[0]}")
                server.kill()
        w.serve()
        w.wait_drained()
        ledger = w.verify(expected_employees=1)
        ours = sum(1 for cb in w.acked if cb.startswith("round-"))
        return (f"{suite.rounds} rounds: {ours} acknowledged, all {ours} in the inbox after restart; "
                f"{ledger['received']} stored; restart {sum(restarts) / len(restarts) * 1000:.0f} ms mean"), ledger


def kill_mid_job(suite):
    """SIGKILL workers at random while two customers' backlogs drain — their employees sharing
    numbers and emails: every job completes, each HR change once, each in its own installation."""
    per_customer = 15
    contracts = 2 * per_customer
    with World(suite, "kill-mid-job") as w:
        w.serve(worker=False)
        customers = [w.provision("Acme AB"), w.provision("Beta Oy")]
        for n in range(per_customer):
            for customer in customers:
                w.contract(n, customer=customer)
        # publish + sign for each: the sandbox delivers 2 notifications per contract.
        wait_for(lambda: w.ledger()["received"] >= 2 * contracts, 60, "the sandbox's deliveries")
        workers = [w.worker(label=f"worker-{i}") for i in range(2)]
        kills, started = 0, time.monotonic()
        rng = random.Random(8)
        while not w.drained():
            if time.monotonic() - started > 180:
                raise Failure(f"backlog not drained after 180 s ({w.ledger()})")
            time.sleep(rng.uniform(0.05, 0.4))
            victim = rng.randrange(len(workers))
            workers[victim].kill()
            kills += 1
            workers[victim] = w.worker(label=f"worker-{victim}")
        elapsed = time.monotonic() - started
        ledger = w.verify(expected_employees=contracts)
        signed = w.db.scalar("SELECT COUNT(*) FROM employment_contracts WHERE status = 'signed'")
        documents = w.db.scalar("SELECT COUNT(*) FROM documents")
        if signed != contracts or documents != contracts or ledger["dead"]:
            raise Failure(f"{signed} signed, {documents} documents of {contracts}; {ledger['dead']} dead")
        # Per installation: its own employees (the same numbers and emails as the other's), each
        # with its own signed contract and PDF, and a ledger of its own that adds up.
        per_installation = w.db.rows("""SELECT e.installation_id, COUNT(DISTINCT e.id), COUNT(DISTINCT c.id), COUNT(DISTINCT d.id)
            FROM employees e JOIN employment_contracts c ON c.employee_id = e.id AND c.installation_id = e.installation_id
            LEFT JOIN documents d ON d.contract_id = c.id GROUP BY e.installation_id""")
        if len(per_installation) != 2 or any([int(x) for x in row[1:]] != [per_customer] * 3 for row in per_installation):
            raise Failure(f"per installation (employees, contracts, documents): {per_installation}, expected {per_customer} each")
        ledgers = w.ledgers()
        if sorted(ledgers) != sorted(c.webhook_path for c in customers) or any(l["processed"] != 2 * per_customer for l in ledgers.values()):
            raise Failure(f"ledgers per installation: {ledgers}")
        # The workers had data directories of their own; the web node serves their PDFs.
        some_contract = w.db.rows("SELECT oneflow_contract_id FROM employment_contracts")[0][0]
        employee = w.api(f"/contracts/{some_contract}")["employee_id"]
        document = w.api(f"/employees/{employee}")["documents"][0]
        status, body, _ = request(w.port, "GET", f"/api/v1/employees/{employee}/documents/{document['id']}",
                                  headers={"authorization": f"Bearer {API_KEY}"})
        if status != 200 or not body.startswith(b"%PDF"):
            raise Failure(f"a worker's PDF is not served by serve: HTTP {status}")
        rerun = w.db.scalar("SELECT COUNT(*) FROM jobs WHERE kind = 'sync-delivery' AND attempts > 1")
        return (f"{ledger['received']} deliveries of 2 customers drained in {elapsed:.1f} s through {kills} worker kills "
                f"({rerun} jobs claimed again after their worker died); {signed} signed, {documents} PDFs, none twice, "
                f"{per_customer} employees in each installation"), ledger


def storage_unavailable(suite):
    """SQLite locked / PostgreSQL stopped: 503 (never 200, never a hang); retries accepted after."""
    with World(suite, "storage-unavailable", database_sqlite_busy_timeout_ms=300) as w:
        w.serve(worker=False)
        w.provision()
        contract = w.contract(1, actions=())
        bodies = [w.notification(contract, event="contract:publish", callback_id=f"outage-{i}") for i in range(5)]
        release = _make_storage_unavailable(suite, w)
        try:
            answers = [w.post(w.port, cb, body) for cb, body in bodies]
            health = _status(w.port, "/health")
        finally:
            release()
        statuses = [status for status, _ in answers]
        if any(status != 503 for status in statuses):
            raise Failure(f"during the outage the receiver answered {statuses}")
        # WAL lets SQLite readers through a writer's lock, so /health (a read) stays 200 there.
        if suite.db_kind == "postgres" and health != 503:
            raise Failure(f"/health answered {health} during the outage")
        slowest = max(seconds for _, seconds in answers)
        # Oneflow retries: so do we, until the storage is back.
        recovered = time.monotonic()
        for cb, body in bodies:
            wait_for(lambda: w.post(w.port, cb, body)[0] == 200, 60, f"{cb} to be accepted after recovery", 0.25)
        recovered = time.monotonic() - recovered
        stored = w.db.scalar("SELECT COUNT(*) FROM webhook_deliveries WHERE callback_id LIKE 'outage-%'")
        if stored != len(bodies):
            raise Failure(f"{stored} of {len(bodies)} retried deliveries stored")
        w.worker()
        w.wait_drained()
        ledger = w.check_ledger()
        how = "SQLite file locked by another process" if suite.db_kind == "sqlite" else "PostgreSQL stopped"
        return f"{how}: 5/5 answered 503 (slowest {slowest * 1000:.0f} ms), /health {health}; all accepted {recovered:.1f} s after recovery", ledger


def _status(port, path):
    try:
        return request(port, "GET", path, timeout=10)[0]
    except OSError:
        return None


def _make_storage_unavailable(suite, w):
    """Takes the storage away; returns the function that gives it back."""
    if suite.db_kind == "sqlite":
        lock = sqlite3.connect(w.db.path, isolation_level=None, timeout=10)
        lock.execute("BEGIN EXCLUSIVE")

        def release():
            lock.execute("ROLLBACK")
            lock.close()
        return release
    subprocess.run(suite.pg_stop, shell=True, check=True, capture_output=True)

    def restart():
        subprocess.run(suite.pg_start, shell=True, check=True, capture_output=True)
    return restart


def duplicates(suite):
    """One callback_id 20 times at once across two processes: one row, one HR change, all 200."""
    with World(suite, "duplicates") as w:
        w.serve()
        w.provision()
        second = w.serve(port=free_port(), worker=False, label="serve-2")
        ports = [w.port, second.port]
        ids, statuses = 5, []
        for n in range(ids):
            contract = w.contract(100 + n)
            cb, body = w.notification(contract, callback_id=f"dup-{n}")
            with futures.ThreadPoolExecutor(20) as pool:
                statuses += [f.result()[0] for f in [pool.submit(w.post, ports[i % 2], cb, body) for i in range(20)]]
        if any(status != 200 for status in statuses):
            raise Failure(f"answers were not all 200: {sorted(set(map(str, statuses)))}")
        rows = w.db.rows("SELECT callback_id, COUNT(*) FROM webhook_deliveries WHERE callback_id LIKE 'dup-%' GROUP BY callback_id")
        if len(rows) != ids or any(int(count) != 1 for _, count in rows):
            raise Failure(f"inbox rows per callback id: {rows}")
        w.wait_drained()
        ledger = w.verify(expected_employees=ids)
        return f"{ids} callback ids × 20 concurrent posts over 2 processes: {len(statuses)}× 200, 1 row each, 1 HR change each", ledger


def out_of_order(suite):
    """Events delivered shuffled and stale, over two processes: final HR state = the sandbox's."""
    plans = [("publish", "sign"), ("publish", "decline"), ("publish",), ("publish", "sign", "delete"), ("publish", "expire"),
             ("publish", "sign"), ("publish", "decline", "delete"), ("publish", "expire", "revive", "sign")]
    with World(suite, "out-of-order") as w:
        w.serve()
        w.provision()
        second = w.serve(port=free_port(), label="serve-2")
        events = []
        contracts = []
        for n, plan in enumerate(plans):
            contract = w.contract(200 + n, actions=plan)
            contracts.append(contract)
            events += [(contract, f"contract:{a}") for a in ("create",) + plan] * 2  # each also arrives stale, later
        random.Random(7).shuffle(events)
        ports = [w.port, second.port]
        with futures.ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(lambda e: w.post(ports[e[0] % 2], *w.notification(e[1][0], e[1][1])), enumerate(events)))
        if any(status != 200 for status, _ in answers):
            raise Failure(f"answers: {sorted(set(str(s) for s, _ in answers))}")
        w.wait_drained()
        mismatched = []
        for contract in contracts:
            ours = w.db.rows(f"SELECT status FROM employment_contracts WHERE oneflow_contract_id = {contract}")
            theirs = w.sandbox_state(contract)
            # A contract deleted before any of its events was processed never became a record.
            if [[theirs]] != ours and not (theirs == "deleted" and ours == []):
                mismatched.append((contract, theirs, ours))
        if mismatched:
            raise Failure(f"HR state differs from the sandbox: {mismatched}")
        # One person per contract; contracts deleted before we saw them have none.
        ledger = w.verify(expected_employees=w.db.scalar("SELECT COUNT(*) FROM employment_contracts"))
        return f"{len(events)} events for {len(plans)} contracts, shuffled and repeated: {len(plans)}/{len(plans)} end in the sandbox's state", ledger


def poison(suite):
    """A contract Oneflow always fails for goes dead after the limit; the others go through."""
    with World(suite, "poison", sync_max_attempts=4) as w:
        w.serve()
        w.provision()
        good = [w.contract(300 + n, actions=("publish",)) for n in range(10)]
        bad = w.contract(399, actions=())  # the highest id: no other contract's path starts with its path
        post_json(w.sandbox_port, "/sandbox/control/faults", {"method": "GET", "path": f"/contracts/{bad}", "status": 500, "count": 100000})
        started = time.monotonic()
        cb, body = w.notification(bad, event="contract:publish", callback_id="poison")
        w.post(w.port, cb, body)
        for contract in good:
            w.act(contract, "sign")
        wait_for(lambda: w.db.scalar("SELECT COUNT(*) FROM employment_contracts WHERE status = 'signed'") == len(good),
                 60, "the other contracts to be signed")
        others = time.monotonic() - started
        w.wait_drained()
        dead = w.db.rows("SELECT status, attempts FROM webhook_deliveries WHERE callback_id = 'poison'")
        if dead != [["dead", "4"]]:
            raise Failure(f"the poison delivery is {dead}, expected dead after 4 attempts")
        ledger = w.verify(expected_employees=len(good))
        return (f"poison dead after 4 attempts in {time.monotonic() - started:.1f} s; "
                f"the other {len(good)} contracts signed in {others:.1f} s meanwhile"), ledger


def graceful_shutdown(suite):
    """SIGTERM under load: in-flight requests answered or refused, leases released, nothing lost."""
    with World(suite, "graceful-shutdown") as w:
        server = w.serve()
        w.provision()
        worker = w.worker()
        contracts = [w.contract(400 + n) for n in range(10)]
        stop = threading.Event()
        outcomes = {"ok": 0, "refused": 0, "other": 0}
        lock = threading.Lock()

        def load(thread):
            n = 0
            while not stop.is_set():
                cb, body = w.notification(contracts[n % len(contracts)], callback_id=f"load-{thread}-{n}")
                status, _ = w.post(w.port, cb, body, timeout=30)
                with lock:
                    outcomes["ok" if status == 200 else "refused" if status is None else "other"] += 1
                n += 1
                if status is None:
                    time.sleep(0.01)

        threads = [threading.Thread(target=load, args=(t,)) for t in range(6)]
        for t in threads:
            t.start()
        time.sleep(1.5)
        serve_code, serve_seconds = server.terminate()
        worker_code, worker_seconds = worker.terminate()
        time.sleep(0.3)
        stop.set()
        for t in threads:
            t.join()
        if serve_code != 0 or worker_code != 0:
            raise Failure(f"exit codes: serve {serve_code}, worker {worker_code}")
        if outcomes["other"]:
            raise Failure(f"{outcomes['other']} answers were neither 200 nor a refused connection")
        held = w.db.scalar("SELECT COUNT(*) FROM jobs WHERE status = 'running'")
        if held:
            raise Failure(f"{held} jobs still leased after both processes stopped")
        ledger_at_stop = w.check_ledger()
        w.serve()
        w.wait_drained()
        ledger = w.verify(expected_employees=len(contracts))
        return (f"{outcomes['ok']} acknowledged under load; serve stopped in {serve_seconds:.1f} s, worker in {worker_seconds:.1f} s, "
                f"0 jobs left leased, {ledger_at_stop['pending']} pending resumed after restart, none lost"), ledger




def shutdown_waiting_on_oneflow(suite):
    """SIGTERM while a request waits on a slow Oneflow: serve exits 0 within its shutdown timeout, without a crash."""
    with World(suite, "shutdown-waiting-on-oneflow") as w:
        server = w.serve()
        w.provision()
        installation = w.api("/installations")["data"][0]["id"]
        # Every Oneflow call from now on answers after 60 s: longer than serve's shutdown timeout (10 s).
        post_json(w.sandbox_port, "/sandbox/control/faults", {"path": "/", "status": 200, "count": 100, "delay_ms": 60_000})
        answer = {}

        def list_templates():  # the HR API's template list reads Oneflow's while the request waits
            try:
                answer["status"], _, answer["seconds"] = request(
                    w.port, "GET", f"/api/v1/templates?installation_id={installation}",
                    headers={"authorization": f"Bearer {API_KEY}"}, timeout=60)
            except (OSError, http.client.HTTPException) as error:
                answer["error"] = repr(error)

        waiting = threading.Thread(target=list_templates)
        waiting.start()
        # SIGTERM once the request's call has reached Oneflow and is held there.
        wait_for(lambda: any(rule["count"] < 100 for rule in get_json(w.sandbox_port, "/sandbox/control/faults")), 30,
                 "the request's Oneflow call")
        code, seconds = server.terminate()
        waiting.join()
        request(w.sandbox_port, "DELETE", "/sandbox/control/faults")
        if code != 0:
            raise Failure(f"serve exited with {code} after SIGTERM")
        if seconds > 20:
            raise Failure(f"serve took {seconds:.1f} s to stop (its shutdown timeout is 10 s)")
        # Past the shutdown timeout the request's 502 races the process's exit: an answer or a
        # closed connection, both of which a client retries — never a 2xx, a hang or a crash.
        if "status" in answer and not 500 <= answer["status"] < 600:
            raise Failure(f"the waiting request was answered {answer['status']}, not a 5xx")
        log = open(server.log_path, errors="replace").read()
        if "Fatal error" in log or "Crash" in log:
            raise Failure("serve's log shows a crash at shutdown")
        if "oneflow call failed" not in log:
            raise Failure("the waiting request's Oneflow call was not ended by the shutdown")
        outcome = f"answered {answer['status']}" if "status" in answer else "its connection closed unanswered"
        return (f"serve stopped in {seconds:.1f} s with a request waiting on Oneflow (exit 0, no crash); "
                f"the request's call was cancelled, {outcome}"), w.check_ledger()


def kill_before_commit(suite):
    """A contract request's worker killed after Oneflow created the contract and before our
    commit (the sandbox holds the create's answer back while the worker dies): after restart
    the job looks for the request's correlation data field first, so there is one contract,
    linked to the request and its employee, sent."""
    # A short Oneflow deadline: the restarted worker waits until the killed one's call must
    # have ended (the deadline and 5 s) before it looks for the contract.
    with World(suite, "kill-before-commit", oneflow_timeout_seconds=5) as w:
        w.serve(worker=False)
        customer = w.provision("Acme AB")
        post_json(w.sandbox_port, "/sandbox/control/faults",
                  {"method": "POST", "path": "/contracts/create", "status": 200, "count": 1, "after": True, "delay_ms": 20000})
        worker = w.worker(label="worker-1")
        status, body, _ = request(w.port, "POST", "/api/v1/contract-requests", body=json.dumps({
            "installation_id": w.db.rows("SELECT id FROM installations")[0][0],
            "person": {"name": "Grace Hopper", "email": "grace@example.com"}, "fields": {"start_date": "2027-03-01"}, "send": True,
        }).encode(), headers={"authorization": f"Bearer {API_KEY}", "content-type": "application/json", "idempotency-key": "grace-1"})
        if status != 202:
            raise Failure(f"the contract request was answered {status}: {body[:300]!r}")
        request_id = json.loads(body)["id"]
        auth = {"x-oneflow-api-token": customer.token}
        contracts = lambda: get_json(w.sandbox_port, "/sandbox/oneflow/v1/contracts", auth)["data"]
        wait_for(lambda: len(contracts()) == 1, 30, "Oneflow (the sandbox) to create the contract")
        worker.kill()
        started = time.monotonic()
        state, linked = w.db.rows(f"SELECT state, oneflow_contract_id FROM contract_requests WHERE id = '{request_id}'")[0]
        if state != "queued" or linked not in (None, ""):
            raise Failure(f"before the restart the request was {state} with contract {linked}: the kill came too late")
        w.worker(label="worker-2")
        wait_for(lambda: w.db.rows(f"SELECT state FROM contract_requests WHERE id = '{request_id}'")[0][0] == "sent", 60,
                 "the request to be sent after the restart")
        elapsed = time.monotonic() - started
        made = contracts()
        row = w.db.rows(f"SELECT oneflow_contract_id, employee_id FROM contract_requests WHERE id = '{request_id}'")[0]
        rows = w.db.rows(f"SELECT employee_id, contract_request_id FROM employment_contracts WHERE oneflow_contract_id = {made[0]['id']}")
        if len(made) != 1 or int(row[0]) != made[0]["id"] or made[0]["state"] != "pending":
            raise Failure(f"Oneflow has {len(made)} contracts ({[c['id'] for c in made]}); the request names {row[0]}")
        same = lambda a, b: str(a).lower() == str(b).lower()  # PostgreSQL writes UUIDs in lower case, the API in upper
        if len(rows) != 1 or not same(rows[0][0], row[1]) or not same(rows[0][1], request_id):
            raise Failure(f"the contract's HR rows {rows} do not name the request's employee {row[1]} and request {request_id}")
        employees = w.db.scalar("SELECT COUNT(*) FROM employees")
        if employees != 1:
            raise Failure(f"{employees} employees, expected the one new hire")
        return (f"worker killed while the sandbox held the create's answer; after restart ({elapsed:.1f} s) the job found the "
                f"contract by its correlation field: 1 contract in Oneflow, linked, sent"), w.check_ledger()



def kill_mid_batch(suite):
    """A 40-row contract batch whose worker process is killed part-way, one create's answer
    held back by Oneflow (the sandbox) as it dies: a new worker picks the batch up once the
    leases end, and every row is made and sent once — 40 contracts in Oneflow, one per row."""
    rows = 40
    with World(suite, "kill-mid-batch", oneflow_timeout_seconds=5, sending_batch_rows_per_minute=600, sending_batch_in_flight=3) as w:
        w.serve(worker=False)
        customer = w.provision("Acme AB")
        worker = w.worker(label="worker-1")
        status, body, _ = request(w.port, "POST", "/api/v1/contract-batches", body=json.dumps({
            "installation_id": w.db.rows("SELECT id FROM installations")[0][0],
            "defaults": {"send": True, "fields": {"start_date": "2027-09-01"}},
            "requests": [{"person": {"name": f"Intake {n}", "email": f"intake{n}@example.com"}} for n in range(rows)],
        }).encode(), headers={"authorization": f"Bearer {API_KEY}", "content-type": "application/json", "idempotency-key": "intake-1"})
        if status != 202:
            raise Failure(f"the batch was answered {status}: {body[:300]!r}")
        batch = json.loads(body)["id"]
        sent = lambda: w.db.scalar("SELECT COUNT(*) FROM contract_requests WHERE state = 'sent'")
        wait_for(lambda: sent() >= 10, 60, "the batch to be under way")
        # The next create is made in Oneflow and its answer held back while the worker dies.
        post_json(w.sandbox_port, "/sandbox/control/faults",
                  {"method": "POST", "path": "/contracts/create", "status": 200, "count": 1, "after": True, "delay_ms": 20000})
        time.sleep(0.5)
        worker.kill()
        at_kill = sent()
        if at_kill >= rows:
            raise Failure("the batch was done before the kill: nothing was left to resume")
        started = time.monotonic()
        w.worker(label="worker-2")
        auth = {"authorization": f"Bearer {API_KEY}"}
        wait_for(lambda: get_json(w.port, f"/api/v1/contract-batches/{batch}", auth)["state"] == "done", 180, "the batch to be done after the restart")
        elapsed = time.monotonic() - started
        states = dict(w.db.rows("SELECT state, COUNT(*) FROM contract_requests GROUP BY state"))
        made = get_json(w.sandbox_port, "/sandbox/oneflow/v1/contracts?limit=100", {"x-oneflow-api-token": customer.token})["data"]
        linked = {int(r[0]) for r in w.db.rows("SELECT oneflow_contract_id FROM contract_requests WHERE oneflow_contract_id IS NOT NULL")}
        if int(states.get("sent", 0)) != rows or len(made) != rows or linked != {c["id"] for c in made}:
            raise Failure(f"rows by state {states}; Oneflow has {len(made)} contracts, the requests name {len(linked)}")
        return (f"worker killed with {at_kill} of {rows} rows sent and a create's answer held back; a new worker finished the "
                f"batch in {elapsed:.1f} s: {rows} contracts in Oneflow, one per row, all sent"), w.check_ledger()


ALL = [kill_after_ack, kill_mid_job, storage_unavailable, duplicates, out_of_order, poison, graceful_shutdown,
       shutdown_waiting_on_oneflow, kill_before_commit, kill_mid_batch]
