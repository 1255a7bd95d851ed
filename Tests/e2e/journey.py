#!/usr/bin/env python3
"""The whole journey in a real browser (issue #10), as a customer walks it.

Starts `hrbridge serve` as a newcomer would — its embedded defaults (SQLite, the sandbox
inside it) — on a free port with a fresh data directory, then drives headless Chromium:

  Marketplace → "Enable extension" → setup success page (template group, data fields,
  webhook URL) → sandbox contracts page → a contract in our template group with employee
  data → publish, sign → the sandbox account page → a contract created through the API as
  the HR user, published as its creator, signed on the employee's page → admin sign-in
  (the password generated at first start) → both employees listed; the first
  employee with the mapped fields, status signed, a PDF that downloads → webhook activity:
  the deliveries processed, one opened with its payload.
  The customer's API key made, used and revoked; its notification target saved after a
  test POST answered; the audit trail.
  Unhappy path: a pasted invalid token → the failure page.
  Then a second server with `setup.accept = approval`: a new account's setup waits on its
  page, an admin approves it (in a browser of their own), and the waiting page moves on to
  the success page; a connection link the HR system asked for lets another account straight in.

Every page is checked for basic accessibility and layout at 1280 and 375 px (checks.py) and
photographed at both widths into --screenshots (ignored by git).

  Tests/e2e/journey.py --binary .build/debug/hrbridge [--screenshots DIR] [--show]
"""
import argparse
import base64
import http.server
import json
import os
import re
import shutil
import sys
import tempfile
import threading
import urllib.parse
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checks import page_problems, stylesheet_problems  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "scripts", "reliability"))
import harness  # noqa: E402  (the reliability suite's process and polling helpers)

WIDTHS = (1280, 375)
EMPLOYEE = {
    "employee_name": "Jane Doe", "employee_email": "jane.doe@acme.example", "employee_phone": "+46 70 123 45 67",
    "employee_title": "Support Engineer",
    "field_employee_number": "E-2001", "field_start_date": "2027-01-04", "field_job_title": "Support Engineer",
    "field_department": "Customer Success", "field_employment_type": "permanent", "field_salary": "42000 SEK/month",
}


class JourneyFailed(Exception):
    pass


def expect(condition, what):
    if not condition:
        raise JourneyFailed(what)


def wait_until(condition, what, timeout=30.0, interval=0.25):
    """harness.wait_for, with a page that is still loading counted as not yet."""
    def attempt():
        try:
            return condition()
        except WebDriverException:
            return False
    try:
        harness.wait_for(attempt, timeout, what, interval)
    except harness.Failure as failure:
        raise JourneyFailed(str(failure)) from None


class Server:
    """`hrbridge serve` with nothing configured but where to listen and store."""

    def __init__(self, binary, workdir, settings=None):
        self.port = harness.free_port()
        self.data = os.path.join(workdir, "data")
        self.base = f"http://127.0.0.1:{self.port}"
        env = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/tmp"),
               "HTTP_PORT": str(self.port), "DATA_DIR": self.data, "PUBLIC_BASE_URL": self.base,
               # The sandbox's webhook retry schedule at 5%, so a failed delivery is retried
               # within seconds; everything else at its default.
               "SANDBOX_RETRY_SCALE": "0.05", **(settings or {})}
        self.log_path = os.path.join(workdir, "serve.log")
        self.process = harness.Process(binary, ["serve"], env, self.log_path, self.port)
        try:
            self.process.start()
        except harness.Failure as failure:
            raise JourneyFailed(f"{failure}:\n{self.tail()}") from None

    def admin_password(self):
        with open(os.path.join(self.data, "admin-password")) as f:
            return f.read().strip()

    def tail(self, lines=30):
        with open(self.log_path, "rb") as f:
            return "\n".join(f.read().decode(errors="replace").splitlines()[-lines:])

    def stop(self):
        try:
            self.process.terminate(timeout=20)
        except harness.Failure:
            pass  # killed after the timeout


