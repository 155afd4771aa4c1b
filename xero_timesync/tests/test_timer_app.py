"""The app and extension calls: queued actions applied once per key, manual entries, my time, suggestions."""

from datetime import date, datetime, timedelta

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError
from odoo.tests import TransactionCase, new_test_user, tagged

from .timer_common import TimerFixture

T0 = datetime(2025, 6, 4, 7, 0, 0)  # Wednesday 09:00 in Brussels
KEY = "5f0c2a7e-1b3d-4c8e-9a6f-000000000001"


@tagged("post_install", "-at_install")
class TestTimerApp(TimerFixture, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_timer_data()
        cls.acme.website = "https://www.acme.test/contact"
        cls.bolt.email = "accounts@bolt.test"
        cls.board.website = "https://board.test"  # a client of a project Tim does not see
        cls.other = new_test_user(
            cls.env, login="ola", name="Ola Other", groups="base.group_user,hr_timesheet.group_hr_timesheet_user"
        )
        cls.env["hr.employee"].create({"name": "Ola Other", "user_id": cls.other.id, "company_id": cls.company.id})

    def logged(self, user=None):
        return self.env["xero.timer.action"].sudo().search_count([("user_id", "=", (user or self.user).id)])

    def test_the_web_client_opens_the_app(self):
        """Timesheets → Xero → Timer app, for whoever tracks time: the page to open on a phone or install."""
        menu = self.env.ref("xero_timesync.xero_timer_app_menu")
        self.assertIn(menu.id, self.env["ir.ui.menu"].with_user(self.user)._visible_menu_ids())
        self.assertEqual(menu.action.url, "/xero/timer")

    # -- one effect per key -------------------------------------------------------------------------
    def test_the_same_key_twice_logs_time_once(self):
        params = {"task_id": self.task_acme.id, "date": "2025-06-04", "hours": 1.5, "description": "Boiler"}
        with freeze_time(T0):
            first = self.timer_as().xero_queued(KEY, "log_time", params)
            again = self.timer_as().xero_queued(KEY, "log_time", params)
        line = self.lines_of(self.task_acme)
        self.assertRecordValues(line, [{"unit_amount": 1.5, "name": "Boiler", "date": date(2025, 6, 4)}])
        self.assertEqual((first["replayed"], again["replayed"]), (False, True))
        self.assertEqual(again["line_id"], line.id)
        self.assertEqual(self.logged(), 1)

    def test_a_stop_replayed_after_a_lost_answer_records_once_and_does_not_fail(self):
        with freeze_time(T0) as clock:
            self.timer_as().xero_queued("start-key-0001", "start", {"task_id": self.task_bolt.id})
            self.timer_as().xero_queued("start-key-0001", "start", {"task_id": self.task_bolt.id})
            clock.tick(timedelta(minutes=30))
            stopped = self.timer_as().xero_queued("stop-key-00001", "stop", {"description": "Wiring"})
            replay = self.timer_as().xero_queued("stop-key-00001", "stop", {"description": "Wiring"})
        self.assertRecordValues(self.lines_of(self.task_bolt), [{"unit_amount": 0.5, "name": "Wiring"}])
        self.assertEqual(replay["line_id"], stopped["line_id"])
        self.assertFalse(self.env["xero.timer"].search([("user_id", "=", self.user.id)]))
        # a new key is a new action: there is no timer left to stop
        with self.assertRaises(UserError):
            self.timer_as().xero_queued("stop-key-00002", "stop", {})

    def test_a_start_and_stop_tapped_offline_count_from_the_taps(self):
        self.company.xero_timer_rounding = "1"
        with freeze_time(T0) as clock:
            self.timer_as().xero_start(self.task_acme.id)
            clock.tick(timedelta(minutes=60))
            # offline: switched to Bolt at 0:20 (sent 40 min later), stopped at 0:50 (sent 10 min later)
            switched = self.timer_as().xero_queued("switch-key-01", "start", {"task_id": self.task_bolt.id}, 40 * 60)
            self.assertEqual(switched["stopped"]["hours"], 20 / 60)
            self.assertEqual(switched["timer"]["elapsed_seconds"], 40 * 60)
            stopped = self.timer_as().xero_queued("stop-key-0001", "stop", {}, 10 * 60)
        self.assertEqual(stopped["hours"], 30 / 60)
        self.assertEqual(self.lines_of(self.task_acme).unit_amount, 20 / 60)
        self.assertEqual(self.lines_of(self.task_bolt).unit_amount, 30 / 60)

    def test_a_stop_tapped_offline_offers_the_idle_time_up_to_the_tap(self):
        self.company.write({"xero_timer_rounding": "1", "xero_timer_idle_minutes": 15})
        with freeze_time(T0) as clock:
            self.timer_as().xero_start(self.task_acme.id)
            clock.tick(timedelta(minutes=10))
            self.timer_as().xero_heartbeat()
            clock.tick(timedelta(minutes=60))
            # tapped at 0:50 (idle since 0:10), sent 20 minutes later: it asks first and changes nothing
            offer = self.timer_as().xero_queued("stop-key-0001", "stop", {"check_idle": True}, 20 * 60)
            self.assertEqual((offer["idle_offer"], offer["idle_minutes"]), (True, 40))
            timer = self.env["xero.timer"].search([("user_id", "=", self.user.id)])
            self.assertEqual(timer.start, T0)
            # the choice, sent 25 minutes after the tap: 50 minutes less the 40 idle ones
            clock.tick(timedelta(minutes=5))
            stopped = self.timer_as().xero_queued("stop-key-0002", "stop", {"discard_idle": True}, 25 * 60)
        self.assertEqual((stopped["hours"], stopped["idle_discarded"]), (10 / 60, True))

    def test_queued_delays_are_bounded(self):
        with freeze_time(T0) as clock:
            self.timer_as().xero_start(self.task_acme.id)
            clock.tick(timedelta(minutes=5))
            # claims the stop was tapped a day ago: never before the timer's start
            self.timer_as().xero_queued("stop-key-0002", "stop", {}, 86400)
            for number, junk in enumerate((-600, "600", True, float("inf"), None)):
                with self.subTest(queued_seconds=junk):
                    self.timer_as().xero_queued(f"start-key-{number}", "start", {"task_id": self.task_bolt.id}, junk)
                    self.assertEqual(self.timer_as().xero_current()["timer"]["elapsed_seconds"], 0)
                    self.timer_as().xero_discard()
            with freeze_time(T0 + timedelta(days=2)):
                self.timer_as().xero_queued("start-late-key", "start", {"task_id": self.task_bolt.id}, 86400)
                self.assertEqual(self.timer_as().xero_current()["timer"]["elapsed_seconds"], 12 * 3600)
        self.assertEqual(self.lines_of(self.task_acme).unit_amount, 0.0)

    def test_keys_are_per_user_and_refused_actions_are_not_remembered(self):
        params = {"task_id": self.task_acme.id, "date": "2025-06-04", "hours": 1}
        with freeze_time(T0):
            self.timer_as().xero_queued(KEY, "log_time", params)
            self.timer_as(self.other).xero_queued(KEY, "log_time", params)
            with self.assertRaises(UserError):
                self.timer_as().xero_queued("refused-key-1", "log_time", dict(params, hours=0))
        self.assertEqual(len(self.lines_of(self.task_acme)), 1)
        self.assertEqual(len(self.lines_of(self.task_acme, self.other)), 1)
        self.assertEqual(self.logged(), 1, "the refused action's key rolled back with it: it may be sent again")

    def test_bad_keys_and_actions_change_nothing(self):
        for key, action in [("short", "stop"), (None, "stop"), ("x" * 65, "stop"), ("../../etc/pw", "stop"),
                            ({"k": 1}, "stop"), ("good-key-0001", "unlink"), ("good-key-0001", "_xero_stop")]:  # fmt: skip
            with self.subTest(key=key, action=action), self.assertRaises(UserError):
                self.timer_as().xero_queued(key, action, {})
        self.assertEqual(self.logged(), 0)

    def test_the_log_is_the_servers_own(self):
        self.timer_as().xero_queued(KEY, "start", {"task_id": self.task_acme.id})
        Log = self.env["xero.timer.action"].with_user(self.user)
        for operation in (
            lambda: Log.search([]),
            lambda: Log.create({"user_id": self.user.id, "key": "forged-key-01", "action": "stop"}),
        ):
            with self.assertRaises(AccessError):
                operation()

    def test_keys_are_forgotten_after_thirty_days(self):
        with freeze_time(T0 - timedelta(days=31)):
            self.timer_as().xero_queued("old-key-00001", "start", {"task_id": self.task_acme.id})
        with freeze_time(T0 - timedelta(days=29)):
            self.timer_as().xero_queued("recent-key-01", "stop", {})
        with freeze_time(T0):
            self.env["xero.timer.action"]._gc_old_keys()
        self.assertEqual(self.env["xero.timer.action"].sudo().search([]).mapped("key"), ["recent-key-01"])

    # -- manual entries -----------------------------------------------------------------------------
    def test_manual_entry_on_own_timesheet(self):
        with freeze_time(T0):
            result = self.timer_as().xero_log_time(self.task_bolt.id, "2025-06-02", 0.75, "Quote")
        self.assertRecordValues(
            self.lines_of(self.task_bolt),
            [{"unit_amount": 0.75, "name": "Quote", "date": date(2025, 6, 2), "employee_id": self.employee.id}],
        )
        self.assertEqual(result["hours"], 0.75)

    def test_manual_entry_inputs_are_checked(self):
        bad = [
            (self.task_acme.id, "2025-06-05", 1),  # tomorrow
            (self.task_acme.id, "2024-01-01", 1),  # more than a year ago
            (self.task_acme.id, "04/06/2025", 1),
            (self.task_acme.id, None, 1),
            (self.task_acme.id, "2025-06-04", 0),
            (self.task_acme.id, "2025-06-04", -1),
            (self.task_acme.id, "2025-06-04", 24.5),
            (self.task_acme.id, "2025-06-04", "2"),
            (self.task_acme.id, "2025-06-04", True),
            (self.task_acme.id, "2025-06-04", float("nan")),
            ("Acme", "2025-06-04", 1),
        ]
        with freeze_time(T0):
            for task_id, day, hours in bad:
                with self.subTest(day=day, hours=hours), self.assertRaises(UserError):
                    self.timer_as().xero_log_time(task_id, day, hours)
            with self.assertRaises(AccessError):
                self.timer_as().xero_log_time(self.task_secret.id, "2025-06-04", 1)
        self.assertFalse(self.env["account.analytic.line"].search([("user_id", "=", self.user.id)]))

    # -- my time --------------------------------------------------------------------------------------
    def test_my_time_today_and_this_week(self):
        with freeze_time(T0):
            for day, hours in [("2025-06-04", 1.25), ("2025-06-02", 2), ("2025-05-31", 4)]:  # last week's Saturday
                self.timer_as().xero_log_time(self.task_acme.id, day, hours)
            self.timer_as(self.other).xero_log_time(self.task_acme.id, "2025-06-04", 3)
            self.timer_as().xero_start(self.task_bolt.id)
            mine = self.timer_as().xero_my_time()
        self.assertEqual((mine["today"], mine["today_hours"], mine["week_hours"]), ("2025-06-04", 1.25, 3.25))
        self.assertEqual([line["hours"] for line in mine["lines"]], [1.25])
        self.assertEqual(mine["timer"]["task_id"], self.task_bolt.id)
        self.assertEqual(mine["user"]["login"], "tim")

    # -- suggest the client from the site ---------------------------------------------------------------
    def test_suggest_matches_website_and_email_domains_of_visible_tasks(self):
        def suggest(site):
            return [task["id"] for task in self.timer_as().xero_suggest(site)]

        self.assertEqual(suggest("https://portal.acme.test/jobs?id=4"), self.task_acme.ids)
        self.assertEqual(suggest("acme.test"), self.task_acme.ids)
        self.assertEqual(suggest("https://bolt.test:8443/"), self.task_bolt.ids)
        self.assertEqual(suggest("https://notacme.test/"), [])
        self.assertEqual(suggest("https://board.test/"), [], "a client of a project Tim does not see")
        self.gone.email = "gone@gmail.com"
        self.assertEqual(suggest("https://mail.gmail.com/"), [])
        for junk in ("", None, 42, "javascript:alert(1)", "localhost", "x" * 3000, ["acme.test"]):
            with self.subTest(site=junk):
                self.assertEqual(suggest(junk), [])
