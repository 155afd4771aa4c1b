"""The installable timer app on a phone-size touch browser, with the network cut mid-session."""

import json
from unittest.mock import patch

from odoo.tests import HttpCase, JsonRpcException, tagged
from odoo.tests.common import ChromeBrowser
from odoo.tools import file_open

from .timer_common import PASSWORD, TimerFixture

SCRIPT = "xero_timesync/static/tests/app/timer_app_phone.js"
ROUTES = "/xero_timesync/timer"


class FlakyNetwork:
    """Fails the app's JSON-RPC calls while the page says the network is off; counts what reaches the server."""

    def __init__(self):
        self.offline = False
        self.failed = []
        self.passed = []
        self.heartbeats = 0

    def patches(self):
        network = self
        handle_console = ChromeBrowser._handle_console
        handle_request = ChromeBrowser._handle_request_paused

        def on_console(browser, type, args=None, **kw):  # noqa: A002 - CDP's name
            text = args and args[0].get("value")
            if text in ("xero-test: network off", "xero-test: network on"):
                network.offline = text.endswith("off")
            return handle_console(browser, type, args=args, **kw)

        def on_request(browser, **params):
            request = params["request"]
            if "/xero_timesync/timer/" in request["url"]:
                key = json.loads(request.get("postData") or "{}").get("params", {}).get("key")
                if network.offline:
                    if key:  # an action (a read the app makes offline, e.g. my time, is not queued: it has no key)
                        network.failed.append(key)
                    browser._websocket_send(
                        "Fetch.failRequest",
                        params={"requestId": params["requestId"], "errorReason": "InternetDisconnected"},
                    )
                    return None
                if key:
                    network.passed.append(key)
                network.heartbeats += request["url"].endswith("/heartbeat")
            return handle_request(browser, **params)

        return (
            patch.object(ChromeBrowser, "_handle_console", on_console),
            patch.object(ChromeBrowser, "_handle_request_paused", on_request),
        )


@tagged("post_install", "-at_install")
class TestTimerAppHttp(TimerFixture, HttpCase):
    browser_size = "390x844"
    touch_enabled = True

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_timer_data()

    def test_installable_app_is_described_and_needs_a_login(self):
        manifest = self.url_open("/xero/timer/manifest.webmanifest").json()
        self.assertEqual(
            {key: manifest[key] for key in ("start_url", "scope", "display")},
            {"start_url": "/xero/timer", "scope": "/xero/timer", "display": "standalone"},
        )
        for icon in manifest["icons"]:
            self.assertEqual(self.url_open(icon["src"]).headers["Content-Type"], "image/png")
        worker = self.url_open("/xero/timer/sw.js")
        self.assertEqual(worker.headers["Service-Worker-Allowed"], "/xero/timer")
        self.assertIn("caches.open", worker.text)
        anonymous = self.url_open("/xero/timer", allow_redirects=False)
        self.assertIn("/web/login", anonymous.headers["Location"])

    def test_app_routes_act_for_the_session_user(self):
        self.acme.website = "https://acme.test"
        self.authenticate("tim", PASSWORD)
        suggested = self.make_jsonrpc_request(f"{ROUTES}/suggest", {"site": "https://www.acme.test/quote"})
        self.assertEqual([task["id"] for task in suggested["tasks"]], self.task_acme.ids)
        today = self.make_jsonrpc_request(f"{ROUTES}/my_time")["today"]
        logged = self.make_jsonrpc_request(
            f"{ROUTES}/log_time", {"task_id": self.task_acme.id, "date": today, "hours": 0.5, "description": "Call"}
        )
        self.assertRecordValues(self.lines_of(self.task_acme), [{"id": logged["line_id"], "unit_amount": 0.5}])
        with self.assertRaises(JsonRpcException):
            self.make_jsonrpc_request(f"{ROUTES}/log_time", {"task_id": self.task_secret.id, "date": today, "hours": 1})
        self.assertEqual(len(self.env["account.analytic.line"].search([("user_id", "=", self.user.id)])), 1)

    def test_phone_start_describe_go_offline_stop_and_log_time(self):
        self.company.write(
            {
                "xero_timer_rounding": "15",
                "xero_timer_rounding_method": "up",
                "xero_timer_minimum": 0,
                "xero_timer_idle_minutes": 15,
            }
        )
        # a timer left running on Bolt 40 minutes ago, with no activity since
        self.timer_as().xero_start(self.task_bolt.id)
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE xero_timer SET start = start - INTERVAL '40 minutes', last_activity = start - INTERVAL '40 minutes'"
            " WHERE user_id = %s",
            [self.user.id],
        )
        network = FlakyNetwork()
        with file_open(SCRIPT) as script:
            code = script.read()
        cut, count = network.patches()
        with cut, count:
            self.browser_js("/xero/timer", code, ready="!!window.xeroTimerApp", login="tim", timeout=60)
        lines = self.lines_of(self.task_acme)
        self.assertEqual(
            sorted((line.name, line.unit_amount) for line in lines), [("Fixed the boiler", 0.25), ("Quote", 1.5)]
        )
        self.assertFalse(self.env["xero.timer"].search([("user_id", "=", self.user.id)]))
        # Bolt: offered to leave out 40 idle minutes, kept (40 min and the seconds of the test, rounded up to 45)
        self.assertEqual(self.lines_of(self.task_bolt).mapped("unit_amount"), [0.75])
        # activity reported, not on every tap and key: at most once a minute for each of the two timers (the
        # script is given 60 s at most)
        self.assertTrue(1 <= network.heartbeats <= 4, network.heartbeats)
        # what failed offline (the stop, sent again in order before the manual entry) reached the server once
        # the network was back, as did every other action: one key, one request, one entry in the server's log
        self.assertTrue(network.failed)
        self.assertLessEqual(set(network.failed), set(network.passed))
        self.assertEqual(len(network.passed), len(set(network.passed)), "no action sent twice")
        log = self.env["xero.timer.action"].sudo().search([("user_id", "=", self.user.id)])
        self.assertEqual(sorted(log.mapped("key")), sorted(network.passed))
        self.assertEqual(log.mapped("action")[-2:], ["stop", "log_time"])
        self.assertEqual(log.mapped("action")[:2], ["stop", "stop"], "Bolt's stop asked first, then was kept")
