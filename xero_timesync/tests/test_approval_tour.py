from odoo import fields
from odoo.tests import HttpCase, new_test_user, tagged

from .timer_common import PASSWORD, TimerFixture


@tagged("post_install", "-at_install")
class TestApprovalTour(TimerFixture, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_timer_data()
        cls.company.xero_timesheet_approval = True

    def test_an_employee_submits_a_week_a_manager_approves_one_and_sends_one_back(self):
        groups = "base.group_user,hr_timesheet.group_hr_timesheet_user"
        mia = new_test_user(self.env, login="mia", password=PASSWORD, name="Mia Manager", groups=groups)
        ana = new_test_user(self.env, login="ana", password=PASSWORD, name="Ana Lopez", groups=groups)
        self.project.xero_member_ids.filtered(lambda m: m.user_id == mia).role = "manager"
        self.env["hr.employee"].create({"name": "Ana Lopez", "user_id": ana.id, "company_id": self.company.id})
        today = fields.Date.context_today(self.user)
        Line = self.env["account.analytic.line"]

        def log(user, task, hours, name):
            values = {"task_id": task.id, "project_id": self.project.id, "date": today, "unit_amount": hours}
            return Line.with_user(user).create({**values, "name": name})

        tims = log(self.user, self.task_acme, 1.0, "Boiler service") | log(self.user, self.task_bolt, 2.0, "Wiring")
        anas = log(ana, self.task_bolt, 4.0, "Panel")
        anas.with_user(ana).action_xero_submit_time()

        self.start_tour("/odoo/action-hr_timesheet.act_hr_timesheet_line", "xero_approval_submit", login="tim")
        self.assertEqual(tims.mapped("xero_approval_state"), ["submitted", "submitted"])
        self.start_tour(
            "/odoo/action-xero_timesync.xero_timesheet_submission_action_to_approve",
            "xero_approval_review",
            login="mia",
        )
        self.env.invalidate_all()
        self.assertEqual(tims.mapped("xero_approval_state"), ["approved", "approved"])
        self.assertEqual(anas.xero_approval_state, "draft")
        sent_back = self.env["xero.timesheet.submission"].search([("employee_id.user_id", "=", ana.id)])
        self.assertEqual((sent_back.state, sent_back.reason), ("sent_back", "Tuesday is missing"))
        self.assertEqual(sent_back.activity_ids.user_id, ana)
