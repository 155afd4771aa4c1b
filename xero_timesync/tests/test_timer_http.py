import threading

import requests

from odoo.tests import HttpCase, JsonRpcException, tagged

from .timer_common import PASSWORD, TimerFixture

ROUTE = "/xero_timesync/timer"


@tagged("post_install", "-at_install")
class TestTimerHttp(TimerFixture, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_timer_data()

    def post(self, session, path, params, in_test=True):
        """A JSON-RPC call as a desktop app makes it, with its own session (cookie jar)."""
        if in_test:  # like HttpCase.opener: the server's test cursor does not share this cache
            self.env.cr.flush()
            self.env.cr.clear()
            with self.allow_requests(all_requests=True):
                return self.post(session, path, params, in_test=False)
        response = session.post(
            f"{self.base_url()}{path}",
            json={"jsonrpc": "2.0", "method": "call", "id": 1, "params": params},
            timeout=30,
        )
        self.assertEqual(response.status_code, 200, response.text)
        return response.json()

    def rpc(self, session, path, **params):
        return self.post(session, f"{ROUTE}/{path}", params)

    def login(self, login):
        session = requests.Session()
        self.addCleanup(session.close)
        credentials = {"db": self.env.cr.dbname, "login": login, "password": PASSWORD}
        response = self.post(session, "/web/session/authenticate", credentials)
        self.assertEqual(response["result"]["uid"], self.user.id)
        return session

    def test_tour_pick_a_task_start_wait_stop(self):
        self.company.write({"xero_timer_rounding": "6", "xero_timer_rounding_method": "up", "xero_timer_minimum": 0})
        self.start_tour("/odoo/action-hr_timesheet.act_hr_timesheet_line", "xero_timesync_timer", login="tim")
        line = self.lines_of(self.task_acme)
        self.assertRecordValues(
            line, [{"name": "Fixed the boiler", "unit_amount": 0.1, "employee_id": self.employee.id}]
        )
        self.assertFalse(self.env["xero.timer"].search([("user_id", "=", self.user.id)]))

    def test_tour_start_and_stop_from_the_task_form(self):
        self.company.xero_timer_minimum = 5
        self.start_tour(f"/odoo/project.task/{self.task_bolt.id}", "xero_timesync_timer_form", login="tim")
        self.assertFalse(self.env["xero.timer"].search([("user_id", "=", self.user.id)]))
        self.assertFalse(self.lines_of(self.task_bolt), "under the minimum: discarded")

    def test_tour_typed_description_survives_ticks_reload_and_stop(self):
        """Issue 12, defect 1: the description box is not wiped while the panel ticks."""
        self.start_tour(f"/odoo/project.task/{self.task_bolt.id}", "xero_timesync_timer_typing", login="tim")
        line = self.lines_of(self.task_bolt)
        self.assertEqual(line.name, "fixed the boiler, then the pump")
        self.assertFalse(self.env["xero.timer"].search([("user_id", "=", self.user.id)]))

    def test_json_rpc_surface(self):
        self.company.write({"xero_timer_rounding": "1", "xero_timer_minimum": 0})
        session = self.login("tim")
        self.assertEqual(self.rpc(session, "current")["result"], {"timer": None})
        tasks = self.rpc(session, "tasks", query="C-0077")["result"]["tasks"]
        self.assertEqual([t["id"] for t in tasks], self.task_bolt.ids)

        forbidden = self.rpc(session, "start", task_id=self.task_secret.id)
        self.assertEqual(forbidden["error"]["data"]["name"], "odoo.exceptions.AccessError")
        bad = self.rpc(session, "start", task_id="Bolt")
        self.assertEqual(bad["error"]["data"]["name"], "odoo.exceptions.UserError")
        self.assertIn("Choose a task", bad["error"]["data"]["message"])
        self.assertFalse(self.env["xero.timer"].search([("user_id", "=", self.user.id)]))

        started = self.rpc(session, "start", task_id=self.task_bolt.id, description="Rewiring")["result"]
        self.assertEqual(started["timer"]["task_name"], "Bolt Electrics")
        # another device (a second login) sees the same timer
        other_device = self.login("tim")
        self.assertEqual(self.rpc(other_device, "current")["result"]["timer"]["id"], started["timer"]["id"])
        described = self.rpc(other_device, "describe", description="Rewiring the shop")["result"]
        self.assertEqual(described["timer"]["description"], "Rewiring the shop")
        stopped = self.rpc(session, "stop")["result"]
        self.assertTrue(stopped["recorded"])
        self.assertRecordValues(
            self.env["account.analytic.line"].browse(stopped["line_id"]),
            [{"task_id": self.task_bolt.id, "name": "Rewiring the shop", "unit_amount": 1 / 60}],
        )
        self.assertEqual(self.rpc(other_device, "stop")["error"]["data"]["name"], "odoo.exceptions.UserError")

    def test_json_rpc_needs_a_session(self):
        with self.assertRaises(JsonRpcException):
            self.make_jsonrpc_request(f"{ROUTE}/current")

    def test_concurrent_start_from_two_sessions_leaves_one_timer(self):
        self.company.xero_timer_minimum = 1  # the timer that loses is under a minute: discarded, not recorded
        sessions = {self.task_acme: self.login("tim"), self.task_bolt: self.login("tim")}
        barrier = threading.Barrier(len(sessions))
        answers = {}

        def start(task, session):
            barrier.wait()
            answers[task] = self.post(session, f"{ROUTE}/start", {"task_id": task.id}, in_test=False)

        threads = [threading.Thread(target=start, args=item) for item in sessions.items()]
        self.env.cr.flush()
        self.env.cr.clear()
        with self.allow_requests(all_requests=True):
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(60)
        self.assertEqual({task: "result" in answer for task, answer in answers.items()}, dict.fromkeys(sessions, True))
        timers = self.env["xero.timer"].search([("user_id", "=", self.user.id)])
        self.assertEqual(len(timers), 1)
        self.assertIn(timers.task_id, self.task_acme | self.task_bolt)
        for session in sessions.values():
            self.assertEqual(self.rpc(session, "current")["result"]["timer"]["id"], timers.id)
        self.assertFalse(self.env["account.analytic.line"].search([("user_id", "=", self.user.id)]))
