"""Stopping a timer writes its line in a few statements (account_analytic_line_timer.py): the same stored line and
task as Odoo's create, the fallback to Odoo's create, and the line's create rules still checked."""

from contextlib import contextmanager
from datetime import datetime, timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, new_test_user, tagged

from odoo.addons.xero_timesync.models.account_analytic_line_timer import only_known_modules

from .timer_common import XERO_SYNC, TimerFixture

T0 = datetime(2025, 6, 2, 7, 0, 0)
SKIPPED = {"id", "create_date", "write_date"}


@tagged("post_install", "-at_install")
class TestTimerFastLine(TimerFixture, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_timer_data()
        cls.Line = cls.env["account.analytic.line"]
        cls.subtask = cls.env["project.task"].create(
            {"name": "Boiler", "project_id": cls.project.id, "parent_id": cls.task_acme.id, "allocated_hours": 3}
        )
        # a second company, where Tim has a second employee, with a project of its own
        cls.company_b = cls.env["res.company"].create({"name": "Keeper NZ", "currency_id": cls.company.currency_id.id})
        cls.user.company_ids |= cls.company_b
        cls.env["hr.employee"].create(
            {"name": "Tim (NZ)", "user_id": cls.user.id, "company_id": cls.company_b.id, "hourly_cost": 80}
        )
        cls.project_b = cls.env["project.project"].create(
            {"name": "NZ", "company_id": cls.company_b.id, "allow_timesheets": True, "privacy_visibility": "employees"}
        )
        cls.task_b = cls.env["project.task"].create({"name": "Audit", "project_id": cls.project_b.id})

    @contextmanager
    def path(self, fast):
        """Stop through the fast path (asserting it was taken) or through Odoo's create."""
        Class = type(self.Line)
        original = Class._xero_timer_fast_create
        taken = []

        def spy(line_model, vals, facts):
            taken.append("tried")
            line = original(line_model, vals, facts)  # (raises when the rules refuse the line)
            if line is None:
                taken.append("declined")
            return line

        with (
            patch.object(Class, "_xero_timer_fast_create", spy),
            patch.object(Class, "_xero_timer_fast_path_known", lambda _self: fast),
        ):
            yield
        self.assertEqual(taken == ["tried"], fast, "the path asked for was taken")

    def stop(self, task, fast, description="Boiler", timer=None):
        """Start and stop 25 minutes on ``task``; the stored values of the line and of the task (and its parent),
        then everything rolled back."""
        timer = self.timer_as() if timer is None else timer
        self.env.flush_all()
        self.env.cr.execute("SAVEPOINT fast_line")
        with freeze_time(T0) as clock:
            timer.xero_start(task.id, description)
            clock.tick(timedelta(minutes=25))
            with self.path(fast):
                result = timer.xero_stop()
        self.env.flush_all()
        self.env.invalidate_all()
        line = self.Line.sudo().browse(result["line_id"])
        tasks = (task | task.parent_id).sudo()
        stored = [name for name, field in self.Line._fields.items() if field.store and name not in SKIPPED]
        task_stored = [name for name, field in tasks._fields.items() if field.store and name not in SKIPPED]
        [line_values] = line.read(stored, load=None)
        del line_values["id"]
        task_values = tasks.read(task_stored, load=None)
        for values in task_values:  # the new line's id differs; where it is must not
            values["timesheet_ids"] = ["line" if id_ == line.id else id_ for id_ in values["timesheet_ids"]]
        values = (line_values, task_values)
        self.env.cr.execute("ROLLBACK TO SAVEPOINT fast_line")
        self.env.invalidate_all()
        return values

    def assert_same_both_ways(self, task, **kwargs):
        fast, orm = self.stop(task, True, **kwargs), self.stop(task, False, **kwargs)
        self.maxDiff = None
        self.assertEqual(fast, orm)
        return fast[0]

    # -- the same line and task as Odoo's create ---------------------------------------------------------
    def test_an_employee_with_an_hourly_cost(self):
        self.employee.hourly_cost = 60
        line = self.assert_same_both_ways(self.task_acme)
        self.assertEqual(line["amount"], -25.0, "25 minutes at 60 an hour, a cost")
        self.assertEqual(line["partner_id"], self.acme.id)

    def test_an_employee_without_an_hourly_cost(self):
        line = self.assert_same_both_ways(self.task_bolt)
        self.assertEqual(line["amount"], 0.0)
        self.assertEqual(line["employee_id"], self.employee.id)

    def test_another_company_picks_the_employee_there(self):
        timer = self.timer_as().with_context(allowed_company_ids=[self.company.id, self.company_b.id])
        line = self.assert_same_both_ways(self.task_b, timer=timer)
        self.assertEqual(line["company_id"], self.company_b.id)
        self.assertEqual(line["amount"], round(-25 / 60 * 80, 2))

    def test_a_subtask_recomputes_its_parent(self):
        line = self.assert_same_both_ways(self.subtask)
        self.assertEqual(line["parent_task_id"], self.task_acme.id)

    def test_an_empty_description(self):
        line = self.assert_same_both_ways(self.task_acme, description="")
        self.assertEqual(line["name"], "/")

    # -- Odoo's create whenever another module takes part ------------------------------------------------
    def test_a_module_overriding_create_takes_odoos_create(self):
        Class = type(self.Line)
        self.assertTrue(only_known_modules(Class, self.Line._fields, set(self.Line._get_plan_fnames())))
        customised = type("CustomerLine", (Class,), {"_module": "customer_timesheets", "create": Class.create})
        self.assertFalse(only_known_modules(customised, self.Line._fields, set()))
        for method in ("write", "_hourly_cost", "_compute_partner_id", "_check_access"):
            other = type("Other", (Class,), {"_module": "sale_timesheet", method: getattr(Class, method)})
            self.assertFalse(only_known_modules(other, self.Line._fields, set()), method)
        with patch.object(Class, "create", autospec=True, side_effect=Class.create) as create:
            self.stop(self.task_acme, False)  # what an unknown override makes the registry answer
        create.assert_called_once()

    # -- the line's create rules -------------------------------------------------------------------------
    def test_a_task_the_user_reads_but_may_not_log_time_on_records_nothing_and_keeps_the_timer(self):
        """Assigned to a task of a project for invited users only, without following either: Tim reads the task,
        but hr_timesheet's rule lets nobody log time there who does not follow it."""
        self.board_project.company_id = self.company  # (a project of no company takes Odoo's create)
        task = (
            self.env["project.task"]
            .with_context(**XERO_SYNC)
            .create({"name": "Minutes", "project_id": self.board_project.id, "user_ids": [(4, self.user.id)]})
        )
        task.message_unsubscribe(partner_ids=self.user.partner_id.ids)
        for fast in (True, False):
            with self.subTest(fast=fast), freeze_time(T0) as clock:
                self.timer_as().xero_start(task.id)
                clock.tick(timedelta(minutes=25))
                with self.path(fast), self.assertRaises(AccessError):
                    self.timer_as().xero_stop()
                self.assertFalse(self.lines_of(task))
                self.assertEqual(self.env["xero.timer"].search([("user_id", "=", self.user.id)]).task_id, task)
                self.env["xero.timer"].search([("user_id", "=", self.user.id)]).unlink()

    def test_a_task_restricted_member_logs_time_through_the_fast_path(self):
        """The Xero rule of task-restricted members (a subquery now) still lets them log time on their task."""
        ola = new_test_user(self.env, login="ola", groups="base.group_user,hr_timesheet.group_hr_timesheet_user")
        self.env["hr.employee"].create({"name": "Ola", "user_id": ola.id, "company_id": self.company.id})
        member = self.env["xero.project.member"].search(
            [("user_id", "=", ola.id), ("project_id", "=", self.project.id)]
        )
        member.write({"restrict_to_tasks": True, "task_ids": [(6, 0, self.task_acme.ids)]})
        line = self.assert_same_both_ways(self.subtask, timer=self.timer_as(ola))
        self.assertEqual(line["user_id"], ola.id)