class Browser:
    def __init__(self, base, screenshots, show=False):
        self.base, self.screenshots, self.step = base, screenshots, 0
        self.problems = []
        options = webdriver.ChromeOptions()
        options.binary_location = shutil.which("chromium") or shutil.which("chromium-browser") or ""
        if not show:
            options.add_argument("--headless=new")
        for argument in ("--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1280,900",
                         "--lang=en-US", "--force-color-profile=srgb", "--hide-scrollbars"):
            options.add_argument(argument)
        driver = shutil.which("chromedriver") or "/usr/lib/chromium/chromedriver"
        self.driver = webdriver.Chrome(service=Service(driver), options=options)
        self.driver.set_page_load_timeout(30)

    def open(self, path):
        self.driver.get(self.base + path)

    def find(self, css):
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def find_all(self, css):
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def text(self, css="body"):
        return self.find(css).text

    def fill(self, field_id, value):
        element = self.find(f"#{field_id}")
        element.clear()
        element.send_keys(value)

    def submit(self, css):
        """Clicks a submit button and waits for the next page."""
        old = self.find("html")
        self.find(css).click()
        wait_until(lambda: self._stale(old), "the next page")

    def _stale(self, element):
        try:
            element.tag_name
            return False
        except WebDriverException:
            return True

    def _viewport(self, width, height):
        self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                                    {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600})

    def record(self, name):
        """Checks the page at each width and photographs it (the whole page)."""
        self.step += 1
        for width in WIDTHS:
            self._viewport(width, 900)
            for problem in page_problems(self.driver, width):
                self.problems.append(f"{name} at {width} px: {problem}")
            height = self.driver.execute_script("return Math.ceil(document.documentElement.scrollHeight)")
            self._viewport(width, min(max(height, 600), 8000))
            shot = self.driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png"})
            path = os.path.join(self.screenshots, f"{self.step:02d}-{name}-{width}.png")
            with open(path, "wb") as f:
                f.write(base64.b64decode(shot["data"]))
        self._viewport(1280, 900)
        print(f"  ✓ {self.step:02d} {name}: {self.driver.title}")

    def quit(self):
        self.driver.quit()


# A page with one of each problem the checks look for: they must report every one, or a
# passing journey would prove nothing about the pages.
BROKEN_PAGE = """<!doctype html><html><head><title>broken</title></head><body style="background:#fff;margin:0">
<h1>Title</h1><h3>A skipped level</h3><h1>A second h1</h1>
<input id="unlabelled" type="text"><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" width="10" height="10">
<p style="color:#c0c0c0">faint text</p><div style="width:900px">too wide</div></body></html>"""
BROKEN_PAGE_PROBLEMS = ("form control without a label", "image without alt", "2 h1 elements", "heading level skipped",
                        "contrast", "scrolls sideways", "no lang")


def checks_catch_problems(b):
    b.driver.get("data:text/html;charset=utf-8," + urllib.parse.quote(BROKEN_PAGE))
    b._viewport(375, 900)
    found = page_problems(b.driver, 375)
    b._viewport(1280, 900)
    missed = [p for p in BROKEN_PAGE_PROBLEMS if not any(p in f for f in found)]
    expect(not missed, f"the page checks missed {missed} on a page made to fail them (found {found})")
    faint = stylesheet_problems(":root { --bg: #f5f7fb; --card: #fff; --ink: #1a2233; } .hint { color: #b0b0b0; } .badge { background: #888; color: #777; }")
    flagged = {problem.split(" — ")[0].removeprefix("stylesheet: ") for problem in faint}
    expect(flagged == {".hint", ".badge"}, f"the stylesheet check missed a faint colour or a badge (found {faint})")
    print(f"  ✓ the page checks catch all {len(BROKEN_PAGE_PROBLEMS)} kinds of problem on a page made to fail them, "
          "the stylesheet check both faint pairs")


def stylesheet(b, server):
    """Every text colour of the stylesheet, including states the journey does not reach."""
    with urllib.request.urlopen(server.base + "/css/app.css", timeout=10) as response:
        css = response.read().decode()
    b.problems.extend(stylesheet_problems(css))
    declarations = len(re.findall(r"color\s*:", css))
    print(f"  ✓ stylesheet: {declarations} colour declarations checked")


SECOND_EMPLOYEE = "Ada Lovelace"


def oneflow_api(server, method, path, token, email=None, body=None):
    """One call to the sandbox's Oneflow API, as HR Bridge's client makes it."""
    request = urllib.request.Request(server.base + "/sandbox/oneflow/v1" + path, method=method,
                                     data=json.dumps(body).encode() if body is not None else None)
    request.add_header("x-oneflow-api-token", token)
    request.add_header("accept", "application/json")
    if email:
        request.add_header("x-oneflow-user-email", email)
    if body is not None:
        request.add_header("content-type", "application/json")
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read().decode() or "null")


NEW_SALARY = "61000 SEK/month"


