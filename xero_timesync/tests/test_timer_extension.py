"""The browser extension (extension/ at the repository's top) loaded unpacked into headless Chromium and driven
through its options page and popup against this test's Odoo server, over the Chrome DevTools Protocol."""

import itertools
import json
import pathlib
import shutil
import subprocess
import tempfile
import time
from datetime import timedelta

import requests

from odoo import fields
from odoo.tests import HttpCase, tagged
from odoo.tests.common import _find_executable, _preexec

from .timer_common import TimerFixture

try:
    import websocket
except ImportError:  # a skipped test fails ./dev test: the harness installs websocket-client
    websocket = None

EXTENSION = pathlib.Path(__file__).resolve().parents[2] / "extension"
WAIT = 20  # seconds a page may take to show what a step waits for (a bound, not a timing assertion)

WAIT_FOR = """
globalThis.waitFor = async (check, what) => {
    const end = Date.now() + WAIT_MS;
    for (;;) {
        const value = await check();
        if (value) return value;
        if (Date.now() > end) throw new Error("waited in vain for: " + what);
        await new Promise((resolve) => setTimeout(resolve, 50));
    }
};
""".replace("WAIT_MS", str(WAIT * 1000))


class Page:
    """One DevTools target (a tab or the extension's service worker)."""

    def __init__(self, ws_url):
        self.ws = websocket.create_connection(ws_url, timeout=WAIT * 2, suppress_origin=True)
        self.ids = itertools.count(1)

    def send(self, method, **params):
        request_id = next(self.ids)
        self.ws.send(json.dumps({"id": request_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == request_id:
                if "error" in message:
                    raise AssertionError(f"{method}: {message['error']}")
                return message["result"]

    def js(self, expression):
        result = self.send(
            "Runtime.evaluate",
            expression=f"(async () => {{ {WAIT_FOR} {expression} }})()",
            awaitPromise=True,
            returnByValue=True,
            userGesture=True,
        )
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            raise AssertionError(details.get("exception", {}).get("description") or details["text"])
        return result["result"].get("value")

    def type(self, selector, text):
        """Focus a field and type into it key by key, as a person does."""
        self.js(f"document.querySelector({json.dumps(selector)}).focus()")
        for char in text:
            self.send("Input.insertText", text=char)

    def close(self):
        self.ws.close()


class Chromium:
    """A headless Chromium of its own with the extension loaded unpacked."""

    def __init__(self, test):
        if websocket is None:
            test.skipTest("websocket-client is not installed")
        self.profile = tempfile.mkdtemp(prefix="xero_extension_")
        test.addCleanup(shutil.rmtree, self.profile, ignore_errors=True)
        self.log = pathlib.Path(self.profile, "chromium.log")
        log = self.log.open("wb")
        test.addCleanup(log.close)
        self.process = subprocess.Popen(  # noqa: S603, PLW1509 - our own browser; as Odoo's (no memory limit)
            [
                _find_executable(),
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-background-networking",
                "--remote-debugging-address=127.0.0.1",
                "--remote-debugging-port=0",
                "--remote-allow-origins=*",
                "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",  # no lookup leaves the machine
                f"--user-data-dir={self.profile}",
                f"--load-extension={EXTENSION}",
                f"--disable-extensions-except={EXTENSION}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=log,
            preexec_fn=_preexec,
        )
        test.addCleanup(self.stop)
        port_file = pathlib.Path(self.profile, "DevToolsActivePort")
        self.port = self._until(lambda: port_file.exists() and port_file.read_text().split("\n")[0], "DevTools port")
        worker = self._until(self._extension_worker, "the extension's service worker")
        self.extension_url = worker["url"].rsplit("/", 1)[0]
        self.worker = Page(worker["webSocketDebuggerUrl"])

    def _until(self, check, what):
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                errors = self.log.read_text(errors="replace")[-2000:]
                raise AssertionError(f"Chromium exited ({self.process.returncode}) before {what}:\n{errors}")
            if value := check():
                return value
            time.sleep(0.05)
        raise AssertionError(f"Chromium did not show {what} within {WAIT} s")

    def _targets(self):
        return requests.get(f"http://127.0.0.1:{self.port}/json/list", timeout=WAIT).json()

    def _extension_worker(self):
        return next(
            (t for t in self._targets() if t["type"] == "service_worker" and t["url"].startswith("chrome-extension:")),
            None,
        )

    def open(self, page):
        target = requests.put(f"http://127.0.0.1:{self.port}/json/new?{self.extension_url}/{page}", timeout=WAIT)
        return self._loaded(Page(target.json()["webSocketDebuggerUrl"]), page)

    def _loaded(self, page, what):
        loaded = "return location.protocol === 'chrome-extension:' && document.readyState === 'complete'"

        def ready():
            try:
                return page.js(loaded)
            except AssertionError:  # the first document went away while asked
                return False

        self._until(ready, what)
        return page

    def visit(self, url):
        """The first tab goes to ``url`` (a site the consultant works on; it need not load)."""
        first = next(t for t in self._targets() if t["type"] == "page")
        tab = Page(first["webSocketDebuggerUrl"])
        tab.send("Page.navigate", url=url)
        tab.close()

    def open_popup(self):
        """Click the toolbar button, as it were: the popup opens over the active tab."""
        self.worker.js("await chrome.action.openPopup()")
        popup = self._until(
            lambda: next((t for t in self._targets() if t["url"] == f"{self.extension_url}/popup.html"), None),
            "the popup",
        )
        return self._loaded(Page(popup["webSocketDebuggerUrl"]), "the popup loaded")

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@tagged("post_install", "-at_install")
class TestTimerExtension(TimerFixture, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_timer_data()

    def test_popup_with_an_api_key_in_step_with_the_web_client(self):
        self.acme.website = "https://acme.test"
        self.company.write({"xero_timer_rounding": "1", "xero_timer_rounding_method": "up", "xero_timer_minimum": 0})
        key = (
            self.env["res.users.apikeys"]
            .with_user(self.user)
            ._generate(None, "Xero Timer extension", fields.Datetime.now() + timedelta(days=1))
        )
        browser = Chromium(self)
        self.env.flush_all()
        with self.allow_requests(all_requests=True):
            options = browser.open("options.html")
            fill = {"server": self.base_url(), "database": self.env.cr.dbname, "login": "someone-else", "api-key": key}
            for field, value in fill.items():
                options.js(f"document.getElementById({json.dumps(field)}).value = {json.dumps(value)}")
            options.js("document.getElementById('save').click()")
            refused = options.js(
                "return await waitFor(() => /belongs to/.test(message.textContent) && message.textContent, 'refused')"
            )
            self.assertIn("belongs to tim", refused)
            options.js("document.getElementById('login').value = 'tim'; document.getElementById('save').click()")
            options.js("await waitFor(() => /Connected to/.test(message.textContent), 'connected')")
            options.close()

            browser.visit("http://portal.acme.test/jobs/42")
            popup = browser.open_popup()
            popup.js("await waitFor(() => !document.getElementById('idle').hidden, 'no timer yet')")
            suggested = popup.js(
                "await waitFor(() => !suggested.hidden, 'a suggestion');"
                "return [site.textContent, [...suggestions.querySelectorAll('button')].map((b) => b.textContent)]"
            )
            self.assertEqual(suggested, ["portal.acme.test", ["Acme Plumbing"]])
            popup.type("#search", "Bolt")
            popup.js(
                "const only = () => { const b = [...document.querySelectorAll('#tasks button')];"
                " return b.length === 1 && b[0].textContent === 'Bolt Electrics' && b[0]; };"
                "(await waitFor(only, 'Bolt found')).click();"
                "await waitFor(async () => task.textContent === 'Bolt Electrics' && !running.hidden"
                " && /^\\d+:\\d\\d$/.test(await chrome.action.getBadgeText({})), 'running on Bolt, on the badge')"
            )
        timer = self.env["xero.timer"].search([("user_id", "=", self.user.id)])
        self.assertEqual(timer.task_id, self.task_bolt, "started in Odoo, as the key's user")

        # the web client switches to Acme: the extension's next poll shows it
        self.timer_as().xero_start(self.task_acme.id)
        self.env.flush_all()
        # started an hour ago, last active 40 minutes ago
        self.company.xero_timer_idle_minutes = 15
        self.env.cr.execute(
            "UPDATE xero_timer SET start = start - INTERVAL '60 minutes', last_activity = start - INTERVAL '40 minutes'"
            " WHERE user_id = %s",
            [self.user.id],
        )
        with self.allow_requests(all_requests=True):
            polled = browser.worker.js(
                "const timer = await XeroOdoo.refresh();"
                "const alarm = await chrome.alarms.get('xero-timer-poll');"
                "return [timer.task_name, (await chrome.action.getTitle({})).split(' — ')[0], alarm.periodInMinutes]"
            )
            self.assertEqual(polled, ["Acme Plumbing", "Acme Plumbing", 0.5])
            popup.close()
            popup = browser.open("popup.html")
            popup.js(
                "await waitFor(() => task.textContent === 'Acme Plumbing' && !running.hidden, 'Acme in the popup')"
            )
            popup.type("#description", "Called the client")
            popup.js("await waitFor(() => window.xeroHeartbeats === 1, 'activity reported')")
            self.env.invalidate_all()
            timer = self.env["xero.timer"].search([("user_id", "=", self.user.id)])
            self.assertGreaterEqual(timer.idle_seconds, 40 * 60, "the 40 silent minutes are idle time")
            popup.js(
                "document.getElementById('stop').click();"
                "await waitFor(() => !offer.hidden && /idle/.test(offer.textContent) && !running.hidden, 'the offer')"
            )
            popup.js(
                "document.getElementById('offer-discard').click();"
                "await waitFor(async () => !idle.hidden && /Recorded/.test(message.textContent)"
                " && (await chrome.action.getBadgeText({})) === '', 'stopped, badge cleared')"
            )
            beats = popup.js("return window.xeroHeartbeats")
            popup.close()
        self.assertFalse(self.env["xero.timer"].search([("user_id", "=", self.user.id)]))
        self.assertEqual(len(self.lines_of(self.task_bolt)), 1, "the web client's switch recorded Bolt")
        self.assertEqual(self.lines_of(self.task_acme).name, "Called the client")
        # the hour less the 40 idle minutes, and the seconds the test took (rounded up to the minute)
        self.assertTrue(20 / 60 <= self.lines_of(self.task_acme).unit_amount < 0.5)
        self.assertEqual(beats, 1, "17 keys typed, one heartbeat")

        # revoked in Odoo: the extension is refused and says so on its badge
        self.env["res.users.apikeys"].sudo().search([("user_id", "=", self.user.id)])._remove()
        self.env.flush_all()
        with self.allow_requests(all_requests=True):
            badge = browser.worker.js(
                "await XeroOdoo.refresh().catch(() => null); return await chrome.action.getBadgeText({})"
            )
        self.assertEqual(badge, "!")
