from datetime import date, datetime, timedelta
from unittest.mock import patch

from freezegun import freeze_time
from psycopg2 import IntegrityError

from odoo.exceptions import AccessError, ConcurrencyError, UserError
from odoo.tests import Form, TransactionCase, new_test_user, tagged
from odoo.tools import mute_logger

from .timer_common import XERO_SYNC, TimerFixture

T0 = datetime(2025, 6, 2, 7, 0, 0)  # 09:00 in Brussels


@tagged("post_install", "-at_install")
class TestTimer(TimerFixture, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_timer_data()

    def run_timer(self, task, seconds, description=None):
        """Start on ``task`` at T0, stop ``seconds`` later; returns what stop answered."""
        with freeze_time(T0) as clock:
            self.timer_as().xero_start(task.id, description)
            clock.tick(timedelta(seconds=seconds))
            return self.timer_as().xero_stop()

    # -- start / stop / switch ------------------------------------------------------------------
    def test_stop_records_a_new_line_for_the_employee(self):
        self.company.xero_timer_rounding = "1"
        with freeze_time(T0) as clock:
            started = self.timer_as().xero_start(self.task_acme.id, "Boiler")
            self.assertEqual(started["timer"]["task_id"], self.task_acme.id)
            self.assertEqual(started["timer"]["client"], "Acme Plumbing")
            self.assertIsNone(started["stopped"])
            clock.tick(timedelta(minutes=25, seconds=10))
            self.assertEqual(self.timer_as().xero_current()["timer"]["elapsed_seconds"], 25 * 60 + 10)
            stopped = self.timer_as().xero_stop()
        line = self.lines_of(self.task_acme)
        self.assertEqual(len(line), 1)
        self.assertEqual(stopped["line_id"], line.id)
        self.assertTrue(stopped["recorded"])
        self.assertIn("0:26", stopped["message"])
        self.assertRecordValues(
            line,
            [
                {
                    "employee_id": self.employee.id,
                    "project_id": self.project.id,
                    "unit_amount": 26 / 60,
                    "name": "Boiler",
                    "date": date(2025, 6, 2),
                    "partner_id": self.acme.id,
                }
            ],
        )
        self.assertFalse(self.env["xero.timer"].search([("user_id", "=", self.user.id)]))
        self.assertIsNone(self.timer_as().xero_current()["timer"])

    def test_starting_another_task_stops_and_records_the_running_one(self):
        with freeze_time(T0) as clock:
            self.timer_as().xero_start(self.task_acme.id)
            clock.tick(timedelta(minutes=30))
            switched = self.timer_as().xero_start(self.task_bolt.id)
            clock.tick(timedelta(minutes=15))
            self.timer_as().xero_stop()
        self.assertTrue(switched["stopped"]["recorded"])
        self.assertEqual(switched["timer"]["task_id"], self.task_bolt.id)
        self.assertIn("Bolt Electrics", switched["message"])
        self.assertEqual(self.lines_of(self.task_acme).mapped("unit_amount"), [0.5])
        self.assertEqual(self.lines_of(self.task_bolt).mapped("unit_amount"), [0.25])

    def test_starting_the_running_task_again_keeps_the_timer(self):
        with freeze_time(T0) as clock:
            first = self.timer_as().xero_start(self.task_acme.id)
            clock.tick(timedelta(minutes=5))
            again = self.timer_as().xero_start(self.task_acme.id, "still on it")
        self.assertEqual(again["timer"]["id"], first["timer"]["id"])
        self.assertEqual(again["timer"]["elapsed_seconds"], 300)
        self.assertEqual(again["timer"]["description"], "still on it")
        self.assertFalse(self.lines_of(self.task_acme))

    def test_description_typed_while_running_becomes_the_line_description(self):
        with freeze_time(T0) as clock:
            self.timer_as().xero_start(self.task_acme.id)
            self.timer_as().xero_describe("Quote for the new bathroom")
            clock.tick(timedelta(minutes=10))
            self.timer_as().xero_stop()
        self.assertEqual(self.lines_of(self.task_acme).name, "Quote for the new bathroom")

    def test_task_buttons_start_and_stop(self):
        task = self.task_acme.with_user(self.user)
        self.assertFalse(task.xero_timer_running)
        with freeze_time(T0) as clock:
            action = task.action_xero_timer_start()
            self.assertEqual(action["tag"], "xero_timesync.timer_changed")
            self.assertEqual(action["params"]["timer"]["task_id"], task.id)
            task.invalidate_recordset(["xero_timer_running"])
            self.assertTrue(task.xero_timer_running)
            self.assertFalse(self.task_bolt.with_user(self.user).xero_timer_running)
            self.assertFalse(self.task_acme.xero_timer_running, "the admin runs no timer")
            clock.tick(timedelta(minutes=12))
            action = task.action_xero_timer_stop()
        self.assertIsNone(action["params"]["timer"])
        self.assertFalse(action["params"]["warning"])
        self.assertEqual(self.lines_of(self.task_acme).unit_amount, 0.2)

    # -- rounding and minimum --------------------------------------------------------------------
    def test_rounding_modes(self):
        cases = [
            # (step, method, elapsed seconds, recorded minutes)
            ("0", "up", 125, 125 / 60),
            ("1", "up", 61, 2),
            ("1", "up", 120, 2),
            ("1", "nearest", 89, 1),
            ("1", "nearest", 90, 2),
            ("6", "up", 61, 6),
            ("6", "up", 360, 6),
            ("6", "up", 361, 12),
            ("6", "nearest", 8 * 60 + 59, 6),
            ("6", "nearest", 9 * 60, 12),
            ("15", "up", 16 * 60, 30),
            ("15", "nearest", 22 * 60, 15),
            ("15", "nearest", 23 * 60, 30),
            ("15", "nearest", 3 * 60, 15),  # never rounded down to nothing
        ]
        for step, method, seconds, minutes in cases:
            with self.subTest(step=step, method=method, seconds=seconds):
                self.company.write({"xero_timer_rounding": step, "xero_timer_rounding_method": method})
                result = self.run_timer(self.task_acme, seconds)
                line = self.env["account.analytic.line"].browse(result["line_id"])
                self.assertAlmostEqual(line.unit_amount * 60, minutes, places=6)

    def test_timer_under_the_minimum_is_discarded_with_a_notice(self):
        self.company.write({"xero_timer_minimum": 2, "xero_timer_rounding": "15"})
        result = self.run_timer(self.task_acme, 119)
        self.assertFalse(result["recorded"])
        self.assertIn("2-minute minimum", result["message"])
        self.assertFalse(self.lines_of(self.task_acme))
        self.assertIsNone(self.timer_as().xero_current()["timer"], "the short timer is gone, not left running")
        action = self.env["xero.timer"].with_user(self.user)._xero_client_action(result)
        self.assertTrue(action["params"]["warning"])
        result = self.run_timer(self.task_acme, 120)
        self.assertTrue(result["recorded"])
        self.assertEqual(self.lines_of(self.task_acme).unit_amount, 0.25)

    def test_negative_minimum_is_refused(self):
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError):
            with self.env.cr.savepoint():
                self.company.xero_timer_minimum = -1
                self.env.flush_all()

    def test_settings_edit_the_company_timer_rules(self):
        with Form(self.env["res.config.settings"]) as settings:
            settings.xero_timer_rounding = "6"
            settings.xero_timer_rounding_method = "nearest"
            settings.xero_timer_minimum = 3
        settings.save().execute()
        self.assertRecordValues(
            self.company,
            [{"xero_timer_rounding": "6", "xero_timer_rounding_method": "nearest", "xero_timer_minimum": 3}],
        )

    # -- clock changes ---------------------------------------------------------------------------
    def test_timer_across_a_daylight_saving_change_records_real_time(self):
        # Brussels springs forward at 01:00 UTC on 30 March 2025: 01:30 → 03:30 local is one hour
        with freeze_time(datetime(2025, 3, 30, 0, 30)) as clock:
            self.timer_as().xero_start(self.task_acme.id)
            clock.move_to(datetime(2025, 3, 30, 1, 30))
            self.timer_as().xero_stop()
        self.assertRecordValues(self.lines_of(self.task_acme), [{"unit_amount": 1.0, "date": date(2025, 3, 30)}])

    def test_timer_over_midnight_is_dated_on_the_day_it_started(self):
        with freeze_time(datetime(2025, 6, 2, 21, 50)) as clock:  # 23:50 in Brussels
            self.timer_as().xero_start(self.task_acme.id)
            clock.tick(timedelta(minutes=30))
            self.timer_as().xero_stop()
        self.assertRecordValues(self.lines_of(self.task_acme), [{"unit_amount": 0.5, "date": date(2025, 6, 2)}])

    def test_clock_set_back_refuses_to_stop_and_keeps_the_timer(self):
        with freeze_time(T0) as clock:
            self.timer_as().xero_start(self.task_acme.id)
            clock.move_to(T0 - timedelta(minutes=3))
            with self.assertRaisesRegex(UserError, "clock is behind"):
                self.timer_as().xero_stop()
            self.assertEqual(self.timer_as().xero_current()["timer"]["elapsed_seconds"], 0)
            discarded = self.timer_as().xero_discard()
        self.assertIn("nothing was recorded", discarded["message"])
        self.assertFalse(self.lines_of(self.task_acme))

    # -- one timer per user ----------------------------------------------------------------------
    def test_the_database_holds_one_timer_per_user(self):
        self.timer_as().xero_start(self.task_acme.id)
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError):
            with self.env.cr.savepoint():
                self.env["xero.timer"].create({"user_id": self.user.id, "task_id": self.task_bolt.id})

    def test_a_start_racing_another_session_is_retried_not_duplicated(self):
        """Session B's snapshot predates session A's start: B's insert hits the unique index and B's
        request is retried (ConcurrencyError); its retry sees A's timer and switches from it."""
        with freeze_time(T0):
            self.timer_as().xero_start(self.task_acme.id)
            Timer = type(self.env["xero.timer"])
            with patch.object(Timer, "_xero_current", autospec=True, side_effect=lambda s: s.browse()):
                # the request's transaction is rolled back before Odoo retries it: here, a savepoint's
                with self.assertRaises(ConcurrencyError), mute_logger("odoo.sql_db"), self.env.cr.savepoint():
                    self.timer_as().xero_start(self.task_bolt.id)
            timers = self.env["xero.timer"].search([("user_id", "=", self.user.id)])
            self.assertEqual(timers.task_id, self.task_acme, "the failed start left the running timer alone")
            retried = self.timer_as().xero_start(self.task_bolt.id)
        self.assertEqual(retried["timer"]["task_id"], self.task_bolt.id)
        self.assertEqual(self.env["xero.timer"].search_count([("user_id", "=", self.user.id)]), 1)

    def test_users_see_and_change_only_their_own_timer(self):
        other = new_test_user(self.env, login="ola", groups="base.group_user,hr_timesheet.group_hr_timesheet_user")
        self.env["hr.employee"].create({"name": "Ola", "user_id": other.id})
        self.timer_as().xero_start(self.task_acme.id)
        self.timer_as(other).xero_start(self.task_bolt.id)
        self.assertEqual(self.timer_as(other).search([]).task_id, self.task_bolt)
        self.assertEqual(self.timer_as().xero_current()["timer"]["task_id"], self.task_acme.id)
        mine = self.timer_as().search([])
        with self.assertRaises(AccessError):
            mine.with_user(other).description = "not yours"
        with self.assertRaisesRegex(UserError, "cannot be changed"):
            mine.start = T0 - timedelta(hours=8)
        mine.unlink()
        with self.assertRaisesRegex(UserError, "starts now"):
            self.timer_as().create({"task_id": self.task_acme.id, "start": T0 - timedelta(hours=8)})
        with self.assertRaises(AccessError):
            self.timer_as().create({"task_id": self.task_secret.id})
        self.timer_as(other).xero_discard()
        with self.assertRaises(AccessError):
            self.timer_as().create({"task_id": self.task_acme.id, "user_id": other.id})

    # -- access ----------------------------------------------------------------------------------
    def test_forbidden_task_is_refused(self):
        with self.assertRaises(AccessError):
            self.timer_as().xero_start(self.task_secret.id)
        with self.assertRaises(AccessError):
            self.task_secret.with_user(self.user).action_xero_timer_start()
        self.assertFalse(self.env["xero.timer"].search([("user_id", "=", self.user.id)]))

    def test_losing_access_while_running_keeps_the_timer_until_discarded(self):
        with freeze_time(T0) as clock:
            self.timer_as().xero_start(self.task_acme.id)
            self.project.xero_member_ids.filtered(lambda m: m.user_id == self.user).unlink()
            clock.tick(timedelta(minutes=20))
            with self.assertRaisesRegex(AccessError, "discard the timer"):
                self.timer_as().xero_stop()
            self.assertTrue(self.timer_as().xero_current()["timer"], "nothing is lost")
            self.timer_as().xero_discard()
        self.assertFalse(self.lines_of(self.task_acme))

    def test_bad_input_gets_a_clear_error(self):
        for bad in (None, "12", True, 0):
            with self.subTest(task_id=bad), self.assertRaisesRegex(UserError, "Choose a task"):
                self.timer_as().xero_start(bad)
        with self.assertRaisesRegex(UserError, "no longer exists"):
            self.timer_as().xero_start(self.task_acme.id + 100000)
        with self.assertRaisesRegex(UserError, "No timer is running"):
            self.timer_as().xero_stop()
        with self.assertRaisesRegex(UserError, "No timer is running"):
            self.timer_as().xero_discard()
        with self.assertRaisesRegex(UserError, "No timer is running"):
            self.timer_as().xero_describe("nothing to describe")

    def test_user_without_employee_is_told_before_the_timer_runs(self):
        nobody = new_test_user(self.env, login="nemo", groups="base.group_user,hr_timesheet.group_hr_timesheet_user")
        with self.assertRaisesRegex(UserError, "no employee"):
            self.timer_as(nobody).xero_start(self.task_acme.id)
        self.assertFalse(self.env["xero.timer"].search([("user_id", "=", nobody.id)]))

    def test_project_without_timesheets_is_refused(self):
        self.project.allow_timesheets = False
        with self.assertRaisesRegex(UserError, "does not track time"):
            self.timer_as().xero_start(self.task_acme.id)

    def test_project_shared_between_companies_uses_the_current_company_rules(self):
        self.project.company_id = False
        self.company.write({"xero_timer_rounding": "15", "xero_timer_minimum": 0})
        result = self.run_timer(self.task_acme, 60)
        self.assertEqual(self.env["account.analytic.line"].browse(result["line_id"]).unit_amount, 0.25)

    def test_stopped_timer_on_an_archived_task_is_still_recorded(self):
        with freeze_time(T0) as clock:
            self.timer_as().xero_start(self.task_acme.id)
            self.task_acme.with_context(**XERO_SYNC).active = False  # the client was archived in Xero
            clock.tick(timedelta(minutes=45))
            current = self.timer_as().xero_current()["timer"]
            self.assertFalse(current["task_active"])
            result = self.timer_as().xero_stop()
        self.assertTrue(result["recorded"])
        line = self.env["account.analytic.line"].browse(result["line_id"])
        self.assertRecordValues(line, [{"task_id": self.task_acme.id, "unit_amount": 0.75}])
        self.assertFalse(line.task_id.active)

    def test_the_timer_only_ever_creates_lines(self):
        Line = self.env["account.analytic.line"].with_user(self.user)
        manual = Line.create({"task_id": self.task_acme.id, "name": "Site visit", "unit_amount": 2.0})
        manual.flush_recordset()
        before = manual.read(["name", "unit_amount", "date", "write_date"])
        result = self.run_timer(self.task_acme, 30 * 60, "Follow-up call")
        manual.invalidate_recordset()
        self.assertEqual(manual.read(["name", "unit_amount", "date", "write_date"]), before)
        self.assertNotEqual(result["line_id"], manual.id)
        self.assertEqual(self.lines_of(self.task_acme).mapped("name"), ["Site visit", "Follow-up call"])

    # -- the task picker -------------------------------------------------------------------------
    def test_picker_searches_clients_by_name_email_and_xero_number(self):
        Timer = self.timer_as()
        for query, expected in (
            ("acme", ["Acme Plumbing"]),
            ("ACCOUNTS@bolt", ["Bolt Electrics"]),
            ("C-0042", ["Acme Plumbing"]),
            ("board", []),  # a task Tim may not see
            ("", ["Acme Plumbing", "Bolt Electrics"]),
        ):
            with self.subTest(query=query):
                self.assertEqual([t["name"] for t in Timer.xero_tasks(query)], expected)
        acme = Timer.xero_tasks("office@acme.test")[0]
        self.assertEqual(
            acme, {**acme, "client": "Acme Plumbing", "contact_number": "C-0042", "project": "Xero", "active": True}
        )

    def test_picker_shows_archived_clients_only_when_asked(self):
        Timer = self.timer_as()
        self.assertEqual(Timer.xero_tasks("gone"), [])
        self.assertEqual(
            [(t["name"], t["active"]) for t in Timer.xero_tasks("gone", include_archived=True)],
            [("Gone Bakery", False)],
        )
        # the picker view: its "Include archived clients" filter and its client search field
        action = self.env["ir.actions.act_window"]._for_xml_id("xero_timesync.xero_timer_task_picker_action")
        Task = self.env["project.task"].with_user(self.user)
        picker = Task.search(eval(action["domain"]))  # noqa: S307 - our own action's literal domain
        self.assertEqual(picker, self.task_acme | self.task_bolt)
        archived = Task.search(eval(action["domain"]) + [("active", "in", [True, False])])  # noqa: S307
        self.assertEqual(archived, self.task_acme | self.task_bolt | self.task_gone)
        self.assertEqual(Task.search([("xero_client", "ilike", "C-0077")]), self.task_bolt)

    def test_picker_lists_only_tasks_the_user_may_log_time_on(self):
        member = self.project.xero_member_ids.filtered(lambda m: m.user_id == self.user)
        member.write({"restrict_to_tasks": True, "task_ids": [(6, 0, self.task_bolt.ids)]})
        self.assertEqual([t["name"] for t in self.timer_as().xero_tasks()], ["Bolt Electrics"])
        with self.assertRaises(AccessError):
            self.timer_as().xero_start(self.task_acme.id)
        result = self.run_timer(self.task_bolt, 600)
        self.assertEqual(self.env["account.analytic.line"].browse(result["line_id"]).task_id, self.task_bolt)