def create_through_api(server):
    """A contract of our group created and published through the API; returns its id."""
    with urllib.request.urlopen(server.base + "/sandbox/control/accounts", timeout=10) as response:
        account = json.loads(response.read().decode())[-1]
    token, hr = account["token"], f"hr@account{account['account_id']}.sandbox.example"
    group = [t for t in oneflow_api(server, "GET", "/template_types", token)["data"] if t["name"] == "HR Bridge"][0]
    offered = oneflow_api(server, "GET", f"/helpers/contract_create_data?template_type_id={group['id']}", token, hr)
    workspace = offered[0]
    contract = oneflow_api(server, "POST", "/contracts/create", token, hr, {
        "workspace_id": workspace["id"], "template_id": workspace["templates"][0]["id"], "name": f"Employment contract – {SECOND_EMPLOYEE}",
        "data_fields": [{"custom_id": "employee_number", "value": "20001"}, {"custom_id": "start_date", "value": "2026-02-01"}],
        "parties": [{"type": "individual", "country_code": "SE", "participant": {
            "name": SECOND_EMPLOYEE, "email": "ada@example.com", "signatory": True, "delivery_channel": "email",
            "sign_method": "standard_esign", "_permissions": {"contract:update": False}}}],
    })
    expect(contract["state"] == "draft", f"a draft from contracts/create, got {contract['state']}")
    sent = oneflow_api(server, "POST", f"/contracts/{contract['id']}/publish", token, "__CREATOR__",
                       {"subject": "Your employment contract", "message": "Welcome aboard."})
    expect(sent["state"] == "pending", f"pending after publish, got {sent['state']}")
    return contract["id"]


