"""Who may do what with Xero data: one row per operation, one column per role.

Every cell runs twice, through the ORM as the user (``with_user``) and over JSON-RPC as the logged-in
user (``/web/dataset/call_kw``), each time in a savepoint rolled back afterwards, and both outcomes must
equal the expected one. The proven matrix is printed; tests/test_readme_access_matrix.py checks that README.md
shows it.
"""

from collections.abc import Callable
from dataclasses import dataclass

from odoo.exceptions import UserError, ValidationError
from odoo.tests import HttpCase, new_test_user, tagged

from .common import XeroSandboxCase, XeroSandboxMixin

ALLOW = "allowed"
DENY = "AccessError"
REFUSE = "UserError"
INVALID = "ValidationError"
_CODES = {"A": ALLOW, "D": DENY, "U": REFUSE, "V": INVALID}
_MARKS = {ALLOW: "✅ allowed", DENY: "⛔ AccessError", REFUSE: "🚫 UserError", INVALID: "🚫 ValidationError"}

ROLES = ("admin", "manager", "regular", "restricted", "removed", "accountant", "portal")
ROLE_LABELS = {
    "admin": "Admin (Settings)",
    "manager": "Xero Manager",
    "regular": "Regular member",
    "restricted": "Certain tasks only",
    "removed": "Removed member",
    "accountant": "Accountant (member)",
    "portal": "Portal user",
}


@dataclass(frozen=True)
class Op:
    """One row: the operation written twice (ORM env, JSON-RPC ``call``) and the outcome per role."""

    key: str
    label: str
    orm: Callable
    rpc: Callable
    expected: str  # one letter per role, in ROLES order: A allowed, D AccessError, U UserError, V ValidationError

    def expect(self, role):
        return _CODES[self.expected.split()[ROLES.index(role)]]


def _timesheet(fx, task):
    return {"name": "Access matrix", "project_id": fx.project, "task_id": task, "unit_amount": 1.0}


# Each helper returns the operation twice: (ORM on the user's env, JSON-RPC through ``call``).
def reads(model, record, fields):
    return (
        lambda env, fx: env[model].browse(record(fx)).read(fields),
        lambda call, fx: call(model, "read", [record(fx)], fields),
    )


def writes(model, record, vals):
    return (
        lambda env, fx: env[model].browse(record(fx)).write(vals),
        lambda call, fx: call(model, "write", [record(fx)], vals),
    )


def creates(model, vals):
    return (
        lambda env, fx: env[model].create(vals(fx)),
        lambda call, fx: call(model, "create", [vals(fx)]),
    )


def searches(model, fields):
    return (
        lambda env, fx: env[model].search_read([], fields),
        lambda call, fx: call(model, "search_read", [], fields),
    )


def calls(model, record, method):
    return (
        lambda env, fx: getattr(env[model].browse(record(fx)), method)(),
        lambda call, fx: call(model, method, [record(fx)]),
    )


def _subtask(fx):
    return {"name": "Matrix subtask", "parent_id": fx.task_allowed, "project_id": fx.project}


