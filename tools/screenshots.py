"""Screenshots of a running demo for the README (./dev demo must be running).

    .cache/venv/bin/python tools/screenshots.py [--odoo http://127.0.0.1:8069] [--sandbox http://127.0.0.1:8070]
        [--shots settings clients money tracking]

Enables the integration the way the admin's browser does (same session: wizard → Xero consent → callback
→ Save), then captures pages with headless Chromium over the DevTools protocol.

``money`` plays "the money comes back" on the demo: time logged by two employees, Invoice time, Push to
Xero (tracked by employee → the sandbox's Region category), a payment recorded at Xero through the
sandbox's control API, an INVOICE webhook event (the hourly pull when no webhook arrives), and the invoice
Paid in Odoo. ``tracking`` is Settings → Xero → Tracking after that.
"""

import argparse
import base64
import json
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit

import requests
import websocket

from xero_sandbox.control_client import SandboxControl
from xero_sandbox.testing import SandboxServer

OUT = Path(__file__).resolve().parents[1] / "xero_timesync" / "static" / "description"


class Odoo:
    def __init__(self, url):
        self.url = url.rstrip("/")
        self.http = requests.Session()

    def login(self, db, login="admin", password="admin"):
        self.rpc("/web/session/authenticate", {"db": db, "login": login, "password": password})

    def rpc(self, path, params):
        response = self.http.post(self.url + path, json={"jsonrpc": "2.0", "method": "call", "params": params})
        body = response.json()
        if body.get("error"):
            raise RuntimeError(body["error"]["data"]["message"])
        return body["result"]

    def call(self, model, method, *args, **kwargs):
        return self.rpc(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
        )


def enable_integration(odoo):
    if odoo.call("xero.connection", "search_count", [("state", "=", "connected")]):
        return
    wizard_id = odoo.call("xero.connect.wizard", "create", {})
    action = odoo.call("xero.connect.wizard", "action_connect", [wizard_id])
    # the admin on Xero's consent page (the sandbox's, which the demo's authorize URL points at)
    login_host = "{0.scheme}://{0.netloc}".format(urlsplit(action["url"]))
    redirect = SandboxServer.consent(SimpleNamespace(url=login_host), action["url"])
    odoo.http.get(odoo.url + "/xero_timesync/oauth/callback?" + redirect.split("?", 1)[1])
    wizard = odoo.call("xero.connect.wizard", "read", [wizard_id], ["step", "tenant_line_ids", "error_message"])[0]
    if wizard["step"] == "organisation":
        odoo.call("xero.connect.wizard", "write", [wizard_id], {"tenant_line_id": wizard["tenant_line_ids"][0]})
        odoo.call("xero.connect.wizard", "action_select_organisation", [wizard_id])
    odoo.call("xero.connect.wizard", "action_save", [wizard_id])


def xmlid(odoo, full_id):
    module, name = full_id.split(".")
    [row] = odoo.call("ir.model.data", "search_read", [("module", "=", module), ("name", "=", name)], ["res_id"])
    return row["res_id"]


def track_by_employee(odoo):
    """Settings → Xero → Tracking: employees → Region (the sandbox's seeded category)."""
    settings = odoo.call("res.config.settings", "create", {"xero_tracking_dimension": "employee"})
    odoo.call("res.config.settings", "action_xero_tracking_refresh", [settings])
    [region] = odoo.call("xero.tracking.category", "search_read", [("name", "=", "Region")], ["option_ids"])
    settings = odoo.call(
        "res.config.settings",
        "create",
        {"xero_tracking_dimension": "employee", "xero_tracking_category_id": region["id"]},
    )
    odoo.call("res.config.settings", "action_xero_tracking_match", [settings])
    options = {o["name"]: o["id"] for o in odoo.call("xero.tracking.option", "read", region["option_ids"], ["name"])}
    wanted = {"Emma": "North", "Alex": "South", "Sam": "East"}
    for mapping in odoo.call("xero.tracking.mapping", "search_read", [("dimension", "=", "employee")], ["name"]):
        option = next((o for first, o in wanted.items() if mapping["name"].startswith(first)), "North")
        odoo.call("xero.tracking.mapping", "write", [mapping["id"]], {"option_id": options[option]})