def journey(b, server):
    # 1. The Marketplace: a new account enables the extension.
    b.open("/sandbox")
    expect("Marketplace" in b.text("h1"), "the sandbox Marketplace page")
    Select(b.find("#account")).select_by_value("new")
    b.fill("name", "Acme AB")
    b.record("marketplace")
    b.submit("form[action='/sandbox/marketplace/enable'] button[type=submit]")

    # 2. Our setup success page, reached through Oneflow's redirect with the token.
    wait_until(lambda: "/setup/complete/" in b.driver.current_url, "the setup success page")
    expect("token=" not in b.driver.current_url, "the token left the address bar")
    expect("HR Bridge is connected to Acme AB" in b.text("h1"), f"the success heading, got {b.text('h1')!r}")
    facts = b.text(".facts-list")
    expect("HR Bridge" in facts, "the template group name on the success page")
    for name, custom_id in (("Employee number", "employee_number"), ("Start date", "start_date"), ("Department", "department")):
        expect(name in facts and custom_id in facts, f"data field {name} ({custom_id}) on the success page")
    webhook = [c.text for c in b.find_all(".facts-list code") if "/webhooks/oneflow/" in c.text]
    expect(webhook and webhook[0].startswith(server.base + "/webhooks/oneflow/"), f"the webhook URL on the success page, got {webhook}")
    b.record("setup-complete")

    # 2b. The optional "Sending contracts" step: the account's users and our group's templates,
    # saved once Oneflow confirms the choice.
    b.find("a[href$='/sending']").click()
    expect("Sending contracts" in b.text("h1"), "the Sending contracts step after setup")
    expect("admin@" in b.text("#sender_email") and b.find_all("#template_id option"), "the account's users and our templates offered")
    b.record("setup-sending")
    b.submit("button[value=save]")
    expect("are now sent as admin@" in b.text("[role=status]"), "the sending settings saved after Oneflow's check")

    # 3. The sandbox's contracts page: a contract in our template group, with employee data.
    b.open("/sandbox/contracts")
    groups = Select(b.find("#switch-type"))
    if groups.first_selected_option.text != "HR Bridge":
        groups.select_by_visible_text("HR Bridge")
        b.submit("form.inline-form button[type=submit]")
    expect("From a template in HR Bridge" in b.text(".panel"), "the new-contract form for our template group")
    for field_id, value in EMPLOYEE.items():
        b.fill(field_id, value)
    b.record("sandbox-new-contract")
    b.submit("form[method=post][action='/sandbox/contracts'] button[type=submit]")

    def row():
        rows = [r for r in b.find_all("table tbody tr") if EMPLOYEE["employee_name"] in r.text]
        expect(len(rows) == 1, f"one contract row for {EMPLOYEE['employee_name']}, found {len(rows)}")
        return rows[0]

    contract_id = row().find_element(By.CSS_SELECTOR, "td").text.strip()
    for action, state in (("publish", "pending"), ("sign", "signed")):
        b.submit(f"form[action='/sandbox/contracts/{contract_id}/{action}'] button")
        shown = row().find_element(By.CSS_SELECTOR, ".badge").text
        expect(shown == state, f"the contract {state} in the sandbox after {action}, shown {shown!r}")
    b.record("sandbox-signed")

    # 3b. The other direction's Oneflow half: the account page, then a contract created through
    # the API as the HR user, sent as its creator, opened and signed by the employee on the
    # sandbox's page. It comes back through the same webhook (checked in step 4).
    b.open("/sandbox/account")
    expect("Employment contract" in b.text("main"), "our group's employment template on the sandbox account page")
    b.record("sandbox-account")
    second_id = create_through_api(server)
    b.open(f"/sandbox/contracts/{second_id}")
    expect(SECOND_EMPLOYEE in b.text("main"), "the employee's view of the API-created contract")
    b.record("sandbox-employee-view")
    b.submit(f"form[action$='/sign'] button")
    expect(f"Signed as {SECOND_EMPLOYEE}" in b.text("main") and b.find_all(".badge.state-signed"),
           "the API-created contract signed on the employee's page")

    # 4. The admin UI, with the password generated at first start.
    b.open("/admin/login")
    b.record("admin-login")
    b.fill("password", server.admin_password())
    b.submit("form[action='/admin/login'] button[type=submit]")
    expect("/admin/login" not in b.driver.current_url, "signed in to the admin UI")

    def employee_listed():
        b.open("/admin/employees")
        return EMPLOYEE["employee_name"] in b.text("main")
    wait_until(employee_listed, "the employee in the admin UI (the worker turns the signed contract into records)")

    def second_listed():
        b.open("/admin/employees")
        return SECOND_EMPLOYEE in b.text("main")
    wait_until(second_listed, "the employee of the API-created contract in the admin UI")
    b.record("admin-employees")
    # The search by words: the start of each word of a name finds that one employee.
    b.fill("q", "ada LOVE")
    b.submit("form[role=search] button[type=submit]")
    found = b.text("main")
    expect(SECOND_EMPLOYEE in found and EMPLOYEE["employee_name"] not in found, "searching “ada LOVE” finds Ada Lovelace alone")
    b.record("admin-employee-search")
    b.open("/admin/employees")
    b.driver.find_element(By.LINK_TEXT, EMPLOYEE["employee_name"]).click()
    employee_url = b.driver.current_url

    def signed_with_pdf():
        b.driver.get(employee_url)
        return b.find_all(".badge.state-signed") and b.find_all("a[href*='/documents/']")
    wait_until(signed_with_pdf, "status signed and the signed PDF on the employee page")
    page = b.text("main")
    for value in (EMPLOYEE["employee_email"], EMPLOYEE["field_employee_number"], EMPLOYEE["field_department"],
                  EMPLOYEE["field_start_date"], EMPLOYEE["field_salary"]):
        expect(value in page, f"{value!r} on the employee page")
    link = b.find("a[href*='/documents/']")
    expect(re.fullmatch(rf"contract-{contract_id}\.pdf", link.text), f"the PDF named after the contract, got {link.text!r}")
    download = b.driver.execute_async_script("""
        const done = arguments[arguments.length - 1];
        fetch(arguments[0]).then(async r => {
          const bytes = new Uint8Array(await r.arrayBuffer());
          done({status: r.status, type: r.headers.get('content-type'), disposition: r.headers.get('content-disposition'),
                size: bytes.length, head: String.fromCharCode(...bytes.slice(0, 5))});
        }).catch(e => done({error: String(e)}));
    """, link.get_attribute("href"))
    expect(download.get("status") == 200 and download.get("head") == "%PDF-" and "pdf" in (download.get("type") or ""),
           f"the signed PDF downloads, got {download}")
    b.record("admin-employee")

    # 5. Webhook activity: every delivery processed, one opened with its payload.
    def all_processed():
        b.open("/admin/activity")
        badges = [e.text for e in b.find_all("td .badge")]
        return badges and all(badge in ("processed", "ignored") for badge in badges) and "processed" in badges
    wait_until(all_processed, "every webhook delivery processed")
    b.record("admin-activity")
    # The row of the first contract (the API-made one of step 3b has its own).
    sign_rows = [r for r in b.find_all("table tbody tr")
                 if "contract:sign" in r.text and r.find_elements(By.CSS_SELECTOR, "td")[2].text.split(":")[0].strip() == contract_id]
    expect(sign_rows, f"the contract:sign delivery of contract {contract_id} in the activity list")
    sign_rows[0].find_element(By.CSS_SELECTOR, "a").click()
    expect("processed" in b.text(".facts-list"), "the delivery's outcome: processed")
    payload = b.text("pre.payload")
    try:
        stored = json.loads(payload)
    except ValueError:
        raise JourneyFailed(f"the payload is not JSON: {payload[:200]!r}")
    expect(stored.get("contract", {}).get("id") == int(contract_id) and stored.get("callback_id"),
           f"the payload names contract {contract_id} and its callback_id: {payload[:200]}")
    expect("contract:sign" in [e.get("type") for e in stored.get("events", [])], "the payload's events include contract:sign")
    expect("signature" not in stored, "the stored payload has no signature")
    b.record("admin-delivery")

    # 6. The customer's own API key: made on the installation's page, shown once, working for
    # this installation's records, revoked, and all of it on the audit trail.
    b.open("/admin/installations")
    b.driver.find_element(By.LINK_TEXT, "Acme AB").click()
    expect("API keys" in b.text("main") and "No keys yet" in b.text("main"), "the installation page with its API keys")
    b.fill("key-name", "payroll sync")
    b.submit("form[action$='/api-keys'] button[type=submit]")
    key = b.text("#new-key")
    expect(re.fullmatch(r"hrb_[A-Za-z0-9_-]{43}", key), f"the new key shown once, got {key[:8]!r}…")
    b.record("admin-installation")
    answer = b.driver.execute_async_script("""
        const done = arguments[arguments.length - 1];
        fetch('/api/v1/employees', {headers: {authorization: 'Bearer ' + arguments[0]}, credentials: 'omit'})
          .then(async r => done({status: r.status, body: await r.json()})).catch(e => done({error: String(e)}));
    """, key)
    names = sorted(e.get("name") for e in (answer.get("body") or {}).get("data", []))
    expect(answer.get("status") == 200 and EMPLOYEE["employee_name"] in names, f"the key reads this installation's employees, got {answer.get('status')} {names}")
    b.open("/admin/installations")
    b.driver.find_element(By.LINK_TEXT, "Acme AB").click()
    expect(key not in b.driver.page_source and "payroll sync" in b.text("main"), "the key is not shown again")
    b.submit("form[action$='/revoke'] button[type=submit]")
    expect("is revoked" in b.text("[role=status]"), "the key revoked")

    # 7. The customer's own notification target: refused while it does not answer 2xx, saved
    # once it does (the test POST reached it), the secret never shown again.
    with HRReceiver() as receiver:
        receiver.status = 404
        b.fill("target-endpoint", receiver.url)
        b.fill("target-secret", "acme-notify-secret")
        b.submit("form[action$='/notification-target'] button[type=submit]")
        expect("did not accept a test notification (HTTP 404)" in b.text("#notifications [role=alert]"), "a target answering 404 refused with the reason")
        receiver.status = 204
        b.fill("target-secret", "acme-notify-secret")
        b.submit("form[action$='/notification-target'] button[type=submit]")
        expect("now go to 127.0.0.1" in b.text("[role=status]"), "the target saved after its test notification")
        expect(any(body.get("type") == "test" for body in receiver.bodies), f"the test notification reached the endpoint, got {receiver.bodies}")
        expect("acme-notify-secret" not in b.driver.page_source, "the secret is not shown again")
        b.record("admin-notification-target")
    # 7b. The customer's own data fields: a field added on its installation's page, set on its
    # template group in Oneflow, filled in the sandbox on the next contract, signed there, and
    # on the new employee's record under the custom HR field it fills.
    b.open("/admin/installations")
    b.driver.find_element(By.LINK_TEXT, "Acme AB").click()
    b.driver.find_element(By.LINK_TEXT, "Data fields…").click()
    expect("On the group" in b.text("main") and "The configured set" in b.text("main"), "the data-fields page with the configured set")
    new_row = b.find_all(".field-table tbody tr")[-1]
    for name, value in (("custom_id", "probation_months"), ("name", "Probation (months)"), ("maps_to", "probation")):
        field = new_row.find_element(By.CSS_SELECTOR, f"input[name$='[{name}]']")
        field.clear()
        field.send_keys(value)
    b.submit("form[action$='/data-fields'] button[type=submit]")
    expect("Saved and set on the template group" in b.text("[role=status]"), "the new field saved and provisioned")
    expect("probation_months" in b.text(".field-table"), "the new field listed")
    b.record("admin-data-fields")
    b.open("/sandbox/contracts")
    groups = Select(b.find("#switch-type"))
    if groups.first_selected_option.text != "HR Bridge":
        groups.select_by_visible_text("HR Bridge")
        b.submit("form.inline-form button[type=submit]")
    hire = dict(EMPLOYEE, employee_name="Pia Probation", employee_email="pia@acme.example", field_employee_number="E-2002",
                field_probation_months="6")
    for field_id, value in hire.items():
        b.fill(field_id, value)
    b.submit("form[method=post][action='/sandbox/contracts'] button[type=submit]")
    pia = [r for r in b.find_all("table tbody tr") if "Pia Probation" in r.text]
    expect(len(pia) == 1, "the contract with the new field in the sandbox")
    pia_id = pia[0].find_element(By.CSS_SELECTOR, "td").text.strip()
    for action in ("publish", "sign"):
        b.submit(f"form[action='/sandbox/contracts/{pia_id}/{action}'] button")

    def probation_on_record():
        b.open("/admin/employees?q=Pia")
        links = b.driver.find_elements(By.LINK_TEXT, "Pia Probation")
        if not links:
            return False
        links[0].click()
        values = b.driver.find_elements(By.XPATH, "//dt[code='probation']/following-sibling::dd[1]")
        return bool(values) and values[0].text.strip() == "6"
    wait_until(probation_on_record, "the new field's value on the signed contract's employee, as custom HR field probation")

    b.open("/admin/audit")
    trail = b.text("main")
    expect("Data fields saved" in trail, "the data fields on the audit trail")
    expect("API key made" in trail and "API key revoked" in trail and "admin (session" in trail, "the key's life on the audit trail")
    expect("Notification target saved" in trail, "the notification target on the audit trail")
    expect("Sending settings saved" in trail, "the sending settings on the audit trail")
    expect(key not in b.driver.page_source, "no key on the audit trail")
    b.record("admin-audit")

    # 8. The other direction from HR: New contract on the employee's page, previewed and sent;
    # the employee signs on the sandbox's page; it comes back signed, with its PDF, onto the
    # same employee, and the request's page shows its whole history.
    b.driver.get(employee_url)
    b.driver.find_element(By.LINK_TEXT, "New contract").click()
    expect("New contract for" in b.text("h1"), "the New contract form")
    expect(b.find("#field-department").get_attribute("value") == EMPLOYEE["field_department"], "the employee's fields pre-filled")
    b.fill("field-salary", NEW_SALARY)
    b.submit("button[value=preview]")
    expect("What goes to Oneflow" in b.text("main") and NEW_SALARY in b.text(".preview"), "the preview of what goes to Oneflow")
    b.record("admin-new-contract")
    b.submit("button[value=send]")
    expect("/admin/contract-requests/" in b.driver.current_url, "the request's page after Send")
    request_url = b.driver.current_url

    def request_sent():
        b.driver.get(request_url)
        return b.find_all("h1 .badge.request-sent")
    wait_until(request_sent, "the contract created in Oneflow and sent (the worker's job)")
    b.driver.get(b.find("a[href*='/sandbox/contracts/']").get_attribute("href"))  # "Open in Oneflow" opens a new tab
    expect(EMPLOYEE["employee_name"] in b.text("main"), "the employee's view of the contract sent from HR")
    b.submit("form[action$='/sign'] button")
    expect(b.find_all(".badge.state-signed"), "the contract signed on the employee's page")

    def request_signed():
        b.driver.get(request_url)
        return b.find_all("h1 .badge.request-signed")
    wait_until(request_signed, "the request signed (the webhook came back)")
    history = b.text("table")
    for step in ("Accepted", "Created in Oneflow as a draft", "Sent for signing", "Signed by everyone"):
        expect(step in history, f"{step!r} in the request's history")
    b.record("admin-contract-request")
    b.driver.get(employee_url)
    expect(len(b.find_all(".badge.state-signed")) == 2 and len(b.find_all("a[href*='/documents/']")) == 2,
           "the same employee with both contracts signed and both PDFs")
    expect(NEW_SALARY in b.text("main"), "the new salary on the employee")
    b.open("/admin/contract-requests")
    expect(b.find_all("td .badge.request-signed"), "the request signed in Contracts sent")
    b.record("admin-contracts-sent")

    # 8b. A whole intake at once: a CSV uploaded, its columns matched by their names, every
    # row checked (the bad one marked), two sent; the batch's page fills its progress bar by
    # itself (its script) until both are sent.
    intake = os.path.join(tempfile.mkdtemp(), "autumn-intake.csv")
    with open(intake, "w", encoding="utf-8") as f:
        f.write("Name;E-mail;Start date;Salary\r\nIda Intake;ida@example.com;2027-09-01;41000\r\n"
                "No Mail;not-an-email;2027-09-01;1\r\nOlle Intake;olle@example.com;2027-09-01;42000\r\n")
    b.find("a[href='/admin/contract-batches/new']").click()
    Select(b.find("#installation_id")).select_by_visible_text("Acme AB")
    b.find("#file").send_keys(intake)
    b.submit("form[enctype] button[type=submit]")
    expect(Select(b.find("#map-1")).first_selected_option.get_attribute("value") == "person.email", "the E-mail column matched to the email")
    b.record("admin-batch-columns")
    b.submit("button[value=preview]")
    checked = b.text("main")
    expect("2 ready" in checked and "1 with problems" in checked and "No Mail" in checked, f"every row checked, got {checked[:300]!r}")
    b.record("admin-batch-preview")
    b.submit("button[value=send]")
    expect("/admin/contract-batches/" in b.driver.current_url and "on their way to Oneflow" in b.text("[role=status]"), "the batch's page after Send")
    wait_until(lambda: b.find("[data-batch-state]").text == "done" and b.find("[data-batch-bar]").get_attribute("value") == "2",
               "the progress bar filled by the page's script, without a reload")
    b.record("admin-batch")

    # 9. The person's data: the export holds both contracts' PDFs; Erase names what goes, and
    # the person is gone; the dashboard says what is kept and for how long.
    b.driver.get(employee_url)
    export = b.driver.execute_async_script("""
        const done = arguments[arguments.length - 1];
        fetch(arguments[0] + '/export').then(async r => done({status: r.status, body: await r.json()})).catch(e => done({error: String(e)}));
    """, employee_url)
    body = export.get("body") or {}
    expect(export.get("status") == 200 and body.get("format") == "hrbridge.employee-export.v1" and len(body.get("documents", [])) == 2,
           f"the export with both PDFs, got {export.get('status')} {len(body.get('documents', []))}")
    b.driver.find_element(By.XPATH, "//summary[normalize-space()='Erase…']").click()
    confirm = b.text("details.confirm[open]")
    expect("2 contracts" in confirm and "2 PDFs" in confirm, f"the confirmation names what goes: {confirm[:200]!r}")
    b.record("admin-employee-erase")
    b.submit("form[action$='/erase'] button[type=submit]")
    listing = b.text("main")
    expect("Erased: 1 employee, 2 contracts" in listing and EMPLOYEE["employee_name"] not in listing, "the employee erased, and said so")
    b.open("/admin")
    expect("Data kept" in b.text("main") and "Webhook payloads" in b.text("main"), "the dashboard's Data kept")
    b.record("admin-dashboard")