# fmt: off
#   key, label, (ORM, JSON-RPC), expected for: admin manager regular restricted removed accountant portal
MATRIX = (
    Op("read_project", "read the Xero project",
       *reads("project.project", lambda fx: fx.project, ["name"]), "A A A A D A D"),
    Op("read_task", "read an allowed task",
       *reads("project.task", lambda fx: fx.task_allowed, ["name"]), "A A A A D A D"),
    Op("read_other_task", "read another task of the project",
       *reads("project.task", lambda fx: fx.task_other, ["name"]), "A A A D D A D"),
    Op("read_subtask", "read a subtask added later by a colleague",
       *reads("project.task", lambda fx: fx.subtask, ["name"]), "A A A A D A D"),
    Op("log_time", "log own time on an allowed task",
       *creates("account.analytic.line", lambda fx: _timesheet(fx, fx.task_allowed)), "A A A A D A V"),
    Op("log_time_subtask", "log own time on that subtask",
       *creates("account.analytic.line", lambda fx: _timesheet(fx, fx.subtask)), "A A A A D A V"),
    Op("log_time_forbidden", "log own time on another task",
       *creates("account.analytic.line", lambda fx: _timesheet(fx, fx.task_other)), "A A A D D A V"),
    Op("read_past_time", "read own past time",
       *reads("account.analytic.line", lambda fx: fx.past_line[fx.login], ["unit_amount"]), "A A A A D A D"),
    Op("move_time", "move own time to another task",
       lambda env, fx: env["account.analytic.line"].browse(fx.past_line[fx.login]).write({"task_id": fx.task_other}),
       lambda call, fx: call("account.analytic.line", "write", [fx.past_line[fx.login]], {"task_id": fx.task_other}),
       "A A A D D A D"),
    Op("edit_other_time", "edit a colleague's time",
       *writes("account.analytic.line", lambda fx: fx.colleague_line, {"unit_amount": 3.0}), "D A D D D D D"),
    Op("edit_other_time_elsewhere", "edit a colleague's time on a non-Xero project",
       *writes("account.analytic.line", lambda fx: fx.elsewhere_line, {"unit_amount": 3.0}), "D D D D D D D"),
    Op("write_description", "write an allowed task's description",
       *writes("project.task", lambda fx: fx.task_allowed, {"description": "<p>Notes</p>"}), "A A A A D A D"),
    Op("create_subtask", "add a subtask to an allowed task",
       *creates("project.task", _subtask), "A A A A D A D"),
    Op("edit_structure", "rename an imported task",
       *writes("project.task", lambda fx: fx.task_allowed, {"name": "Renamed"}), "U U U U D U D"),
    Op("read_tokens", "read the Xero tokens",
       *searches("xero.token", ["refresh_token"]), "D D D D D D D"),
    Op("read_sync_logs", "read the sync logs",
       *searches("xero.sync.log", ["state"]), "A D D D D D D"),
    Op("open_wizard", "start the Enable integration wizard",
       *creates("xero.connect.wizard", lambda fx: {"company_id": fx.company}), "A D D D D D D"),
    Op("force_sync", "run Force synchronization (Settings)",
       *calls("xero.connection", lambda fx: fx.connection, "action_xero_force_sync"), "A D D D D D D"),
    Op("force_sync_project", "run Force synchronization (Xero project)",
       *calls("project.project", lambda fx: fx.project, "action_xero_force_sync"), "A D D D D D D"),
    Op("push_invoice", "Push to Xero (a confirmed invoice)",
       *calls("account.move", lambda fx: fx.invoice, "action_xero_push"), "D D D D D A D"),
)
# fmt: on


class RpcError(Exception):
    """An error answered over JSON-RPC: the exception's class name and its message."""

    def __init__(self, name, message):
        super().__init__(f"{name}: {message}")
        self.name = name


class Fixture:
    """Record ids the operations work on (plain ids: they cross the JSON-RPC boundary as they are)."""