def money_comes_back(odoo, control, webhook_key="demo-webhook-key"):
    """Time → invoice → Xero → paid at Xero → Paid in Odoo; returns the invoice id."""
    [connection] = odoo.call(
        "xero.connection", "search_read", [("state", "=", "connected")], ["tenant_id", "project_id", "company_id"]
    )
    company_id = connection["company_id"][0]
    bank = odoo.call("account.journal", "search", [("type", "=", "bank"), ("company_id", "=", company_id)], limit=1)
    odoo.call(
        "res.company", "write", [company_id], {"xero_push_status": "AUTHORISED", "xero_payment_journal_id": bank[0]}
    )
    tax = odoo.call("res.company", "read", [company_id], ["account_sale_tax_id"])[0]["account_sale_tax_id"]
    if tax:
        odoo.call("account.tax", "write", [tax[0]], {"xero_tax_type": "OUTPUT2"})
    track_by_employee(odoo)
    task = odoo.call(
        "project.task",
        "search_read",
        [("project_id", "=", connection["project_id"][0])],
        ["name"],
        limit=1,
        order="name",
    )[0]
    employees = {e["name"].split()[0]: e["id"] for e in odoo.call("hr.employee", "search_read", [], ["name"])}
    for employee, hours, day, what in (
        ("Emma", 2.5, "2026-03-02", "Quarterly review workshop"),
        ("Alex", 1.75, "2026-03-03", "Tax advice call"),
        ("Emma", 1.0, "2026-03-04", "Follow-up report"),
    ):
        odoo.call(
            "account.analytic.line",
            "create",
            {
                "name": what,
                "project_id": connection["project_id"][0],
                "task_id": task["id"],
                "employee_id": employees[employee],
                "unit_amount": hours,
                "date": day,
            },
        )
    action = odoo.call(
        "ir.actions.server",
        "run",
        [xmlid(odoo, "xero_timesync.action_xero_invoice_time_task")],
        context={"active_model": "project.task", "active_id": task["id"], "active_ids": [task["id"]]},
    )
    odoo.call("xero.invoice.wizard", "write", [action["res_id"]], {"grouping": "employee", "date_from": "2026-03-01"})
    move_id = odoo.call("xero.invoice.wizard", "action_create_invoice", [action["res_id"]])["res_id"]
    odoo.call("account.move", "action_post", [move_id])
    odoo.call("account.move", "action_xero_push_other_currency", [move_id])  # the demo company: USD, Xero: NZD
    [move] = odoo.call("account.move", "read", [move_id], ["xero_invoice_id", "xero_push_error"])
    if not move["xero_invoice_id"]:
        raise RuntimeError(f"not pushed: {move['xero_push_error']}")
    control.record_payment(connection["tenant_id"], move["xero_invoice_id"])
    # the INVOICE event: Odoo's webhook records it and wakes the fetch cron (the demo runs one cron thread)
    odoo.call("ir.config_parameter", "set_param", "xero_timesync.webhook_key", webhook_key)
    control.set_webhook(url=odoo.url + "/xero_timesync/webhook", key=webhook_key)
    control.trigger_webhook(connection["tenant_id"], event_category="INVOICE", resource_ids=[move["xero_invoice_id"]])
    for _ in range(60):
        if odoo.call("account.move", "read", [move_id], ["payment_state"])[0]["payment_state"] in (
            "paid",
            "in_payment",
        ):
            return move_id
        time.sleep(0.5)
    odoo.call("ir.cron", "method_direct_trigger", [xmlid(odoo, "xero_timesync.ir_cron_xero_pull_invoice_status")])
    return move_id


