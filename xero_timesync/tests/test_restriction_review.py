"""Issue 21's review of the restriction: refusals name nothing the caller cannot read, and time does not move
onto a forbidden task by moving its task. Judged by effect: the followers table, the task's place and the
lines' client unchanged, and what a refusal tells its caller."""

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from ..models.mail_followers import membership_followers
from .common import XeroSandboxCase
from .test_restriction import RestrictionFixtureMixin


@tagged("post_install", "-at_install")
class TestRefusalsNameNothingUnreadable(RestrictionFixtureMixin, XeroSandboxCase):
    """A refusal comes after Odoo's own access check: walking ids as a portal customer or a user of another
    company tells nothing about the clients (task names) or the people (partner names)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company_b = cls.env["res.company"].create({"name": "Xero Review B"})
        cls.other_company = new_test_user(
            cls.env,
            login="xts_review_b",
            groups="base.group_user",
            company_id=company_b.id,
            company_ids=[Command.set(company_b.ids)],
        )
        cls.other_admin = new_test_user(
            cls.env,
            login="xts_review_b_admin",
            groups="base.group_user,base.group_system",
            company_id=company_b.id,
            company_ids=[Command.set(company_b.ids)],
        )
        # an archived user of company A: may not follow the task, and nobody outside A reads their name
        cls.archived = new_test_user(cls.env, login="xts_review_archived", groups="base.group_user")
        cls.archived.partner_id.company_id = cls.env.company
        cls.archived.action_archive()

    def refusal(self, attack):
        """What the attack told its caller (it must be refused), the followers of task_other unchanged."""
        before = self.followers(self.task_other)
        with self.assertRaises(UserError) as caught, self.env.cr.savepoint():
            attack()
        self.env.invalidate_all()
        self.assertEqual(self.followers(self.task_other), before)
        return str(caught.exception)

    def assertNamesNothing(self, message, *records):
        for record in records:
            self.assertNotIn(record.sudo().display_name, message)

    def test_message_subscribe_checks_access_before_naming(self):
        for attacker in (self.users["portal"], self.other_company):
            for partner in (self.archived.partner_id, self.users["removed"].partner_id):
                for record in (self.task_other, self.project):
                    message = self.refusal(
                        lambda record=record, attacker=attacker, partner=partner: record.with_user(
                            attacker
                        ).message_subscribe(partner.ids)
                    )
                    self.assertNamesNothing(message, record, partner)

    def test_follower_rows_check_access_before_naming(self):
        for attacker in (self.users["portal"], self.other_company, self.other_admin):
            message = self.refusal(
                lambda attacker=attacker: self.env["mail.followers"]
                .with_user(attacker)
                .create(
                    {
                        "res_model": "project.task",
                        "res_id": self.task_other.id,
                        "partner_id": self.archived.partner_id.id,
                    }
                )
            )
            self.assertNamesNothing(message, self.task_other, self.archived.partner_id)

    def test_members_still_read_why(self):
        """Who may read the task and the partner is told who and where."""
        message = self.refusal(
            lambda: self.task_other.with_user(self.regular).message_subscribe(self.restricted.partner_id.ids)
        )
        self.assertIn(self.task_other.display_name, message)
        self.assertIn(self.restricted.partner_id.display_name, message)

    def test_invoiced_lines_check_access_before_naming(self):
        line = self.colleague_line
        invoice_line = self.invoice.invoice_line_ids[0]
        line.xero_billed_move_line_id = invoice_line  # the superuser is the integration
        self.env.invalidate_all()
        for attacker in (self.regular, self.users["portal"], self.other_company):
            with self.assertRaises(UserError) as caught, self.env.cr.savepoint():
                line.with_user(attacker).write({"name": "rewritten"})
            self.env.invalidate_all()
            self.assertEqual(line.name, "Past work")
            self.assertNotIn(self.invoice.name, str(caught.exception), attacker.login)
            self.assertIsInstance(caught.exception, AccessError, attacker.login)


@tagged("post_install", "-at_install")
class TestTimeStaysWithItsTask(RestrictionFixtureMixin, XeroSandboxCase):
    """Moving the task, not the line: a restricted member's subtask taken under a forbidden task."""

    def setUp(self):
        super().setUp()
        Task = self.env["project.task"].with_user(self.restricted)
        self.mine = Task.create({"name": "My notes", "parent_id": self.task_allowed.id, "project_id": self.project.id})
        self.line = (
            self.env["account.analytic.line"]
            .with_user(self.restricted)
            .create({"name": "Mine", "task_id": self.mine.id, "unit_amount": 2.0})
        )

    def place(self, task):
        task = task.sudo()
        return task.parent_id, task.project_id, task.partner_id, task.timesheet_ids.partner_id

    def attempt_write(self, task, vals):
        before = self.place(task)
        self.attempt(lambda: task.write(vals))
        self.assertEqual(self.place(task), before, vals)

    def test_restricted_member_cannot_move_their_subtask_under_a_forbidden_task(self):
        self.assertEqual(self.line.sudo().partner_id, self.task_allowed.partner_id)
        mine = self.mine.with_user(self.restricted)
        forbidden = self.task_other
        self.attempt_write(mine, {"parent_id": forbidden.id, "partner_id": forbidden.partner_id.id})
        self.attempt_write(mine, {"parent_id": forbidden.id})
        # out from under the allowed task (a task of the project they may not see)
        self.attempt_write(mine, {"parent_id": False})
        self.attempt_write(self.task_allowed.with_user(self.restricted), {"child_ids": [Command.unlink(self.mine.id)]})
        self.assertEqual(self.line.sudo().partner_id, self.task_allowed.partner_id)
        # moving it between tasks they see stays theirs
        self.subtask.sudo().partner_id = self.task_allowed.partner_id
        mine.write({"parent_id": self.subtask.id})
        self.assertEqual(self.mine.parent_id, self.subtask)

    def test_a_task_with_invoiced_time_keeps_its_place(self):
        self.line.sudo().xero_billed_move_line_id = self.invoice.invoice_line_ids[0]
        other_client = self.task_other.partner_id
        elsewhere = self.env["project.project"].create({"name": "Elsewhere"})
        for user in (self.restricted, self.users["admin"], self.users["manager"]):
            mine = self.mine.with_user(user)
            self.attempt_write(mine, {"parent_id": self.subtask.id})
            self.attempt_write(mine, {"partner_id": other_client.id})
            self.attempt_write(mine, {"project_id": elsewhere.id, "parent_id": False})
            # its parent taken elsewhere carries it along
            self.attempt_write(self.task_allowed.with_user(user), {"child_ids": [Command.unlink(self.mine.id)]})
        self.assertEqual(self.line.sudo().partner_id, self.task_allowed.partner_id)
        # what does not move the time stays free
        self.mine.with_user(self.restricted).write({"description": "<p>done</p>", "name": "My notes (done)"})
        self.assertEqual(self.mine.name, "My notes (done)")


@tagged("post_install", "-at_install")
class TestNewTasksCopyOnlyAllowedFollowers(RestrictionFixtureMixin, XeroSandboxCase):
    def test_a_forbidden_notified_follower_does_not_stop_new_tasks(self):
        """A follower row an earlier version let through (a restricted member following the project with its
        notifications) is left off new tasks: creating them keeps working."""
        new_task = self.env.ref("project.mt_project_task_new")
        with membership_followers():
            self.env["mail.followers"].sudo().create(
                {
                    "res_model": "project.project",
                    "res_id": self.project.id,
                    "partner_id": self.restricted.partner_id.id,
                    "subtype_ids": [Command.set(new_task.ids)],
                }
            )
        self.project.with_user(self.regular).message_subscribe(self.regular.partner_id.ids, new_task.ids)
        task = (
            self.env["project.task"].with_user(self.regular).create({"name": "New work", "project_id": self.project.id})
        )
        followers = self.followers(task)
        self.assertNotIn(self.restricted.partner_id, followers)
        self.assertIn(self.regular.partner_id, followers, "who asked for notifications still gets them")