def render_markdown(results):
    """The matrix as a Markdown table, rendered from MATRIX and what actually happened."""
    header = "| Operation | " + " | ".join(ROLE_LABELS[role] for role in ROLES) + " |"
    lines = [header, "|" + "---|" * (len(ROLES) + 1)]
    for op in MATRIX:
        cells = []
        for role in ROLES:
            orm, rpc = results[op.key][role]
            cell = _MARKS.get(orm, orm) if orm == rpc else f"ORM {orm} / RPC {rpc}"
            if orm != op.expect(role) or rpc != op.expect(role):
                cell += f" (expected {op.expect(role)})"
            cells.append(cell)
        lines.append(f"| {op.label} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


class XeroAccessFixtureMixin:
    """The imported Xero project, a user per role, and the records the matrix acts on."""

    sandbox_options = {"contacts": 12, "seed": 3, "orgs": 1}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.connection = cls.connect()
        cls.project = cls.connection.project_id
        tasks = cls.xero_tasks(cls.connection, active=True)
        # short, distinct names: the browser tour reads them in the task picker
        cls.task_allowed, cls.task_other = tasks[:2]
        cls.task_allowed.with_context(xero_sync=True).name = "Allowed Client Ltd"
        cls.task_other.with_context(xero_sync=True).name = "Other Client Ltd"

        # created after the integration was enabled: assigned automatically
        def user(login, groups):
            return new_test_user(cls.env, login=login, groups=groups, name=login.replace("_", " ").title())

        cls.users = {
            "admin": user("xts_admin", "base.group_user,base.group_system"),
            "manager": user("xts_manager", "base.group_user"),
            "regular": user("xts_regular", "base.group_user"),
            "restricted": user("xts_restricted", "base.group_user"),
            "removed": user("xts_removed", "base.group_user"),
            "accountant": user("xts_accountant", "base.group_user,account.group_account_invoice"),
            "portal": user("xts_portal", "base.group_portal"),
        }
        cls.colleague = user("xts_colleague", "base.group_user")
        internal = cls.colleague.union(*(u for role, u in cls.users.items() if role != "portal"))
        cls.env["hr.employee"].create([{"name": u.name, "user_id": u.id} for u in internal])

        # everybody's past time, logged while still an unrestricted member
        Line = cls.env["account.analytic.line"]
        cls.past_lines = Line.create(
            [
                {"name": "Past work", "task_id": cls.task_allowed.id, "unit_amount": 1.0, "user_id": u.id}
                for u in internal
            ]
        )
        cls.colleague_line = cls.past_lines.filtered(lambda line: line.user_id == cls.colleague)

        members = cls.project.xero_member_ids
        cls.member = {role: members.filtered(lambda m, u=u: m.user_id == u) for role, u in cls.users.items()}
        cls.member["manager"].role = "manager"
        cls.member["restricted"].write({"restrict_to_tasks": True, "task_ids": [(6, 0, cls.task_allowed.ids)]})
        cls.member["removed"].unlink()

        # a colleague adds a subtask after the restriction was set
        cls.subtask = (
            cls.env["project.task"]
            .with_user(cls.colleague)
            .create({"name": "Allowed follow-up", "parent_id": cls.task_allowed.id, "project_id": cls.project.id})
        )

        # an ordinary invite-only project the manager and the colleague both follow
        elsewhere = cls.env["project.project"].create({"name": "Internal R&D", "privacy_visibility": "followers"})
        elsewhere.message_subscribe(partner_ids=(cls.users["manager"] | cls.colleague).partner_id.ids)
        cls.elsewhere_line = Line.create(
            {"name": "R&D", "project_id": elsewhere.id, "unit_amount": 1.0, "user_id": cls.colleague.id}
        )

        # a confirmed customer invoice of a Xero client, ready for Push to Xero
        cls.invoice = cls.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": cls.task_allowed.partner_id.id,
                "invoice_line_ids": [(0, 0, {"name": "Consulting", "quantity": 1.0, "price_unit": 100.0})],
            }
        )
        cls.invoice.action_post()

        fx = cls.fx = Fixture()
        fx.project, fx.company, fx.connection = cls.project.id, cls.project.company_id.id, cls.connection.id
        fx.task_allowed, fx.task_other, fx.subtask = cls.task_allowed.id, cls.task_other.id, cls.subtask.id
        fx.client = cls.task_allowed.partner_id.id
        fx.invoice = cls.invoice.id
        fx.colleague_line, fx.elsewhere_line = cls.colleague_line.id, cls.elsewhere_line.id
        fx.past_line = {line.user_id.login: line.id for line in cls.past_lines}
        fx.past_line["xts_portal"] = cls.colleague_line.id  # portal has no time: it tries a member's
        fx.login = None  # the acting user's login, set per cell