class Chromium:
    def __init__(self, width, height):
        self.profile = tempfile.mkdtemp(prefix="xts-chromium-")
        self.process = subprocess.Popen(
            [shutil.which("chromium") or "chromium", "--headless", "--no-sandbox", "--disable-gpu",
             "--no-first-run", "--disable-background-networking", "--disable-component-update",
             f"--user-data-dir={self.profile}", "--remote-debugging-port=9333", "--remote-allow-origins=*",
             f"--window-size={width},{height}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        for _ in range(50):
            try:
                targets = requests.get("http://127.0.0.1:9333/json", timeout=1).json()
                page = next(t for t in targets if t["type"] == "page")
                break
            except (requests.RequestException, StopIteration):
                time.sleep(0.2)
        self.ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=30)
        self.seq = 0
        self.send(
            "Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1, mobile=width < 600
        )

    def send(self, method, **params):
        self.seq += 1
        self.ws.send(json.dumps({"id": self.seq, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.seq:
                return message.get("result", {})

    def wait_for(self, selector, timeout=30, text=None):
        deadline = time.time() + timeout
        found_js = f"document.querySelector({json.dumps(selector)})"
        if text:
            found_js = f"({found_js}?.textContent || '').includes({json.dumps(text)})"
        while time.time() < deadline:
            found = self.send("Runtime.evaluate", expression=f"!!({found_js})")
            if found.get("result", {}).get("value"):
                time.sleep(0.8)  # let the last render settle
                return
            time.sleep(0.3)
        raise TimeoutError(selector)

    def shot(self, url, selector, path, text=None, scroll_to=None):
        self.send("Page.navigate", url=url)
        self.wait_for(selector, text=text)
        if scroll_to:  # bring a block further down the page into view
            target = (
                f"(document.querySelector({json.dumps(scroll_to)}) || document.querySelector({json.dumps(selector)}))"
            )
            self.send("Runtime.evaluate", expression=f"{target}.scrollIntoView({{block: 'start'}})")
            time.sleep(0.8)
        data = self.send("Page.captureScreenshot", format="png")["data"]
        path.write_bytes(base64.b64decode(data))
        print("wrote", path)

    def close(self):
        self.process.terminate()
        shutil.rmtree(self.profile, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--odoo", default="http://127.0.0.1:8069")
    parser.add_argument("--sandbox", default="http://127.0.0.1:8070")
    parser.add_argument("--db", default="xero_timesync_demo")
    parser.add_argument(
        "--shots", nargs="+", default=["settings", "health", "clients", "sync_logs", "consent", "money", "tracking"]
    )
    args = parser.parse_args()
    odoo = Odoo(args.odoo)
    odoo.login(args.db)
    enable_integration(odoo)
    move_id = money_comes_back(odoo, SandboxControl(args.sandbox)) if "money" in args.shots else None
    browser = Chromium(1366, 900)
    try:
        session = odoo.http.cookies.get("session_id")
        browser.send("Network.setCookie", name="session_id", value=session, url=odoo.url)
        settings = f"{odoo.url}/odoo/action-xero_timesync.xero_settings_action"
        if "settings" in args.shots:
            browser.shot(settings, "[name=xero_tenant_name] span", OUT / "settings.png")
        if "health" in args.shots:
            browser.shot(settings, "[name=xero_quota_day_remaining]", OUT / "health.png", scroll_to="#xero_health_sync")
        if "clients" in args.shots:
            browser.shot(
                f"{odoo.url}/odoo/action-xero_timesync.xero_client_tasks_action", ".o_list_view", OUT / "clients.png"
            )
        if "sync_logs" in args.shots:
            browser.shot(
                f"{odoo.url}/odoo/action-xero_timesync.xero_sync_log_action", ".o_data_row", OUT / "sync_logs.png"
            )
        if "consent" in args.shots:  # Xero's consent page as the demo user first sees it (the sandbox's)
            wizard_id = odoo.call("xero.connect.wizard", "create", {})
            consent_url = odoo.call("xero.connect.wizard", "action_connect", [wizard_id])["url"]
            browser.shot(consent_url, "#consent button", OUT / "consent.png")
        if move_id:
            browser.shot(
                f"{odoo.url}/odoo/action-account.action_move_out_invoice_type/{move_id}",
                ".ribbon",
                OUT / "money.png",
                text="Paid",
            )
        if "tracking" in args.shots:
            browser.shot(
                settings, "#xero_tracking_setting [name=xero_tracking_summary] span", OUT / "tracking.png",
                scroll_to="#xero_tracking_setting",
            )  # fmt: skip
    finally:
        browser.close()


if __name__ == "__main__":
    main()
