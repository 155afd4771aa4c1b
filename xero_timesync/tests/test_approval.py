"""Approval and period lock (issue 25): employees submit a period, the Xero project's managers approve or send
back, approved time is locked for everyone but administrators, and a company closes a period with a lock date.
Every refusal is checked by its effect: the rows unchanged."""

from contextlib import contextmanager
from datetime import date, timedelta

from odoo.exceptions import AccessError, UserError
from odoo.tests import TransactionCase, new_test_user, tagged

from .timer_common import PASSWORD, TimerFixture

MONDAY = date(2026, 3, 2)
NEXT_MONDAY = MONDAY + timedelta(days=7)
MEMBER_GROUPS = "base.group_user,hr_timesheet.group_hr_timesheet_user"


@tagged("post_install", "-at_install")
class TestApproval(TimerFixture, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_timer_data()
        cls.company.write({"xero_timesheet_approval": True, "xero_timesheet_period": "week"})

        def member(login, groups=MEMBER_GROUPS):
            user = new_test_user(cls.env, login=login, password=PASSWORD, name=login.title(), groups=groups)
            employee = cls.env["hr.employee"].create(
                {"name": user.name, "user_id": user.id, "company_id": cls.company.id}
            )
            return user, employee

        cls.ana, cls.ana_employee = member("ana")
        cls.mia, _employee = member("mia")  # manager of the Xero project
        cls.rex, _employee = member("rex")  # a regular member: decides nothing
        cls.admin, _employee = member("boss", f"{MEMBER_GROUPS},hr_timesheet.group_timesheet_manager,base.group_system")
        cls.project.xero_member_ids.filtered(lambda m: m.user_id == cls.mia).role = "manager"
        cls.Submission = cls.env["xero.timesheet.submission"]

    def log(self, day, hours=1.0, employee=None, task=None):
        task = task or self.task_acme
        return (
            self.env["account.analytic.line"]
            .with_user((employee or self.employee).user_id)
            .create(
                {
                    "task_id": task.id,
                    "project_id": task.project_id.id,
                    "date": day,
                    "unit_amount": hours,
                    "name": "Work",
                }
            )
        )

    @contextmanager
    def refused(self, words):
        """A UserError saying ``words``; what the call wrote is rolled back (Odoo's assertRaises: a savepoint)."""
        with self.assertRaises(UserError) as caught:
            yield
        self.assertIn(words, str(caught.exception))

    def states(self, lines):
        lines.invalidate_recordset(["xero_approval_state"])
        return lines.sudo().mapped("xero_approval_state")

    def submitted_week(self, employee=None):
        lines = self.log(MONDAY, employee=employee) | self.log(MONDAY + timedelta(days=2), 2.0, employee=employee)
        lines[:1].with_user((employee or self.employee).user_id).action_xero_submit_time()
        return lines, self.Submission.search([("employee_id", "=", (employee or self.employee).id)])

    # -- submitting ---------------------------------------------------------------------------------------
    def test_submitting_a_week_moves_that_weeks_draft_time_only(self):
        week = self.log(MONDAY) | self.log(MONDAY + timedelta(days=6), 2.0)
        next_week = self.log(NEXT_MONDAY)
        theirs = self.log(MONDAY, employee=self.ana_employee)
        action = week[:1].with_user(self.user).action_xero_submit_time()
        self.assertIn("3:00", action["params"]["message"])
        self.assertEqual(self.states(week), ["submitted", "submitted"])
        self.assertEqual(self.states(next_week | theirs), ["draft", "draft"])
        submission = self.Submission.search([("employee_id", "=", self.employee.id)])
        self.assertRecordValues(
            submission,
            [
                {
                    "state": "submitted",
                    "project_id": self.project.id,
                    "date_from": MONDAY,
                    "date_to": MONDAY + timedelta(days=6),
                    "submitted_by_id": self.user.id,
                    "hours": 3.0,
                }
            ],
        )
        self.assertEqual(submission.with_user(self.user).line_ids, week)

    def test_submitting_without_a_selection_submits_every_period_up_to_this_one_per_month(self):
        self.company.xero_timesheet_period = "month"
        lines = self.log(MONDAY) | self.log(date(2026, 4, 1))
        later = self.log(date.today() + timedelta(days=62))  # planned, in a period still to come
        self.env["account.analytic.line"].with_user(self.user).action_xero_submit_time()
        self.assertEqual(self.states(lines | later), ["submitted", "submitted", "draft"])
        submissions = self.Submission.search([("employee_id", "=", self.employee.id)], order="date_from")
        self.assertEqual(
            [(s.date_from, s.date_to) for s in submissions],
            [(date(2026, 3, 1), date(2026, 3, 31)), (date(2026, 4, 1), date(2026, 4, 30))],
        )

    def test_nobody_submits_someone_elses_time(self):
        theirs = self.log(MONDAY, employee=self.ana_employee)
        for user in (self.user, self.mia):  # a colleague; the project's manager is not Ana's manager
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                theirs.with_user(user).action_xero_submit_time()
        self.assertEqual(self.states(theirs), ["draft"])
        self.assertFalse(self.Submission.search([]))
        theirs.with_user(self.admin).action_xero_submit_time()
        self.assertEqual(self.states(theirs), ["submitted"])

    def test_approval_off_is_todays_behaviour(self):
        self.company.xero_timesheet_approval = False
        line = self.log(MONDAY)
        with self.refused("does not approve time"):
            line.with_user(self.user).action_xero_submit_time()
        self.assertEqual(self.states(line), ["draft"])
        Line = self.env["account.analytic.line"]
        self.assertIn(line, Line.search(Line._xero_invoiceable_domain(self.company)))

    def test_the_approval_state_is_written_by_the_approval_only(self):
        line = self.log(MONDAY)
        with self.assertRaises(AccessError):
            line.with_user(self.user).write({"xero_approval_state": "approved"})
        with self.assertRaises(AccessError):
            line.with_user(self.admin).write({"xero_approval_state": "approved"})
        self.assertEqual(self.states(line), ["draft"])

    # -- deciding -----------------------------------------------------------------------------------------
    def test_a_manager_approves_and_the_time_is_locked_for_all_but_administrators(self):
        lines, submission = self.submitted_week()
        submission.with_user(self.mia).action_xero_approve()
        self.assertEqual(self.states(lines), ["approved", "approved"])
        self.assertRecordValues(submission, [{"state": "approved", "reviewer_id": self.mia.id}])
        self.assertIn("Approved by Mia", submission.message_ids[0].body)
        for user in (self.user, self.mia):
            with self.subTest(user=user.login):
                with self.refused("approved"):
                    lines[0].with_user(user).write({"unit_amount": 8.0})
                with self.refused("approved"):
                    lines[0].with_user(user).unlink()
        self.assertTrue(lines[0].exists())
        self.assertEqual(lines[0].unit_amount, 1.0)
        lines[0].with_user(self.admin).write({"unit_amount": 1.5})
        self.assertEqual(lines[0].unit_amount, 1.5)

    def test_the_wrong_users_decide_nothing(self):
        lines, submission = self.submitted_week()
        for user in (self.user, self.rex, self.ana):  # the employee, a regular member, a colleague
            as_user = submission.with_user(user)
            with self.subTest(user=user.login):
                with self.assertRaises(AccessError):
                    as_user.action_xero_approve()
                with self.assertRaises(AccessError):
                    as_user._xero_send_back("because")
                with self.assertRaises(AccessError):
                    as_user.action_xero_open_send_back()
                with self.assertRaises(AccessError):
                    as_user.action_xero_unlock()
        # a manager of the project cannot unlock, a context key changes nothing
        with self.assertRaises(AccessError):
            submission.with_user(self.rex).with_context(xero_sync=True).action_xero_approve()
        submission.with_user(self.mia).action_xero_approve()
        with self.assertRaises(AccessError):
            submission.with_user(self.mia).action_xero_unlock()
        self.assertEqual(self.states(lines), ["approved", "approved"])
        self.assertEqual((submission.state, submission.reviewer_id), ("approved", self.mia))

    def test_sent_back_time_returns_to_draft_with_the_reason_and_a_to_do(self):
        lines, submission = self.submitted_week()
        with self.assertRaises(UserError):
            submission.with_user(self.mia)._xero_send_back("   ")
        self.assertEqual(self.states(lines), ["submitted", "submitted"])
        with self.refused("submitted for approval"):
            lines[0].with_user(self.user).write({"unit_amount": 3.0})  # waits: Tim asks for it back
        lines[0].with_user(self.mia).write({"name": "Boiler"})  # its approver may correct it
        wizard = (
            self.env["xero.timesheet.send.back"]
            .with_user(self.mia)
            .create({"submission_ids": [(6, 0, submission.ids)], "reason": "Wednesday is a holiday"})
        )
        wizard.action_send_back()
        self.assertEqual(self.states(lines), ["draft", "draft"])
        self.assertRecordValues(submission, [{"state": "sent_back", "reason": "Wednesday is a holiday"}])
        activity = submission.activity_ids
        self.assertEqual((activity.user_id, activity.note), (self.user, "<p>Wednesday is a holiday</p>"))
        lines[1].with_user(self.user).write({"unit_amount": 0.5})  # editable again
        submission.with_user(self.user).message_post(body="Corrected")  # the employee answers
        lines[0].with_user(self.user).action_xero_submit_time()
        self.assertEqual(self.states(lines), ["submitted", "submitted"])
        self.assertRecordValues(submission, [{"state": "submitted", "reason": False, "hours": 1.5}])
        self.assertFalse(submission.activity_ids, "the to-do is done when the time is submitted again")

    def test_an_administrator_unlocks_with_a_trace(self):
        lines, submission = self.submitted_week()
        submission.with_user(self.mia).action_xero_approve()
        submission.with_user(self.admin).action_xero_unlock()
        self.assertEqual(self.states(lines), ["draft", "draft"])
        self.assertRecordValues(submission, [{"state": "unlocked", "reviewer_id": self.admin.id}])
        message = submission.message_ids[0]
        self.assertIn("Unlocked by Boss", message.body)
        self.assertEqual(message.author_id, self.admin.partner_id)
        lines[0].with_user(self.user).write({"unit_amount": 2.0})
        self.assertEqual(lines[0].unit_amount, 2.0)

    def test_approved_time_moved_by_an_administrator_leaves_its_submission(self):
        lines, submission = self.submitted_week()
        submission.with_user(self.mia).action_xero_approve()
        lines[0].with_user(self.admin).write({"date": NEXT_MONDAY})
        self.assertEqual(self.states(lines), ["draft", "approved"])

    # -- the lock date ------------------------------------------------------------------------------------
    def test_nothing_is_logged_changed_or_deleted_on_or_before_the_lock_date(self):
        locked, open_line = self.log(MONDAY), self.log(NEXT_MONDAY)
        with self.assertRaises(AccessError):
            self.company.with_user(self.mia).write({"xero_timesheet_lock_date": MONDAY})
        self.assertFalse(self.company.xero_timesheet_lock_date)
        self.company.with_user(self.admin).write({"xero_timesheet_lock_date": MONDAY})
        for user in (self.user, self.admin):
            with self.subTest(user=user.login):
                with self.refused("locked until"):
                    locked.with_user(user).write({"unit_amount": 5.0})
                with self.refused("locked until"):
                    locked.with_user(user).unlink()
                with self.refused("locked until"):
                    open_line.with_user(user).write({"date": MONDAY})
                with self.refused("locked until"):
                    self.log(MONDAY - timedelta(days=3))
        self.assertEqual((locked.exists().unit_amount, open_line.date), (1.0, NEXT_MONDAY))
        self.assertEqual(self.env["account.analytic.line"].search_count([("date", "<", MONDAY)]), 0)
        open_line.with_user(self.user).write({"unit_amount": 2.0})  # after the lock date: free
        self.assertEqual(open_line.unit_amount, 2.0)

    def test_a_timer_started_on_a_locked_day_is_refused_cleanly(self):
        start = MONDAY + timedelta(hours=9)
        timer = self.env["xero.timer"].create({"task_id": self.task_acme.id, "user_id": self.user.id, "start": start})
        self.company.xero_timesheet_lock_date = MONDAY
        with self.refused("Discard the timer"):
            self.timer_as().xero_stop()
        self.assertTrue(timer.exists(), "the timer still runs: its owner discards it")
        self.assertFalse(self.lines_of(self.task_acme))

    # -- invoicing ----------------------------------------------------------------------------------------
    def test_only_approved_time_is_offered_and_invoiced(self):
        self.acme.xero_contact_id = self.task_acme.xero_contact_id
        self.company.xero_default_hourly_rate = 100.0
        approved, _submission = self.submitted_week()
        _submission.with_user(self.mia).action_xero_approve()
        draft = self.log(MONDAY + timedelta(days=1), 4.0, employee=self.ana_employee)
        Wizard = self.env["xero.invoice.wizard"]
        wizard = Wizard.browse(Wizard._action_open(self.acme)["res_id"])
        wizard.date_from = MONDAY
        self.assertEqual(wizard.timesheet_ids, approved)
        revenue = self.env["xero.invoice.wizard.account"].create(
            {"wizard_id": wizard.id, "account_class": "REVENUE", "code": "200", "name": "Sales"}
        )
        income = self.env["account.account"].search(
            [
                ("company_ids", "in", self.company.id),
                ("account_type", "=", "income"),
                ("xero_account_code", "=", False),
            ],
            limit=1,
        )
        wizard.write({"revenue_line_id": revenue.id, "income_account_id": income.id})
        wizard.timesheet_ids |= draft  # an edited list: the selection is checked again
        with self.assertRaises(UserError):
            wizard.action_create_invoice()
        wizard.timesheet_ids -= draft
        move = self.env["account.move"].browse(wizard.action_create_invoice()["res_id"])
        self.assertEqual(move.amount_untaxed, 300.0)
        self.assertEqual(approved.sudo().xero_billed_move_id, move)
        self.assertFalse(draft.sudo().xero_billed_move_line_id)