@tagged("post_install", "-at_install")
class TestAccessMatrix(XeroAccessFixtureMixin, XeroSandboxMixin, HttpCase):
    def _in_savepoint(self, run):
        """Run, classify the outcome (kept with its message), undo whatever it did."""
        savepoint = self.env.cr.savepoint()
        try:
            run()
            self.env.flush_all()
            return ALLOW
        except UserError as error:  # AccessError and ValidationError are UserErrors
            self.messages.append(f"{type(error).__name__}: {error}")
            return type(error).__name__
        except RpcError as error:
            self.messages.append(str(error))
            return error.name
        finally:
            savepoint.close(rollback=True)
            self.env.invalidate_all()

    def _orm_outcome(self, op, user):
        env = self.env(user=user)
        self.fx.login = user.login
        return self._in_savepoint(lambda: op.orm(env, self.fx))

    def _rpc_outcome(self, op, user):
        def call(model, method, *args, **kwargs):
            response = self.url_open(
                f"/web/dataset/call_kw/{model}/{method}",
                json={
                    "jsonrpc": "2.0",
                    "method": "call",
                    "id": 1,
                    "params": {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
                },
            )
            response.raise_for_status()
            body = response.json()
            if "error" in body:
                data = body["error"]["data"]
                raise RpcError(data["name"].rsplit(".", 1)[-1], data.get("message"))
            return body["result"]

        self.fx.login = user.login
        return self._in_savepoint(lambda: op.rpc(call, self.fx))

    def test_access_matrix(self):
        self.messages = []
        results = {op.key: {} for op in MATRIX}
        for role in ROLES:
            user = self.users[role]
            orm = {op.key: self._orm_outcome(op, user) for op in MATRIX}
            self.authenticate(user.login, user.login)
            for op in MATRIX:
                results[op.key][role] = (orm[op.key], self._rpc_outcome(op, user))
        table = render_markdown(results)
        print("\nXero access matrix (ORM and JSON-RPC; every cell run both ways)\n" + table)  # pylint: disable=print-used
        wrong = [
            f"{op.key} as {role}: expected {op.expect(role)}, ORM {orm}, JSON-RPC {rpc}"
            for op in MATRIX
            for role in ROLES
            for orm, rpc in [results[op.key][role]]
            if (orm, rpc) != (op.expect(role), op.expect(role))
        ]
        self.assertFalse(wrong, "\n".join(wrong + ["", "messages seen:", *sorted(set(self.messages))]))
        # README.md shows this table: checked by tests/test_readme_access_matrix.py (a repository check)

    def test_restricted_user_task_picker_offers_only_allowed_tasks(self):
        """Browser: My Timesheets → new line → Xero project → the task picker lists the allowed task and
        its subtask, nothing else of the project."""
        self.start_tour(
            "/odoo/action-hr_timesheet.act_hr_timesheet_line",
            "xero_timesync_restricted_task_picker",
            login=self.users["restricted"].login,
        )


@tagged("post_install", "-at_install")
class TestMembership(XeroAccessFixtureMixin, XeroSandboxCase):
    """The behaviour behind the matrix: assignment, followers, restriction, bad input."""

    def test_every_active_internal_user_is_a_regular_member(self):
        internal = self.env["res.users"].search([("share", "=", False), ("active", "=", True)])
        members = self.project.xero_member_ids
        self.assertEqual(members.user_id, internal - self.users["removed"])
        self.assertNotIn(self.users["portal"], members.user_id)
        roles = {m.user_id: m.role for m in members}
        self.assertEqual(roles[self.users["regular"]], "user")
        for user in members.user_id:
            self.assertTrue(user.has_group("hr_timesheet.group_hr_timesheet_user"), user.login)
            self.assertTrue(user.has_group("xero_timesync.group_xero_member"), user.login)

    def test_archived_users_drop_out_and_come_back_when_restored(self):
        regular = self.users["regular"]
        regular.action_archive()
        self.assertNotIn(regular, self.project.xero_member_ids.user_id)
        self.assertNotIn(regular.partner_id, self.project.message_partner_ids)
        regular.action_unarchive()
        self.assertIn(regular, self.project.xero_member_ids.user_id)
        self.assertIn(regular.partner_id, self.project.message_partner_ids)

    def test_members_follow_quietly_and_are_not_copied_onto_new_tasks(self):
        followers = self.env["mail.followers"].search(
            [("res_model", "=", "project.project"), ("res_id", "=", self.project.id)]
        )
        self.assertFalse(followers.subtype_ids, "followers without subtypes: no notifications")
        new_task = self.env["project.task"].create({"name": "Created later", "project_id": self.project.id})
        self.assertFalse(
            new_task.message_partner_ids & self.project.xero_member_ids.partner_id,
            "members are not copied onto each new task (they see it through the project)",
        )
        self.assertTrue(new_task.with_user(self.users["regular"]).has_access("read"))
        # somebody who follows the project to be notified still gets the task subtypes
        loud = self.users["regular"].partner_id
        self.project.message_subscribe(loud.ids, self.env.ref("project.mt_project_task_new").ids)
        other_task = self.env["project.task"].create({"name": "Created later too", "project_id": self.project.id})
        self.assertIn(loud, other_task.message_partner_ids)
        self.assertIn(self.env.ref("project.mt_task_new"), other_task.message_follower_ids.subtype_ids)

    def test_tasks_imported_later_are_open_to_members_but_not_to_restricted_ones(self):
        tenant_id = self.tenant["tenant_id"]
        self.sandbox.control.add_contact(tenant_id, name="Imported Later Ltd", email="later@example.com")
        self.env["xero.contact.sync"]._xero_sync(self.connection, "manual")
        task = self.env["project.task"].search([("name", "=", "Imported Later Ltd")])
        self.assertTrue(task)
        self.assertTrue(task.with_user(self.users["regular"]).has_access("read"))
        self.assertFalse(task.with_user(self.users["restricted"]).has_access("read"))
        self.env["account.analytic.line"].with_user(self.users["regular"]).create(_timesheet(self.fx, task.id))

    def test_restricted_user_sees_only_allowed_tasks_and_their_subtasks(self):
        restricted = self.env["project.task"].with_user(self.users["restricted"])
        visible = restricted.search([("project_id", "=", self.project.id)])
        self.assertEqual(visible, self.task_allowed | self.subtask)
        deeper = self.env["project.task"].create(
            {"name": "Deeper", "parent_id": self.subtask.id, "project_id": self.project.id}
        )
        self.assertIn(deeper, restricted.search([("project_id", "=", self.project.id)]))

    def test_widening_a_restricted_user_back_to_the_whole_project(self):
        member = self.member["restricted"]
        member.restrict_to_tasks = False
        restricted = self.env["project.task"].with_user(self.users["restricted"])
        self.assertIn(self.task_other, restricted.search([("project_id", "=", self.project.id)]))
        member.write({"restrict_to_tasks": True, "task_ids": [(6, 0, self.task_other.ids)]})
        self.assertEqual(restricted.search([("project_id", "=", self.project.id)]), self.task_other)

    def test_demoted_manager_can_no_longer_edit_others_time(self):
        manager = self.users["manager"]
        line = self.colleague_line.with_user(manager)
        line.write({"unit_amount": 2.0})
        self.member["manager"].role = "user"
        with self.assertRaises(UserError):
            line.write({"unit_amount": 4.0})

    def test_bad_membership_input_is_refused_with_a_clear_message(self):
        with self.assertRaisesRegex(ValidationError, "Managers see the whole project"):
            self.member["manager"].restrict_to_tasks = True
        elsewhere = self.env["project.project"].create({"name": "Elsewhere"})
        foreign = self.env["project.task"].create({"name": "Foreign", "project_id": elsewhere.id})
        with self.assertRaisesRegex(ValidationError, "not a task of"):
            self.member["restricted"].task_ids = [(4, foreign.id)]

    def test_only_admins_manage_membership(self):
        member = self.member["regular"].with_user(self.users["manager"])
        with self.assertRaises(UserError):
            member.role = "manager"
        self.member["regular"].with_user(self.users["admin"]).role = "manager"
        self.assertEqual(self.member["regular"].role, "manager")

    def test_portal_users_have_no_right_on_anything_xero(self):
        """The matrix shows hr_timesheet's employee check stopping portal time first; the rights say no too."""
        env = self.env(user=self.users["portal"])
        for model in ("account.analytic.line", "xero.project.member", "xero.connection", "xero.token", "xero.sync.log"):
            self.assertFalse(env[model].has_access("create"), model)
        for model in ("xero.project.member", "xero.connection", "xero.token", "xero.sync.log"):
            self.assertFalse(env[model].has_access("read"), model)
        self.assertFalse(env["project.project"].search([("is_xero_project", "=", True)]))
        self.assertFalse(env["project.task"].search([("project_id", "=", self.project.id)]))
