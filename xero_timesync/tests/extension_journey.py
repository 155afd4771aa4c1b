"""The browser extension (extension/ at the repository's top) driven against a test's Odoo server: what the
Chromium and Firefox tests share, the browser process of their own and a consultant's day with the extension,
judged by the server's records.

A browser driver offers ``open(page)`` (an extension page in a tab of its own, e.g. ``"popup.html"``) and
``background(expression)`` (run in the extension's background); a page offers ``js(expression)``,
``type(selector, text)`` and ``close()``. Expressions are function bodies, awaited, their ``return`` value
read back as JSON; ``waitFor(check, what)`` polls until ``check()`` is true (or fails after ``WAIT``)."""

import itertools
import json
import pathlib
import shutil
import subprocess
import tempfile
import time
from datetime import timedelta

from odoo import fields
from odoo.tests.common import _preexec

from .timer_common import PASSWORD, TimerFixture

try:
    import websocket
except ImportError:  # a skipped test fails ./dev test: the harness installs websocket-client
    websocket = None

EXTENSION = pathlib.Path(__file__).resolve().parents[2] / "extension"
WAIT = 20  # seconds a page may take to show what a step waits for (a bound, not a timing assertion)
WEB_CLIENT_TIMER = "/xero_timesync/timer"

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


def script(expression):
    """The expression (a function body) as a script whose value is the JSON text of what it returns."""
    return (
        f"(async () => {{ {WAIT_FOR} return JSON.stringify((await (async () => {{ {expression} }})()) ?? null); }})()"
    )


