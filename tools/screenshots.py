"""Screenshots of a running demo for the README (./dev demo must be running).

    .cache/venv/bin/python tools/screenshots.py [--odoo http://127.0.0.1:8069] [--sandbox http://127.0.0.1:8070]

Enables the integration the way the admin's browser does (same session: wizard → Xero consent → callback
→ Save), then captures pages with headless Chromium over the DevTools protocol.
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

    def wait_for(self, selector, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            found = self.send("Runtime.evaluate", expression=f"!!document.querySelector({json.dumps(selector)})")
            if found.get("result", {}).get("value"):
                time.sleep(0.8)  # let the last render settle
                return
            time.sleep(0.3)
        raise TimeoutError(selector)

    def shot(self, url, selector, path, scroll_to=None):
        self.send("Page.navigate", url=url)
        self.wait_for(selector)
        if scroll_to:  # bring a block further down the page to the top
            self.send(
                "Runtime.evaluate",
                expression=f"(document.querySelector({json.dumps(scroll_to)}) || document.querySelector("
                f"{json.dumps(selector)})).scrollIntoView({{block: 'start'}})",
            )
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
    parser.add_argument("--db", default="xero_timesync_demo")
    args = parser.parse_args()
    odoo = Odoo(args.odoo)
    odoo.login(args.db)
    enable_integration(odoo)
    browser = Chromium(1366, 900)
    try:
        session = odoo.http.cookies.get("session_id")
        browser.send("Network.setCookie", name="session_id", value=session, url=odoo.url)
        browser.shot(
            f"{odoo.url}/odoo/action-xero_timesync.xero_settings_action",
            "[name=xero_tenant_name] span",
            OUT / "settings.png",
        )
        browser.shot(
            f"{odoo.url}/odoo/action-xero_timesync.xero_settings_action",
            "[name=xero_quota_day_remaining]",
            OUT / "health.png",
            scroll_to="#xero_health_sync",
        )
        browser.shot(
            f"{odoo.url}/odoo/action-xero_timesync.xero_client_tasks_action", ".o_list_view", OUT / "clients.png"
        )
        browser.shot(f"{odoo.url}/odoo/action-xero_timesync.xero_sync_log_action", ".o_data_row", OUT / "sync_logs.png")
        # Xero's consent page as the demo user first sees it (the sandbox's)
        wizard_id = odoo.call("xero.connect.wizard", "create", {})
        consent_url = odoo.call("xero.connect.wizard", "action_connect", [wizard_id])["url"]
        browser.shot(consent_url, "#consent button", OUT / "consent.png")
    finally:
        browser.close()


if __name__ == "__main__":
    main()
