"""Timer test data: a Xero project with client tasks, an employee member, and a task they may not see."""

from odoo.tests import new_test_user

from odoo.addons.xero_timesync import const

# The context of the synchronization, the only writer of imported tasks' structure.
PASSWORD = "keeps-time-42"  # noqa: S105 - a test user's
XERO_SYNC = {const.CONTEXT_FROM_XERO: True, "tracking_disable": True, "mail_create_nosubscribe": True}


class TimerFixture:
    @classmethod
    def setup_timer_data(cls):
        env = cls.env
        cls.company = env.company
        cls.company.write({"xero_timer_rounding": "0", "xero_timer_rounding_method": "up", "xero_timer_minimum": 0})
        cls.project = (
            env["project.project"]
            .with_context(mail_create_nosubscribe=True)
            .create(
                {
                    "name": "Xero",
                    "company_id": cls.company.id,
                    "is_xero_project": True,
                    "allow_timesheets": True,
                    "privacy_visibility": "followers",
                }
            )
        )
        Partner = env["res.partner"]
        cls.acme = Partner.create(
            {"name": "Acme Plumbing", "email": "office@acme.test", "xero_contact_number": "C-0042", "is_company": True}
        )
        cls.bolt = Partner.create(
            {
                "name": "Bolt Electrics",
                "email": "accounts@bolt.test",
                "xero_contact_number": "C-0077",
                "is_company": True,
            }
        )
        cls.gone = Partner.create({"name": "Gone Bakery", "email": "hello@gone.test", "is_company": True})
        cls.task_acme = cls.xero_task(cls.project, cls.acme, "0f8fad5b-d9cb-469f-a165-70867728950e")
        cls.task_bolt = cls.xero_task(cls.project, cls.bolt, "7c9e6679-7425-40de-944b-e07fc1f90ae7")
        cls.task_gone = cls.xero_task(cls.project, cls.gone, "1b4e28ba-2fa1-11d2-883f-0016d3cca427")
        cls.task_gone.with_context(**XERO_SYNC).active = False

        # created after the Xero project: the access issue makes every new user a member of it
        cls.user = new_test_user(
            env,
            login="tim",
            password=PASSWORD,
            name="Tim Keeper",
            groups="base.group_user,hr_timesheet.group_hr_timesheet_user",
            tz="Europe/Brussels",
        )
        cls.employee = env["hr.employee"].create(
            {"name": "Tim Keeper", "user_id": cls.user.id, "company_id": cls.company.id}
        )

        # a project for invited users only, which Tim does not follow
        cls.board_project = (
            env["project.project"]
            .with_context(mail_create_nosubscribe=True)
            .create({"name": "Board", "allow_timesheets": True, "privacy_visibility": "followers"})
        )
        cls.board = Partner.create({"name": "Board Secrets", "email": "chair@board.test", "is_company": True})
        cls.task_secret = cls.xero_task(cls.board_project, cls.board, "6fa459ea-ee8a-3ca4-894e-db77e160355e")

    @classmethod
    def xero_task(cls, project, client, contact_id):
        return (
            cls.env["project.task"]
            .with_context(**XERO_SYNC)
            .create(
                {
                    "name": client.name,
                    "project_id": project.id,
                    "partner_id": client.id,
                    "xero_contact_id": contact_id,
                }
            )
        )

    def timer_as(self, user=None):
        return self.env["xero.timer"].with_user(user or self.user)

    def lines_of(self, task, user=None):
        return self.env["account.analytic.line"].search(
            [("task_id", "=", task.id), ("user_id", "=", (user or self.user).id)], order="id"
        )