class Socket:
    """A websocket of JSON commands answered by id: the DevTools protocol (Chromium), WebDriver BiDi (Firefox)."""

    def __init__(self, url):
        self.ws = websocket.create_connection(url, timeout=WAIT * 2, suppress_origin=True)
        self.ids = itertools.count(1)

    def send(self, method, **params):
        request_id = next(self.ids)
        self.ws.send(json.dumps({"id": request_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == request_id:
                if "error" in message:
                    raise AssertionError(f"{method}: {message['error']} {message.get('message', '')}")
                return message["result"]

    def close(self):
        self.ws.close()


class Browser:
    """A headless browser of its own, in a throwaway profile; subclasses give its command line."""

    name = "The browser"

    def __init__(self, test):
        if websocket is None:
            test.skipTest("websocket-client is not installed")
        self.profile = tempfile.mkdtemp(prefix="xero_extension_")
        test.addCleanup(shutil.rmtree, self.profile, ignore_errors=True)
        self.log = pathlib.Path(self.profile, "browser.log")
        log = self.log.open("wb")
        test.addCleanup(log.close)
        self.process = subprocess.Popen(  # noqa: S603, PLW1509 - our own browser; as Odoo's (no memory limit)
            self.command(test),
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=_preexec,
        )
        test.addCleanup(self.stop)

    def command(self, test):
        raise NotImplementedError

    def until(self, check, what):
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                errors = self.log.read_text(errors="replace")[-2000:]
                raise AssertionError(f"{self.name} exited ({self.process.returncode}) before {what}:\n{errors}")
            if value := check():
                return value
            time.sleep(0.05)
        raise AssertionError(f"{self.name} did not show {what} within {WAIT} s")

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class ExtensionJourney(TimerFixture):
    """A consultant's day with the extension, step by step, for an HttpCase driving one browser."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_timer_data()

    def new_api_key(self):
        """Tim's API key, made in Odoo as Tim makes one in his preferences."""
        self.acme.website = "https://acme.test"
        self.company.write({"xero_timer_rounding": "1", "xero_timer_rounding_method": "up", "xero_timer_minimum": 0})
        key = (
            self.env["res.users.apikeys"]
            .with_user(self.user)
            ._generate(None, "Xero Timer extension", fields.Datetime.now() + timedelta(days=1))
        )
        self.env.flush_all()
        return key

    def connect(self, browser, key):
        """The options page refuses a key for another login, then keeps Tim's key (and never a password)."""
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
            self.assertNotIn("settings", options.js("return await XeroOdoo.ext.storage.local.get(null)"))
            options.js("document.getElementById('login').value = 'tim'; document.getElementById('save').click()")
            options.js("await waitFor(() => /Connected to/.test(message.textContent), 'connected')")
            stored = options.js("return await XeroOdoo.ext.storage.local.get(null)")
            options.close()
        expected = {"server": self.base_url(), "database": self.env.cr.dbname, "login": "tim", "apiKey": key}
        self.assertEqual(stored["settings"], expected)
        self.assertNotIn(PASSWORD, json.dumps(stored))

    def start_from_search(self, popup):
        """Typing a client's name finds its task; a click starts the timer in Odoo, shown on the badge."""
        with self.allow_requests(all_requests=True):
            popup.js("await waitFor(() => !document.getElementById('idle').hidden, 'no timer yet')")
            popup.type("#search", "Bolt")
            popup.js(
                "const only = () => { const b = [...document.querySelectorAll('#tasks button')];"
                " return b.length === 1 && b[0].textContent === 'Bolt Electrics' && b[0]; };"
                "(await waitFor(only, 'Bolt found')).click();"
                "const { action } = XeroOdoo.ext;"
                "await waitFor(async () => task.textContent === 'Bolt Electrics' && !running.hidden"
                " && /^\\d+:\\d\\d$/.test(await action.getBadgeText({}))"
                " && (await action.getTitle({})).startsWith('Bolt Electrics — '), 'running on Bolt, on the badge')"
            )
        timer = self.env["xero.timer"].search([("user_id", "=", self.user.id)])
        self.assertEqual(timer.task_id, self.task_bolt, "started in Odoo, as the key's user")

    def switch_in_the_web_client(self, browser):
        """Tim switches to Acme in Odoo's web client: the extension's next poll shows it on its badge."""
        self.authenticate("tim", PASSWORD)
        self.env.flush_all()
        started = self.make_jsonrpc_request(f"{WEB_CLIENT_TIMER}/start", {"task_id": self.task_acme.id})
        self.assertEqual(started["timer"]["task_name"], "Acme Plumbing")
        # started an hour ago, last active 40 minutes ago
        self.company.xero_timer_idle_minutes = 15
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE xero_timer SET start = start - INTERVAL '60 minutes', last_activity = start - INTERVAL '40 minutes'"
            " WHERE user_id = %s",
            [self.user.id],
        )
        with self.allow_requests(all_requests=True):
            polled = browser.background(
                "const timer = await XeroOdoo.refresh();"
                "const alarm = await XeroOdoo.ext.alarms.get('xero-timer-poll');"
                "const title = await XeroOdoo.ext.action.getTitle({});"
                "return [timer.task_name, title.split(' — ')[0], alarm.periodInMinutes]"
            )
        self.assertEqual(polled, ["Acme Plumbing", "Acme Plumbing", 0.5])

    def describe_and_stop(self, browser):
        """Typed in the popup: a description and activity; Stop offers to drop the idle time, and records."""
        with self.allow_requests(all_requests=True):
            popup = browser.open("popup.html")
            popup.js(
                "await waitFor(() => task.textContent === 'Acme Plumbing' && !running.hidden, 'Acme in the popup')"
            )
            popup.type("#description", "Called the client")
            # no request in flight when the test reads the database (it shares the server's cursor)
            popup.js(
                "await waitFor(async () => window.xeroHeartbeats === 1"
                " && (await XeroOdoo.ext.storage.local.get('timer')).timer.description === 'Called the client',"
                " 'activity reported, description saved')"
            )
        self.env.invalidate_all()
        timer = self.env["xero.timer"].search([("user_id", "=", self.user.id)])
        self.assertEqual(timer.description, "Called the client")
        self.assertGreaterEqual(timer.idle_seconds, 40 * 60, "the 40 silent minutes are idle time")
        with self.allow_requests(all_requests=True):
            popup.js(
                "document.getElementById('stop').click();"
                "await waitFor(() => !offer.hidden && /idle/.test(offer.textContent) && !running.hidden, 'the offer')"
            )
            popup.js(
                "document.getElementById('offer-discard').click();"
                "await waitFor(async () => !idle.hidden && /Recorded/.test(message.textContent)"
                " && (await XeroOdoo.ext.action.getBadgeText({})) === '', 'stopped, badge cleared')"
            )
            beats = popup.js("return window.xeroHeartbeats")
            popup.close()
        self.env.invalidate_all()
        self.assertFalse(self.env["xero.timer"].search([("user_id", "=", self.user.id)]))
        self.assertEqual(len(self.lines_of(self.task_bolt)), 1, "the web client's switch recorded Bolt")
        acme = self.lines_of(self.task_acme)
        self.assertEqual(len(acme), 1)
        self.assertEqual(acme.name, "Called the client")
        # the hour less the 40 idle minutes, and the seconds the test took (rounded up to the minute)
        self.assertTrue(20 / 60 <= acme.unit_amount < 0.5, acme.unit_amount)
        self.assertEqual(beats, 1, "17 keys typed, one heartbeat")

    def revoke(self, browser):
        """The key revoked in Odoo: the extension is refused and says so on its badge."""
        self.env["res.users.apikeys"].sudo().search([("user_id", "=", self.user.id)])._remove()
        self.env.flush_all()
        with self.allow_requests(all_requests=True):
            refused = browser.background(
                "const error = await XeroOdoo.refresh().then(() => null, (e) => e.kind);"
                "return [error, await XeroOdoo.ext.action.getBadgeText({})]"
            )
        self.assertEqual(refused, ["unauthorized", "!"])