class HRReceiver:
    """An HR system's notification endpoint on loopback: answers `status`, keeps the bodies."""

    def __init__(self):
        self.status, self.bodies = 200, []
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("content-length") or 0)
                receiver.bodies.append(json.loads(self.rfile.read(length) or b"null"))
                self.send_response(receiver.status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hr/notify"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


OPERATOR_KEY = "journey-operator-key-0123456789abcdef"


def approval(binary, workdir, screenshots, show, step):
    """`setup.accept = approval` on a server of its own: the customer waits, an admin approves
    in a browser of their own, the waiting page moves on; a connection link skips the wait."""
    os.makedirs(os.path.join(workdir, "approval"), exist_ok=True)
    server = Server(binary, os.path.join(workdir, "approval"), {"SETUP_ACCEPT": "approval", "API_KEYS": OPERATOR_KEY})
    customer = admin = None
    try:
        customer = Browser(server.base, screenshots, show)
        customer.step = step
        customer.open("/sandbox")
        Select(customer.find("#account")).select_by_value("new")
        customer.fill("name", "Beta Oy")
        customer.submit("form[action='/sandbox/marketplace/enable'] button[type=submit]")
        wait_until(lambda: "/setup/waiting/" in customer.driver.current_url, "the waiting page")
        expect("Waiting for approval" in customer.text("h1") and "Beta Oy" in customer.text("main"), "the waiting page names the account")
        customer.record("setup-waiting")

        admin = Browser(server.base, screenshots, show)
        admin.step = customer.step
        admin.open("/admin/login")
        admin.fill("password", server.admin_password())
        admin.submit("form[action='/admin/login'] button[type=submit]")
        admin.open("/admin/installations")
        expect("Beta Oy" in admin.text("main") and admin.find_all("form[action$='/approve']"), "the waiting setup under Who may install")
        admin.record("admin-approval")
        admin.submit("form[action$='/approve'] button[type=submit]")
        expect("Beta Oy" in admin.text("[role=status]"), f"the approval done, got {admin.text('[role=status]')!r}")

        # The customer's page looks again by itself (Refresh: 5) and reaches the success page.
        wait_until(lambda: "/setup/complete/" in customer.driver.current_url, "the waiting page moving on to the success page", timeout=30)
        expect("HR Bridge is connected to Beta Oy" in customer.text("h1"), "the success page after approval")

        # A connection link the HR system asked for: its account needs no approval.
        request = urllib.request.Request(server.base + "/api/v1/connect-links", method="POST",
                                         data=json.dumps({"customer_reference": "hr-customer-77"}).encode())
        request.add_header("authorization", f"Bearer {OPERATOR_KEY}")
        request.add_header("content-type", "application/json")
        with urllib.request.urlopen(request, timeout=10) as response:
            link = json.loads(response.read().decode())
        customer.driver.delete_all_cookies()
        customer.step = admin.step
        customer.driver.get(link["url"])
        expect("Connect your Oneflow account" in customer.text("h1") and "hr-customer-77" in customer.text("main"), "the connection link's page")
        customer.record("setup-link")
        customer.submit("form button[value=oneflow]")
        Select(customer.find("#account")).select_by_value("new")
        customer.fill("name", "Gamma AS")
        customer.submit("form[action='/sandbox/marketplace/enable'] button[type=submit]")
        wait_until(lambda: "/setup/complete/" in customer.driver.current_url, "the success page through the link")
        expect("hr-customer-77" in customer.text(".facts-list"), "the success page names the HR customer")
        admin.open("/admin/installations")
        expect("HR customer hr-customer-77" in admin.text("main") and "used" in admin.text("main"), "the installation bound to the HR customer, the link used")
        admin.step = customer.step
        admin.record("admin-installations-linked")
        problems = customer.problems + admin.problems
        if problems:
            raise JourneyFailed("accessibility or layout problems:\n  " + "\n  ".join(problems))
        return admin.step
    except (JourneyFailed, WebDriverException) as failure:
        for browser in (customer, admin):
            if browser:
                try:
                    browser.driver.save_screenshot(os.path.join(screenshots, "FAILED-approval.png"))
                    print(f"failed at {browser.driver.current_url}", file=sys.stderr)
                except WebDriverException:
                    pass
        raise JourneyFailed(f"{failure}\n--- approval server log (last lines) ---\n{server.tail()}") from None
    finally:
        for browser in (customer, admin):
            if browser:
                browser.quit()
        server.stop()


def unhappy_path(b):
    """A pasted token Oneflow does not know: the failure page, nothing stored."""
    b.driver.delete_all_cookies()
    b.open("/setup")
    expect("Connect your Oneflow account" in b.text("h1"), "the paste-a-token page")
    b.fill("token", "0123456789abcdef0123456789abcdef01234567")
    b.record("setup-paste-token")
    b.submit("form[action='/setup'] button[type=submit]")
    alert = b.text("[role=alert]")
    expect(b.find_all("h1") and alert, "the failure page with its message")
    expect("token" in alert.lower() or "token" in b.text("h1").lower(), f"the failure page says the token was refused, got {alert!r}")
    expect(b.find_all("a[href='/setup']"), "a way to paste another token")
    b.record("setup-failed")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", required=True)
    parser.add_argument("--screenshots", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "screenshots"))
    parser.add_argument("--show", action="store_true", help="a visible browser window instead of headless")
    args = parser.parse_args()
    os.makedirs(args.screenshots, exist_ok=True)
    for old in os.listdir(args.screenshots):
        if old.endswith(".png"):
            os.remove(os.path.join(args.screenshots, old))

    workdir = tempfile.mkdtemp(prefix="hrbridge-e2e-")
    server = browser = None
    try:
        server = Server(os.path.abspath(args.binary), workdir)
        print(f"browser journey against {server.base} (data in {workdir})")
        browser = Browser(server.base, args.screenshots, args.show)
        checks_catch_problems(browser)
        stylesheet(browser, server)
        journey(browser, server)
        unhappy_path(browser)
        if browser.problems:
            raise JourneyFailed("accessibility or layout problems:\n  " + "\n  ".join(browser.problems))
        browser.step = approval(os.path.abspath(args.binary), workdir, args.screenshots, args.show, browser.step)
        print(f"journey passed: {browser.step} pages checked at {' and '.join(map(str, WIDTHS))} px; screenshots in {args.screenshots}")
        return 0
    except (JourneyFailed, WebDriverException) as failure:
        if browser:
            try:
                browser.driver.save_screenshot(os.path.join(args.screenshots, "FAILED.png"))
                print(f"failed at {browser.driver.current_url}", file=sys.stderr)
            except WebDriverException:
                pass
        log = f"\n--- serve log (last lines) ---\n{server.tail()}" if server else ""
        print(f"JOURNEY FAILED: {failure}{log}", file=sys.stderr)
        return 1
    finally:
        if browser:
            browser.quit()
        if server:
            server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
