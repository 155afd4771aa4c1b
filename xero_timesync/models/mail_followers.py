"""Who may follow the Xero project and its tasks (README "Who may track time where").

Following is seeing: Odoo shows an invite-only project and its tasks to their followers. So on a Xero
project only the membership code (xero.project.member) adds or removes internal users as followers, and a
task of it gets as internal followers only users who see it anyway (its project's unrestricted members,
restricted members allowed on it or an ancestor, project administrators, the superuser). The check sits on the followers
table itself, whatever path leads there (Follow, the followers wizard, mentions, sharing, direct rows), and
reads no context: the membership code marks its own writes with a ContextVar the caller cannot set.
"""

from collections import defaultdict
from contextlib import contextmanager
from contextvars import ContextVar

from odoo import _, api, models
from odoo.exceptions import UserError

XERO_FOLLOWED_MODELS = ("project.project", "project.task")

_membership_writes = ContextVar("xero_membership_followers", default=False)


@contextmanager
def membership_followers():
    """Follower changes made by the membership code itself (xero.project.member)."""
    token = _membership_writes.set(True)
    try:
        yield
    finally:
        _membership_writes.reset(token)


class MailFollowers(models.Model):
    _inherit = "mail.followers"

    # Odoo's own access check comes first: a refusal of ours names the record and the partner, which only
    # callers who may read them are told.
    @api.model_create_multi
    def create(self, vals_list):
        self.check_access("create")
        self._xero_check_followers(
            [(vals.get("res_model"), vals.get("res_id"), vals.get("partner_id")) for vals in vals_list]
        )
        return super().create(vals_list)

    def write(self, vals):
        if not vals.keys() & {"res_model", "res_id", "partner_id"}:
            return super().write(vals)  # subtypes: what a follower is notified of, not what they see
        self.check_access("write")
        self._xero_check_removal()
        result = super().write(vals)
        self._xero_check_followers([(row.res_model, row.res_id, row.partner_id.id) for row in self])
        return result

    def unlink(self):
        self.check_access("unlink")
        self._xero_check_removal()
        return super().unlink()

    def _add_followers(self, res_model, res_ids, partner_ids, subtypes, check_existing=False, existing_policy="skip"):
        """Every mail path (a comment's author, a message's recipients, assignees, a subtask's parent
        followers) adds followers through here: those who may not follow are left out quietly, as mail
        leaves out inactive partners. The public message_subscribe refuses them with a message instead."""
        new, update = super()._add_followers(
            res_model, res_ids, partner_ids, subtypes, check_existing=check_existing, existing_policy=existing_policy
        )
        if new and res_model in XERO_FOLLOWED_MODELS and not _membership_writes.get():
            forbidden = self._xero_forbidden_followers(
                {(res_model, res_id, values["partner_id"]) for res_id, rows in new.items() for values in rows}
            )
            if forbidden:
                new = {
                    res_id: kept
                    for res_id, rows in new.items()
                    if (
                        kept := [
                            values for values in rows if (res_model, res_id, values["partner_id"]) not in forbidden
                        ]
                    )
                }
        return new, update

    # -- the rule ----------------------------------------------------------------------------------
    @api.model
    def _xero_check_subscribe(self, records, partner_ids):
        """message_subscribe (Follow, the followers wizard, sharing, invitations) refuses, with a message,
        partners who may not follow; partners already following only change their notifications."""
        if not partner_ids or not records or _membership_writes.get():
            return
        # mail.thread's own check first (following oneself needs read access, and gets False without it;
        # adding others needs write access), so the refusal below only names what the caller reads
        if set(partner_ids) == {self.env.user.partner_id.id}:
            if not records.has_access("read"):
                return
        else:
            records.check_access("write")
        existing = {
            (row.res_id, row.partner_id.id)
            for row in self.sudo().search(
                [
                    ("res_model", "=", records._name),
                    ("res_id", "in", records.ids),
                    ("partner_id", "in", list(partner_ids)),
                ]
            )
        }
        self._xero_check_followers(
            [
                (records._name, res_id, partner_id)
                for res_id in records.ids
                for partner_id in partner_ids
                if (res_id, partner_id) not in existing
            ]
        )

    def _xero_check_followers(self, triples):
        if _membership_writes.get():
            return
        forbidden = self._xero_forbidden_followers(
            {(model, res_id, partner_id) for model, res_id, partner_id in triples if model in XERO_FOLLOWED_MODELS}
        )
        if forbidden:
            model, res_id, partner_id = sorted(forbidden)[0]
            raise UserError(self._xero_forbidden_message(model, res_id, partner_id))

    @api.model
    def _xero_forbidden_message(self, model, res_id, partner_id):
        """The refusal, naming the record and the partner only to callers who may read them."""
        partner = self._xero_readable_name(self.env["res.partner"].browse(partner_id), _("This contact"))
        if model == "project.project":
            return _(
                "%(partner)s cannot follow %(project)s: who sees the Xero project is decided on its Xero access tab"
                " (Settings administrators), and only internal users who are members follow it.",
                partner=partner,
                project=self._xero_readable_name(self.env[model].browse(res_id), _("the Xero project"), quoted=True),
            )
        return _(
            "%(partner)s cannot follow %(task)s: the task is not open to them on the Xero project's Xero access"
            " tab. A Settings administrator can give them access there.",
            partner=partner,
            task=self._xero_readable_name(self.env[model].browse(res_id), _("this task"), quoted=True),
        )

    @api.model
    def _xero_readable_name(self, record, fallback, quoted=False):
        if not record.exists() or not record.has_access("read"):
            return fallback
        name = record.sudo().display_name
        return f"“{name}”" if quoted else name

    @api.model
    def _xero_forbidden_followers(self, triples):
        """The (model, res_id, partner_id) followers that may not exist on Xero projects and their tasks."""
        if not triples:
            return set()
        ids = defaultdict(set)
        for model, res_id, _partner_id in triples:
            ids[model].add(res_id)
        projects = (
            self.env["project.project"]
            .sudo()
            .with_context(active_test=False)
            .search([("id", "in", list(ids["project.project"])), ("is_xero_project", "=", True)])
        )
        tasks = (
            self.env["project.task"]
            .sudo()
            .with_context(active_test=False)
            .search([("id", "in", list(ids["project.task"])), ("project_id.is_xero_project", "=", True)])
        )
        xero = {("project.project", pid) for pid in projects.ids} | {("project.task", tid) for tid in tasks.ids}
        triples = {triple for triple in triples if triple[:2] in xero}
        if not triples:
            return set()
        partners = self.env["res.partner"].sudo().browse({partner_id for _m, _r, partner_id in triples})
        internal = {
            partner.id: users
            for partner in partners.with_context(active_test=False)
            if (users := partner.user_ids.filtered(lambda user: not user.share))
        }
        settings_admin = self.env.user._is_superuser() or self.env.user._is_system()
        may_see = self._xero_task_viewers(tasks, internal) if tasks else {}
        forbidden = set()
        for model, res_id, partner_id in triples:
            users = internal.get(partner_id)
            if model == "project.project":
                # internal users: the membership code only; other contacts: the Settings administrators' call
                if users or not settings_admin:
                    forbidden.add((model, res_id, partner_id))
            elif users and not users <= may_see.get(res_id, users.browse()):
                forbidden.add((model, res_id, partner_id))
        return forbidden

    @api.model
    def _xero_task_viewers(self, tasks, internal):
        """{task id: the given internal users who see the task without following it}."""
        users = self.env["res.users"].union(*internal.values())
        members = (
            self.env["xero.project.member"]
            .sudo()
            .search([("project_id", "in", tasks.project_id.ids), ("user_id", "in", users.ids), ("active", "=", True)])
        )
        # the superuser (OdooBot, who creates what the system creates) and project administrators see every task
        managers = users.filtered(
            lambda user: user._is_superuser() or (user.active and user.has_group("project.group_project_manager"))
        )
        whole = defaultdict(lambda: managers)
        restricted = members.filtered("restrict_to_tasks")
        for member in members - restricted:
            whole[member.project_id.id] = whole[member.project_id.id] | member.user_id
        viewers = {task.id: whole[task.project_id.id] for task in tasks}
        for user in restricted.user_id:
            allowed = tasks.with_context(active_test=False).filtered_domain([("xero_allowed_user_ids", "in", user.ids)])
            for task in allowed:
                viewers[task.id] |= user
        return viewers

    def _xero_check_removal(self):
        """Members follow the Xero project because an administrator made them members: only the membership
        code (removing or restricting them) takes that row away; other followers of the Xero project are the
        Settings administrators' call. Rows of a deleted project go freely."""
        if _membership_writes.get():
            return
        rows = self.sudo().filtered(lambda row: row.res_model == "project.project")
        if rows:
            projects = (
                self.env["project.project"]
                .sudo()
                .with_context(active_test=False)
                .search([("id", "in", rows.mapped("res_id")), ("is_xero_project", "=", True)])
            )
            rows = rows.filtered(lambda row: row.res_id in projects.ids)
        if not rows:
            return
        members = (
            self.env["xero.project.member"]
            .sudo()
            .search(
                [
                    ("project_id", "in", rows.mapped("res_id")),
                    ("partner_id", "in", rows.partner_id.ids),
                    ("restrict_to_tasks", "=", False),
                ]
            )
        )
        kept = {(member.project_id.id, member.partner_id.id) for member in members}
        for row in rows:
            if (row.res_id, row.partner_id.id) in kept:
                raise UserError(
                    _(
                        "%(partner)s follows %(project)s as a member of the Xero project: a Settings administrator"
                        " removes or restricts them on its Xero access tab.",
                        partner=self._xero_readable_name(row.partner_id.with_env(self.env), _("This contact")),
                        project=self._xero_readable_name(
                            self.env["project.project"].browse(row.res_id), _("the Xero project"), quoted=True
                        ),
                    )
                )
        if not (self.env.user._is_superuser() or self.env.user._is_system()):
            raise UserError(
                _(
                    "Only Settings administrators change who follows %(project)s.",
                    project=self._xero_readable_name(
                        self.env["project.project"].browse(rows[0].res_id), _("the Xero project"), quoted=True
                    ),
                )
            )
