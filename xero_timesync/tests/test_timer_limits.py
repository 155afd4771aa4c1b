"""Timers that do not lie (issue 27): the maximum length, idle time, reminders, the missing time digest, and
what starting, stopping and searching cost in queries."""

from datetime import date, datetime, timedelta

from freezegun import freeze_time
from psycopg2 import IntegrityError

from odoo.exceptions import AccessError, UserError
from odoo.tests import TransactionCase, new_test_user, tagged
from odoo.tools import mute_logger

from .timer_common import TimerFixture

T0 = datetime(2025, 6, 2, 7, 0, 0)  # Monday 09:00 in Brussels


@tagged("post_install", "-at_install")
class TestTimerLimits(TimerFixture, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_timer_data()
        cls.company.write({"xero_timer_max_hours": 10, "xero_timer_idle_minutes": 15, "xero_timer_reminder_hour": 18})
        cls.ola = new_test_user(
            cls.env, login="ola", groups="base.group_user,hr_timesheet.group_hr_timesheet_user", tz="Europe/Brussels"
        )
        cls.env["hr.employee"].create({"name": "Ola", "user_id": cls.ola.id, "company_id": cls.company.id})

    def timer_of(self, user=None):
        return self.env["xero.timer"].search([("user_id", "=", (user or self.user).id)])

    def messages_to(self, user, text):
        return self.env["mail.message"].search([("partner_ids", "in", user.partner_id.ids), ("body", "ilike", text)])

    # -- the maximum length -----------------------------------------------------------------------------
    def test_stopping_after_the_maximum_records_exactly_the_maximum(self):
        self.company.xero_timer_rounding = "15"
        with freeze_time(T0) as clock:
            self.timer_as().xero_start(self.task_acme.id)
            clock.tick(timedelta(hours=11, minutes=7))
            stopped = self.timer_as().xero_stop()
        self.assertTrue(stopped["capped"])
        self.assertIn("10:00 h maximum", stopped["message"])
        self.assertEqual(self.lines_of(self.task_acme).mapped("unit_amount"), [10.0])

    def test_switching_tasks_after_the_maximum_records_the_maximum(self):
        self.company.xero_timer_max_hours = 7.5
        with freeze_time(T0) as clock:
            self.timer_as().xero_start(self.task_acme.id)
            clock.tick(timedelta(hours=9))
            switched = self.timer_as().xero_start(self.task_bolt.id)
        self.assertTrue(switched["stopped"]["capped"])
        self.assertEqual(self.lines_of(self.task_acme).mapped("unit_amount"), [7.5])

    def test_no_maximum_records_the_whole_time(self):
        self.company.xero_timer_max_hours = 0
        with freeze_time(T0) as clock:
            self.timer_as().xero_start(self.task_acme.id)
            clock.tick(timedelta(hours=11))
            self.assertFalse(self.timer_as().xero_stop()["capped"])
            self.env["xero.timer"]._cron_xero_cap_timers()
        self.assertEqual(self.lines_of(self.task_acme).mapped("unit_amount"), [11.0])

    def test_the_cron_stops_forgotten_timers_at_the_maximum_once_and_tells_their_owner(self):
        with freeze_time(T0) as clock:
            self.timer_as().xero_start(self.task_acme.id, "Boiler")
            clock.tick(timedelta(hours=8))
            self.timer_as(self.ola).xero_start(self.task_bolt.id)
            clock.tick(timedelta(hours=2, minutes=30))  # Tim: 10:30, Ola: 2:30
            self.env["xero.timer"]._cron_xero_cap_timers()
            self.env["xero.timer"]._cron_xero_cap_timers()
            self.assertFalse(self.timer_of(), "Tim's timer is stopped")
            self.assertTrue(self.timer_of(self.ola), "Ola's runs on")
            with self.assertRaisesRegex(UserError, "No timer is running"):
                self.timer_as().xero_stop()  # Tim comes back and presses Stop: nothing more is recorded
        line = self.lines_of(self.task_acme)
        self.assertRecordValues(line, [{"unit_amount": 10.0, "name": "Boiler", "employee_id": self.employee.id}])
        told = self.messages_to(self.user, "maximum")
        self.assertEqual(len(told), 1)
        self.assertIn("Acme Plumbing", told.body)
        self.assertEqual((told.model, told.res_id), ("project.task", self.task_acme.id))
        self.assertFalse(self.messages_to(self.ola, "maximum"))

    def test_the_cron_drops_a_forgotten_timer_its_owner_may_no_longer_record_and_says_so(self):
        with freeze_time(T0) as clock:
            self.timer_as().xero_start(self.task_acme.id)
            self.project.xero_member_ids.filtered(lambda m: m.user_id == self.user).unlink()
            clock.tick(timedelta(hours=12))
            with mute_logger("odoo.addons.xero_timesync.models.xero_timer"):
                self.env["xero.timer"]._cron_xero_cap_timers()
        self.assertFalse(self.timer_of())
        self.assertFalse(self.lines_of(self.task_acme))
        self.assertEqual(len(self.messages_to(self.user, "could not be recorded")), 1)

    def test_only_administrators_set_the_maximum(self):
        with self.assertRaises(AccessError):
            self.company.with_user(self.user).xero_timer_max_hours = 100
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError), self.env.cr.savepoint():
            self.company.xero_timer_max_hours = -1
            self.env.flush_all()
        self.assertEqual(self.company.xero_timer_max_hours, 10)
        settings = self.env["res.config.settings"].create({"xero_timer_max_hours": 8, "xero_timer_idle_minutes": 5})
        settings.set_values()
        self.assertEqual((self.company.xero_timer_max_hours, self.company.xero_timer_idle_minutes), (8, 5))

    # -- idle time --------------------------------------------------------------------------------------
    def test_stop_offers_to_discard_the_idle_time_then_records_up_to_the_last_activity(self):
        with freeze_time(T0) as clock:
            self.timer_as().xero_start(self.task_acme.id)
            for _minute in range(30):
                clock.tick(timedelta(minutes=1))
                self.timer_as().xero_heartbeat()
            clock.tick(timedelta(hours=1, minutes=12))  # gone for a meeting
            offer = self.timer_as().xero_stop(description="Valve", check_idle=True)
            self.assertTrue(offer["idle_offer"])
            self.assertEqual(offer["idle_minutes"], 72)
            self.assertIn("1:12", offer["message"])
            self.assertEqual(offer["timer"]["description"], "Valve", "the offer keeps what was typed")
            self.assertTrue(self.timer_of(), "the offer stops nothing")
            self.assertFalse(self.lines_of(self.task_acme))
            stopped = self.timer_as().xero_stop(discard_idle=True)
        self.assertTrue(stopped["idle_discarded"])
        self.assertRecordValues(self.lines_of(self.task_acme), [{"unit_amount": 0.5, "name": "Valve"}])

    def test_idle_time_in_the_middle_is_seen_when_the_user_comes_back(self):
        with freeze_time(T0) as clock:
            self.timer_as().xero_start(self.task_acme.id)
            clock.tick(timedelta(minutes=10))
            self.timer_as().xero_heartbeat()
            clock.tick(timedelta(minutes=50))  # away
            self.assertEqual(self.timer_as().xero_heartbeat()["idle_minutes"], 50)  # back: moves the mouse
            clock.tick(timedelta(minutes=5))
            offer = self.timer_as().xero_stop(check_idle=True)
            self.assertEqual(offer["idle_minutes"], 50)
            kept = self.timer_as().xero_stop(discard_idle=False)
        self.assertFalse(kept["idle_discarded"])
        self.assertEqual(kept["idle_minutes"], 50)
        self.assertEqual(self.lines_of(self.task_acme).mapped("unit_amount"), [65 / 60])

    def test_a_stop_that_does_not_ask_records_everything_and_says_how_long_was_idle(self):
        with freeze_time(T0) as clock:
            self.timer_as().xero_start(self.task_acme.id)
            clock.tick(timedelta(minutes=40))
            stopped = self.timer_as().xero_stop()
        self.assertEqual((stopped["idle_minutes"], stopped["idle_discarded"]), (40, False))
        self.assertEqual(self.lines_of(self.task_acme).mapped("unit_amount"), [40 / 60])

    def test_no_offer_under_the_idle_time_or_when_the_company_sets_none(self):
        with freeze_time(T0) as clock:
            self.timer_as().xero_start(self.task_acme.id)
            clock.tick(timedelta(minutes=14))
            self.assertTrue(self.timer_as().xero_stop(check_idle=True)["recorded"])
            self.company.xero_timer_idle_minutes = 0
            self.timer_as().xero_start(self.task_acme.id)
            clock.tick(timedelta(hours=3))
            self.assertTrue(self.timer_as().xero_stop(check_idle=True)["recorded"])

    def test_a_client_clock_moves_nothing_forward(self):
        with freeze_time(T0) as clock:
            self.timer_as().xero_start(self.task_acme.id)
            clock.tick(timedelta(minutes=20))
            self.timer_as().xero_heartbeat(last_activity="2031-01-01 00:00:00")
            self.assertEqual(self.timer_of().last_activity, T0 + timedelta(minutes=20), "clamped to now")
            self.timer_as().xero_heartbeat(last_activity="2025-06-02 06:00:00")  # before the start: ignored
            self.assertEqual(self.timer_of().last_activity, T0 + timedelta(minutes=20))
            for bad in ("yesterday", 12, ["2025-06-02"]):
                with self.subTest(bad=bad), self.assertRaises(UserError):
                    self.timer_as().xero_heartbeat(last_activity=bad)
            self.assertEqual(self.timer_of().idle_seconds, 20 * 60)
            with self.assertRaisesRegex(UserError, "starts now"):
                self.timer_of().unlink()
                self.timer_as().create({"task_id": self.task_acme.id, "last_activity": T0 + timedelta(days=1)})
            with self.assertRaisesRegex(UserError, "cannot be changed"):
                self.timer_as().xero_start(self.task_acme.id)
                self.timer_as().search([]).write({"idle_seconds": 0})

    def test_heartbeats_touch_only_the_callers_own_timer(self):
        with freeze_time(T0) as clock:
            self.timer_as().xero_start(self.task_acme.id)
            clock.tick(timedelta(minutes=30))
            self.assertEqual(self.timer_as(self.ola).xero_heartbeat(), {"timer_id": False, "idle_minutes": 0})
            with self.assertRaisesRegex(UserError, "No timer is running"):
                self.timer_as(self.ola).xero_stop(discard_idle=True)
        self.assertRecordValues(self.timer_of(), [{"last_activity": T0, "idle_seconds": 0}])

    # -- end-of-day reminder ----------------------------------------------------------------------------
    def test_a_running_timer_is_reminded_of_once_a_day_at_the_companys_hour(self):
        Notice = self.env["xero.timer.notice"]
        with freeze_time(T0) as clock:
            self.timer_as().xero_start(self.task_acme.id)
            clock.tick(timedelta(hours=7, minutes=50))  # 16:50 in Brussels
            Notice._cron_xero_timer_reminders()
            self.assertFalse(self.messages_to(self.user, "still running"))
            clock.tick(timedelta(hours=1, minutes=15))  # 18:05
            self.timer_as(self.ola).xero_start(self.task_bolt.id)  # started after the hour: not reminded today
            Notice._cron_xero_timer_reminders()
            Notice._cron_xero_timer_reminders()
            clock.tick(timedelta(hours=2))
            Notice._cron_xero_timer_reminders()
        told = self.messages_to(self.user, "still running")
        self.assertEqual(len(told), 1)
        self.assertIn("Acme Plumbing", told.body)
        self.assertFalse(self.messages_to(self.ola, "still running"))
        self.assertEqual(Notice.search([]).mapped("period"), [date(2025, 6, 2)])

    # -- weekly missing time digest ---------------------------------------------------------------------
    def test_members_short_of_their_hours_get_one_digest_a_week_listing_the_days(self):
        calendar = self.env.ref("resource.resource_calendar_std")  # 40 hours, Monday to Friday
        (self.employee | self.ola.employee_id).resource_calendar_id = calendar
        Line = self.env["account.analytic.line"]
        week = [date(2025, 6, 2) + timedelta(days=i) for i in range(5)]
        for day, hours in zip(week, (8, 6.5, 8, 8, 8), strict=True):
            Line.create(
                {"task_id": self.task_acme.id, "employee_id": self.employee.id, "date": day, "unit_amount": hours}
            )
            Line.create(
                {"task_id": self.task_bolt.id, "employee_id": self.ola.employee_id.id, "date": day, "unit_amount": 8}
            )
        with freeze_time(datetime(2025, 6, 9, 7, 0)):
            self.env["xero.timer.notice"]._cron_xero_missing_time()
            self.env["xero.timer.notice"]._cron_xero_missing_time()
        digest = self.messages_to(self.user, "less time than your working hours")
        self.assertEqual(len(digest), 1)
        self.assertIn("6:30 of 8:00", digest.body)
        self.assertEqual(digest.body.count("<li>"), 1, "Tuesday only")
        self.assertFalse(self.messages_to(self.ola, "less time"), "Ola logged her 40 hours")

    # -- queries ----------------------------------------------------------------------------------------
    def test_start_stop_and_search_queries(self):
        """Each as one request runs it: nothing in the cache, its own pending writes and bus message included.
        Exact counts (they do not depend on timing); bench/timer.py gives the same at 100,000 tasks. A stop is
        10: the timer, the task with its rules, what the line needs (one SELECT), the DELETE, the line's INSERT,
        the analytic plans (its constraint), its create rules in SQL, the task's hours (SUM, UPDATE) and the bus
        message (account_analytic_line_timer.py; test_timer_fast_line.py proves the line is Odoo's)."""
        Timer = self.timer_as()
        Timer.xero_tasks("acme")  # warm the registry caches (record rules, views) as a running server has them
        Timer.xero_start(self.task_bolt.id)
        Timer.xero_stop()

        def request(call, queries):
            self.env.cr.flush()
            self.env.invalidate_all()
            with self.assertQueryCount(queries):
                call()
                self.env.cr.flush()  # its writes and its bus message (precommit)

        request(lambda: Timer.xero_start(self.task_acme.id), 8)
        with freeze_time(datetime.now() + timedelta(minutes=5)):
            request(lambda: Timer.xero_heartbeat(), 5)
            request(lambda: Timer.xero_stop(), 10)
        request(lambda: Timer.xero_tasks("acme"), 4)
