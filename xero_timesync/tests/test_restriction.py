"""A restriction only an admin can lift (issue 21): attacks by restricted, removed and ordinary members and
by project administrators without Settings, each judged by its effect (the followers table, the line's task,
the project's fields unchanged), through the ORM as the attacking user and over the web client's routes."""

from contextlib import suppress

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tests.common import JsonRpcException

from .common import XeroSandboxCase, XeroSandboxMixin
from .test_access import XeroAccessFixtureMixin


class RestrictionFixtureMixin(XeroAccessFixtureMixin):
    """The access matrix's project and users, plus a project administrator without Settings."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.project_admin = new_test_user(
            cls.env, login="xts_project_admin", groups="base.group_user,project.group_project_manager"
        )
        cls.settings_admin = new_test_user(
            cls.env,
            login="xts_settings_pm",
            groups="base.group_user,base.group_system,base.group_partner_manager,project.group_project_manager",
        )
        cls.restricted = cls.users["restricted"]
        cls.regular = cls.users["regular"]

    def followers(self, record):
        """The followers table itself for a record: {partner: subtypes}."""
        rows = self.env["mail.followers"].sudo().search([("res_model", "=", record._name), ("res_id", "=", record.id)])
        return {row.partner_id: row.subtype_ids for row in rows}

    def attempt(self, attack):
        """Run an attack; a refusal is fine, what it changed (nothing, if it was refused) stays."""
        with suppress(UserError, AccessError), self.env.cr.savepoint():
            attack()
        self.env.invalidate_all()

    def assertFollowersUnchanged(self, record, attack):
        before = self.followers(record)
        self.attempt(attack)
        self.assertEqual(self.followers(record), before)


@tagged("post_install", "-at_install")
class TestRestrictedCannotFollow(RestrictionFixtureMixin, XeroSandboxCase):
    """Following is seeing: nobody but the membership code makes an internal user follow the Xero project,
    and a task only gets followers who may see it anyway."""

    def test_restricted_member_cannot_follow_the_project(self):
        project = self.project.with_user(self.restricted)
        self.assertFollowersUnchanged(self.project, lambda: project.message_subscribe(self.restricted.partner_id.ids))
        self.assertNotIn(self.restricted.partner_id, self.followers(self.project))
        self.assertFalse(
            self.env["project.task"].with_user(self.restricted).search([("id", "=", self.task_other.id)]),
            "the other tasks stay hidden",
        )

    def test_a_comment_does_not_make_the_restricted_author_a_follower(self):
        """mail.thread.message_post subscribes the author of a comment: not onto the Xero project."""
        self.attempt(lambda: self.project.with_user(self.restricted).message_post(body="hello", message_type="comment"))
        self.assertNotIn(self.restricted.partner_id, self.followers(self.project))

    def test_colleague_cannot_make_a_restricted_member_follow_a_forbidden_task(self):
        task = self.task_other.with_user(self.regular)
        partner = self.restricted.partner_id
        self.assertFollowersUnchanged(self.task_other, lambda: task.message_subscribe(partner.ids))
        # the followers wizard
        wizard = (
            self.env["mail.followers.edit"]
            .with_user(self.regular)
            .create({"res_model": "project.task", "res_ids": str(self.task_other.ids), "partner_ids": partner.ids})
        )
        self.assertFollowersUnchanged(self.task_other, wizard.edit_followers)
        # message_partner_ids' inverse
        self.assertFollowersUnchanged(self.task_other, lambda: task.write({"message_partner_ids": [(4, partner.id)]}))
        # a message to them with Odoo's autofollow key (the caller controls the context)
        self.attempt(
            lambda: task.with_context(mail_post_autofollow=True).message_post(
                body="see this", partner_ids=partner.ids, message_type="comment"
            )
        )
        self.assertNotIn(partner, self.followers(self.task_other))
        # task sharing (portal.share on a task subscribes whom it shares with)
        share = (
            self.env["portal.share"]
            .with_user(self.settings_admin)
            .create({"res_model": "project.task", "res_id": self.task_other.id, "partner_ids": partner.ids})
        )
        self.assertFollowersUnchanged(self.task_other, share.action_send_mail)
        self.assertFalse(
            self.env["project.task"].with_user(self.restricted).search([("id", "=", self.task_other.id)]),
        )

    def test_assigning_opens_no_forbidden_task(self):
        """Odoo shows a task to its assignees: a colleague cannot assign a restricted member elsewhere."""
        task = self.task_other.with_user(self.regular)
        self.attempt(lambda: task.write({"user_ids": [Command.link(self.restricted.id)]}))
        self.assertNotIn(self.restricted, self.task_other.user_ids)
        self.assertFalse(
            self.env["project.task"].with_user(self.restricted).search([("id", "=", self.task_other.id)]),
        )
        self.task_allowed.with_user(self.regular).write({"user_ids": [Command.link(self.restricted.id)]})
        self.assertIn(self.restricted, self.task_allowed.user_ids)

    def test_removed_and_outside_users_cannot_be_added_either(self):
        outsider = new_test_user(self.env, login="xts_outsider", groups="base.group_user")
        self.project.xero_member_ids.filtered(lambda m: m.user_id == outsider).unlink()
        task = self.task_other.with_user(self.regular)
        for user in (self.users["removed"], outsider):
            self.assertFollowersUnchanged(
                self.task_other, lambda user=user: task.message_subscribe(user.partner_id.ids)
            )
            self.assertFollowersUnchanged(
                self.project,
                lambda user=user: self.project.with_user(self.project_admin).message_subscribe(user.partner_id.ids),
            )

    def test_settings_admin_cannot_bypass_membership_with_follower_rows(self):
        admin = self.users["admin"]
        partner = self.restricted.partner_id
        Followers = self.env["mail.followers"].with_user(admin)
        self.assertFollowersUnchanged(
            self.project,
            lambda: Followers.create(
                {"res_model": "project.project", "res_id": self.project.id, "partner_id": partner.id}
            ),
        )
        self.assertFollowersUnchanged(
            self.task_other,
            lambda: self.task_other.with_user(admin).write(
                {"message_follower_ids": [Command.create({"res_model": "project.task", "partner_id": partner.id})]}
            ),
        )
        # moving an allowed task's follower row onto a forbidden task
        row = Followers.search([("res_model", "=", "project.task"), ("res_id", "=", self.task_allowed.id),
                                ("partner_id", "=", partner.id)])  # fmt: skip
        self.assertTrue(row)
        self.assertFollowersUnchanged(self.task_other, lambda: row.write({"res_id": self.task_other.id}))

    def test_members_cannot_drop_out_of_the_project_by_unfollowing(self):
        """Unfollowing would remove a membership only an admin decides."""
        self.assertFollowersUnchanged(
            self.project, lambda: self.project.with_user(self.regular).message_unsubscribe(self.regular.partner_id.ids)
        )
        self.assertFollowersUnchanged(
            self.project,
            lambda: self.project.with_user(self.project_admin).message_unsubscribe(self.regular.partner_id.ids),
        )

    def test_what_is_still_allowed(self):
        # a restricted member follows their allowed task and its subtask, and comments there
        allowed = self.task_allowed.with_user(self.restricted)
        self.assertTrue(
            (allowed | self.subtask.with_user(self.restricted)).message_subscribe(self.restricted.partner_id.ids)
        )
        allowed.message_post(body="done", message_type="comment")
        self.assertIn(self.restricted.partner_id, self.followers(self.subtask))
        # a regular member follows any task; asks for the project's notifications
        self.task_other.with_user(self.regular).message_subscribe(self.regular.partner_id.ids)
        self.assertIn(self.regular.partner_id, self.followers(self.task_other))
        new_task = self.env.ref("project.mt_project_task_new")
        self.project.with_user(self.regular).message_subscribe(self.regular.partner_id.ids, new_task.ids)
        self.assertEqual(self.followers(self.project)[self.regular.partner_id], new_task)
        # an external contact follows a task (emails from its chatter); Settings adds one to the project
        client = self.task_other.partner_id
        self.task_other.with_user(self.regular).message_subscribe(client.ids)
        self.assertIn(client, self.followers(self.task_other))
        self.assertFollowersUnchanged(
            self.project, lambda: self.project.with_user(self.project_admin).message_subscribe(client.ids)
        )
        self.project.with_user(self.settings_admin).message_subscribe(client.ids)
        self.assertIn(client, self.followers(self.project))


@tagged("post_install", "-at_install")
class TestTimeStaysOnAllowedTasks(RestrictionFixtureMixin, XeroSandboxCase):
    def test_restricted_member_cannot_move_time_onto_a_forbidden_task(self):
        Line = self.env["account.analytic.line"].with_user(self.restricted)
        line = Line.create({"name": "Mine", "task_id": self.task_allowed.id, "unit_amount": 1.0})
        elsewhere = self.env["project.project"].create({"name": "Not mine", "privacy_visibility": "followers"})
        for vals in ({"task_id": self.task_other.id}, {"project_id": elsewhere.id, "task_id": False}):
            with self.assertRaises(AccessError), self.env.cr.savepoint():
                line.write(vals)
            self.env.invalidate_all()
            self.assertEqual((line.sudo().task_id, line.sudo().project_id), (self.task_allowed, self.project))
        # still free to move it between allowed tasks
        line.write({"task_id": self.subtask.id})
        self.assertEqual(line.sudo().task_id, self.subtask)

    def test_claiming_to_be_the_client_opens_no_forbidden_task(self):
        """hr_timesheet's rule lets users log time where they are the line's partner."""
        Line = self.env["account.analytic.line"].with_user(self.restricted)
        own = self.restricted.partner_id.id
        before = self.env["account.analytic.line"].sudo().search_count([("task_id", "=", self.task_other.id)])
        with self.assertRaises(AccessError), self.env.cr.savepoint():
            Line.create({"name": "x", "task_id": self.task_other.id, "unit_amount": 1.0, "partner_id": own})
        line = Line.create({"name": "Mine", "task_id": self.task_allowed.id, "unit_amount": 1.0})
        with self.assertRaises(AccessError), self.env.cr.savepoint():
            line.write({"task_id": self.task_other.id, "partner_id": own})
        self.env.invalidate_all()
        self.assertEqual(line.sudo().task_id, self.task_allowed)
        self.assertEqual(
            self.env["account.analytic.line"].sudo().search_count([("task_id", "=", self.task_other.id)]), before
        )


@tagged("post_install", "-at_install")
class TestProjectAdminWithoutSettings(RestrictionFixtureMixin, XeroSandboxCase):
    """Project administrators manage projects, not who sees the Xero one."""

    def test_project_admin_cannot_change_who_sees_the_xero_project(self):
        project = self.project.with_user(self.project_admin)
        before = self.project.read(["name", "privacy_visibility", "active", "allow_timesheets", "company_id"])
        members = self.project.xero_member_ids.read(["user_id", "role", "restrict_to_tasks", "task_ids"])
        regular = self.member["regular"]
        attacks = [
            lambda: project.write({"privacy_visibility": "employees"}),
            lambda: project.write({"name": "Renamed"}),
            lambda: project.write({"allow_timesheets": False}),
            project.action_archive,
            project.unlink,
            lambda: project.write({"xero_member_ids": [Command.update(regular.id, {"role": "manager"})]}),
            lambda: project.write({"xero_member_ids": [Command.delete(regular.id)]}),
            lambda: regular.with_user(self.project_admin).write({"restrict_to_tasks": True}),
            lambda: self.member["restricted"].with_user(self.project_admin).write({"restrict_to_tasks": False}),
            lambda: self.env["xero.project.member"]
            .with_user(self.project_admin)
            .create({"project_id": self.project.id, "user_id": self.users["removed"].id}),
        ]
        for attack in attacks:
            self.attempt(attack)
        self.assertEqual(
            self.project.read(["name", "privacy_visibility", "active", "allow_timesheets", "company_id"]), before
        )
        self.assertEqual(
            self.project.xero_member_ids.read(["user_id", "role", "restrict_to_tasks", "task_ids"]), members
        )
        # what stays theirs: the description
        project.write({"description": "<p>Our clients</p>"})
        self.assertIn("Our clients", str(self.project.description))

    def test_settings_admin_still_can(self):
        project = self.project.with_user(self.settings_admin)
        project.write({"name": "Xero (NZ)", "privacy_visibility": "employees"})
        self.assertEqual((self.project.name, self.project.privacy_visibility), ("Xero (NZ)", "employees"))
        regular = self.member["regular"].with_user(self.users["admin"])
        regular.write({"restrict_to_tasks": True, "task_ids": [Command.set(self.task_other.ids)]})
        self.assertTrue(self.member["regular"].restrict_to_tasks)


@tagged("post_install", "-at_install")
class TestDecisionsSurviveArchiving(RestrictionFixtureMixin, XeroSandboxCase):
    def _membership(self, user):
        member = self.env["xero.project.member"].with_context(active_test=False).search([("user_id", "=", user.id)])
        return [(m.project_id, m.role, m.restrict_to_tasks, m.task_ids) for m in member]

    def test_restored_users_come_back_exactly_as_they_were(self):
        for role in ("manager", "restricted", "regular"):
            user = self.users[role]
            before = self._membership(user)
            followers = self.followers(self.task_allowed).get(user.partner_id, None)
            user.action_archive()
            # an archived user sees nothing
            env = self.env(user=user)
            self.assertFalse(env["project.project"].search([("id", "=", self.project.id)]), role)
            self.assertFalse(env["project.task"].search([("project_id", "=", self.project.id)]), role)
            user.action_unarchive()
            self.assertEqual(self._membership(user), before, role)
            self.assertEqual(self.followers(self.task_allowed).get(user.partner_id, None), followers, role)
            self.assertEqual(user.partner_id in self.followers(self.project), role != "restricted", role)
        self.assertFalse(
            self.env["project.task"].with_user(self.restricted).search([("id", "=", self.task_other.id)]),
            "restored restricted members are still restricted",
        )

    def test_removed_users_stay_removed(self):
        removed = self.users["removed"]
        removed.action_archive()
        removed.action_unarchive()
        self.assertFalse(self._membership(removed))
        self.assertFalse(self.env["project.project"].with_user(removed).search([("id", "=", self.project.id)]))


@tagged("post_install", "-at_install")
class TestCompaniesAndGroups(RestrictionFixtureMixin, XeroSandboxCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = cls.env["res.company"].create({"name": "Xero Test B"})
        cls.project_b = (
            cls.env["project.project"]
            .sudo()
            .create(
                {
                    "name": "Xero B",
                    "company_id": cls.company_b.id,
                    "is_xero_project": True,
                    "allow_timesheets": True,
                    "privacy_visibility": "followers",
                }
            )
        )
        cls.project_b._xero_assign_all_internal_users()

    def _user_of_b(self, login, groups="base.group_user"):
        return new_test_user(
            self.env,
            login=login,
            groups=groups,
            company_id=self.company_b.id,
            company_ids=[Command.set(self.company_b.ids)],
        )

    def test_a_user_given_a_company_later_joins_its_xero_project(self):
        user = self._user_of_b("xts_later")
        self.assertFalse(self.project.xero_member_ids.filtered(lambda m: m.user_id == user))
        user.write({"company_ids": [Command.link(self.env.company.id)]})
        member = self.project.xero_member_ids.filtered(lambda m: m.user_id == user)
        self.assertEqual((member.role, member.restrict_to_tasks), ("user", False))
        self.assertIn(user.partner_id, self.followers(self.project))

    def test_unless_an_admin_removed_them_before(self):
        user = self._user_of_b("xts_back")
        user.write({"company_ids": [Command.link(self.env.company.id)]})
        self.project.xero_member_ids.filtered(lambda m: m.user_id == user).unlink()
        user.write({"company_ids": [Command.unlink(self.env.company.id)]})
        user.write({"company_ids": [Command.link(self.env.company.id)]})
        self.assertFalse(self.project.xero_member_ids.filtered(lambda m: m.user_id == user))
        self.assertNotIn(user.partner_id, self.followers(self.project))
        # the admin adds them back by hand: a member again, and no longer remembered as removed
        self.env["xero.project.member"].create({"project_id": self.project.id, "user_id": user.id})
        self.assertIn(user.partner_id, self.followers(self.project))

    def test_membership_grants_time_tracking_only(self):
        """What tracking time on the Xero project needs: own timesheets, and Project user (Odoo's task form
        reads roles, stages and tags with it), both through group_xero_member, which removal takes back."""
        user = new_test_user(self.env, login="xts_plain", groups="base.group_user")
        member_group = self.env.ref("xero_timesync.group_xero_member")
        self.assertIn(user, member_group.user_ids)
        self.assertTrue(user.has_group("hr_timesheet.group_hr_timesheet_user"))
        self.assertTrue(user.has_group("project.group_project_user"))
        self.assertFalse(user.has_group("hr_timesheet.group_hr_timesheet_approver"))
        self.assertFalse(user.has_group("project.group_project_manager"))
        task = self.task_allowed.with_user(user)
        task.write({"description": "<p>notes</p>"})
        task.env["project.task"].create(
            {"name": "Sub", "parent_id": self.task_allowed.id, "project_id": self.project.id}
        )

    def test_removal_takes_back_what_membership_granted_only(self):
        plain = new_test_user(self.env, login="xts_plain2", groups="base.group_user")
        timesheets = new_test_user(
            self.env, login="xts_had_timesheets", groups="base.group_user,hr_timesheet.group_hr_timesheet_user"
        )
        projects = new_test_user(
            self.env, login="xts_had_projects", groups="base.group_user,project.group_project_user"
        )
        both = self._user_of_b("xts_both_companies")
        both.write({"company_ids": [Command.link(self.env.company.id)]})
        for user in (plain, timesheets, projects, both):
            self.project.xero_member_ids.filtered(lambda m, user=user: m.user_id == user).unlink()
        self.assertFalse(plain.has_group("hr_timesheet.group_hr_timesheet_user"))
        self.assertTrue(timesheets.has_group("hr_timesheet.group_hr_timesheet_user"), "had it before")
        self.assertTrue(projects.has_group("project.group_project_user"), "had it before")
        self.assertTrue(both.has_group("hr_timesheet.group_hr_timesheet_user"), "still a member of Xero B")
        self.project_b.xero_member_ids.filtered(lambda m: m.user_id == both).unlink()
        self.assertFalse(both.has_group("hr_timesheet.group_hr_timesheet_user"))


@tagged("post_install", "-at_install")
class TestRestrictionOverTheWeb(RestrictionFixtureMixin, XeroSandboxMixin, HttpCase):
    """The web client's own routes, as the logged-in attacker."""

    def attempt_web(self, route, params):
        """A JSON-RPC call as the logged-in user; a refusal is fine, the effect is checked after."""
        with suppress(JsonRpcException):
            self.make_jsonrpc_request(route, params)
        self.env.invalidate_all()

    def _call(self, model, method, args, kwargs=None):
        self.attempt_web(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": args, "kwargs": kwargs or {}},
        )

    def _post(self, model, res_id, body):
        """The chatter's "Send message" mentioning the restricted member, with Odoo's autofollow flag."""
        return {
            "thread_model": model,
            "thread_id": res_id,
            "post_data": {"body": body, "message_type": "comment", "partner_ids": self.restricted.partner_id.ids},
            "context": {"mail_post_autofollow": True},
        }

    def followers(self, record):
        return set(
            self.env["mail.followers"]
            .sudo()
            .search([("res_model", "=", record._name), ("res_id", "=", record.id)])
            .partner_id.ids
        )

    def test_follow_button_and_mention_over_http(self):
        self.authenticate(self.restricted.login, self.restricted.login)
        before = self.followers(self.project)
        self.attempt_web(
            "/web/dataset/call_kw/project.project/message_subscribe",
            {
                "model": "project.project",
                "method": "message_subscribe",
                "args": [self.project.ids],
                "kwargs": {"partner_ids": self.restricted.partner_id.ids},
            },
        )
        # a comment on the project from the chatter, with Odoo's autofollow flag in the caller's context
        self.attempt_web("/mail/message/post", self._post("project.project", self.project.id, "hi"))
        self.env.invalidate_all()
        self.assertEqual(self.followers(self.project), before)
        # a colleague @mentions them on a task they may not see
        self.authenticate(self.regular.login, self.regular.login)
        before = self.followers(self.task_other)
        self.attempt_web("/mail/message/post", self._post("project.task", self.task_other.id, "@Restricted"))
        self.env.invalidate_all()
        self.assertEqual(self.followers(self.task_other), before)

    def test_moving_time_over_json_rpc(self):
        line = (
            self.env["account.analytic.line"]
            .with_user(self.restricted)
            .create({"name": "Mine", "task_id": self.task_allowed.id, "unit_amount": 1.0})
        )
        self.authenticate(self.restricted.login, self.restricted.login)
        self._call("account.analytic.line", "write", [line.ids, {"task_id": self.task_other.id}])
        self.assertEqual(line.sudo().task_id, self.task_allowed)

    def test_project_admin_over_json_rpc(self):
        self.authenticate(self.project_admin.login, self.project_admin.login)
        self._call("project.project", "write", [self.project.ids, {"privacy_visibility": "employees"}])
        self.assertEqual(self.project.privacy_visibility, "followers")
