from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from .mail_followers import membership_followers

# What membership grants: time tracking (Timesheets "own timesheets", implied) and editing the descriptions
# and subtasks of the Xero tasks the member sees. Nothing else grants it: removal takes it back.
MEMBER_GROUP = "xero_timesync.group_xero_member"


def _follow_quietly(records, partner_ids):
    """Followers without subtypes: they see the records but get no notifications, and project
    followers are not auto-subscribed to every new task."""
    with membership_followers():
        records.env["mail.followers"].sudo()._insert_followers(
            records._name,
            records.ids,
            partner_ids,
            subtypes={partner_id: [] for partner_id in partner_ids},
            check_existing=True,
            existing_policy="skip",
        )


class XeroProjectMember(models.Model):
    """Who may track time on a Xero project, and where.

    The row is the admin's decision; Odoo's own followers carry it out: members follow the project
    (project visibility "Invited internal users" then shows them every task, imported later or not),
    task-restricted members follow only their tasks (a record rule extends that to the subtasks).
    Followers get no subtypes: visibility without notifications, and no per-task follower rows.
    Only this code makes internal users follow the Xero project (see mail.followers). The row outlives
    the user's archiving (inactive with the user: no followers, no visibility) so a restored user comes
    back exactly as before; removing the row is remembered on the project (``xero_removed_user_ids``).
    """

    _name = "xero.project.member"
    _description = "Xero project member"
    _order = "project_id, user_id"

    project_id = fields.Many2one("project.project", required=True, ondelete="cascade", index=True)
    user_id = fields.Many2one(
        "res.users", required=True, ondelete="cascade", index=True, domain=[("share", "=", False)]
    )
    partner_id = fields.Many2one(related="user_id.partner_id")
    active = fields.Boolean(related="user_id.active", store=True, help="Archived with the user, restored with them.")
    role = fields.Selection(
        [("user", "Regular user"), ("manager", "Manager")],
        required=True,
        default="user",
        help="Regular users see the tasks and log their own time; managers also see and edit everybody's time.",
    )
    restrict_to_tasks = fields.Boolean(
        "Certain tasks only", help="The user sees and logs time on the chosen tasks and their subtasks only."
    )
    task_ids = fields.Many2many(
        "project.task",
        string="Allowed tasks",
        domain="[('project_id', '=', project_id), ('parent_id', '=', False)]",
    )

    _project_user_uniq = models.Constraint("unique (project_id, user_id)", "A user is a member of a project once.")

    @api.constrains("role", "restrict_to_tasks")
    def _check_manager_not_restricted(self):
        if any(m.role == "manager" and m.restrict_to_tasks for m in self):
            raise ValidationError(
                _("Managers see the whole project; remove the task restriction or make them regular users.")
            )

    @api.constrains("project_id", "task_ids")
    def _check_tasks_in_project(self):
        for member in self:
            foreign = member.task_ids.filtered(lambda task, project=member.project_id: task.project_id != project)
            if foreign:
                raise ValidationError(
                    _(
                        "“%(task)s” is not a task of the project “%(project)s”; %(user)s can only be limited to"
                        " tasks of that project.",
                        task=foreign[0].display_name,
                        project=member.project_id.display_name,
                        user=member.user_id.name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        members = super().create(vals_list)
        members._forget_removal()
        members._grant_member_groups()
        members._apply_followers()
        return members

    def write(self, vals):
        moved = "user_id" in vals or "project_id" in vals
        former = self.user_id
        if moved:
            self._remove_followers()
        result = super().write(vals)
        if vals.keys() & {"user_id", "project_id", "restrict_to_tasks", "task_ids", "role"}:
            self._apply_followers()
        if moved:
            self._forget_removal()
            self._grant_member_groups()
            self._revoke_member_groups(former)
        return result

    def unlink(self):
        self._remove_followers()
        self._remember_removal()
        users = self.user_id
        result = super().unlink()
        self._revoke_member_groups(users)
        return result

    # -- what membership grants ----------------------------------------------------------------------
    def _grant_member_groups(self):
        """Time tracking on the Xero project (see MEMBER_GROUP). Visibility itself stays with the followers
        and record rules."""
        group = self.env.ref(MEMBER_GROUP).sudo()
        missing = self.user_id - group.user_ids
        if missing:
            group.write({"user_ids": [(4, user.id) for user in missing]})

    def _revoke_member_groups(self, users):
        """Users who are members of no Xero project any more lose what membership granted, and only that:
        rights they hold explicitly or through another group stay."""
        still = self.sudo().with_context(active_test=False).search([("user_id", "in", users.ids)]).user_id
        group = self.env.ref(MEMBER_GROUP).sudo()
        gone = (users - still) & group.user_ids
        if gone:
            group.write({"user_ids": [(3, user.id) for user in gone]})

    # -- removal, remembered -----------------------------------------------------------------------
    def _remember_removal(self):
        for project, members in self.grouped("project_id").items():
            project.sudo().xero_removed_user_ids = [(4, user.id) for user in members.user_id]

    def _forget_removal(self):
        for project, members in self.grouped("project_id").items():
            removed = members.user_id & project.sudo().xero_removed_user_ids
            if removed:
                project.sudo().xero_removed_user_ids = [(3, user.id) for user in removed]

    # -- followers ---------------------------------------------------------------------------------
    def _apply_followers(self):
        """The followers this membership means (archived users' rows mean none until they are restored)."""
        with membership_followers():
            self.filtered("active")._apply_active_followers()

    def _apply_active_followers(self):
        for project, members in self.grouped("project_id").items():
            project = project.sudo()
            whole = members.filtered(lambda m: not m.restrict_to_tasks)
            restricted = members - whole
            if whole:
                _follow_quietly(project, whole.partner_id.ids)
            if restricted:
                project.message_unsubscribe(partner_ids=restricted.partner_id.ids)
            for member in restricted:
                member._follow_only(member.task_ids)

    def _follow_only(self, tasks):
        """The restricted member follows exactly these tasks of the project."""
        Followers = self.env["mail.followers"].sudo()
        current = Followers.search(
            [
                ("partner_id", "=", self.partner_id.id),
                ("res_model", "=", "project.task"),
                # a subquery: the project's tasks (archived too) are never loaded into Python
                (
                    "res_id",
                    "in",
                    self.env["project.task"]
                    .sudo()
                    .with_context(active_test=False)
                    ._search([("project_id", "=", self.project_id.id)]),
                ),
            ]
        )
        with membership_followers():
            current.filtered(lambda f: f.res_id not in tasks.ids).unlink()
            missing = tasks - tasks.browse(current.mapped("res_id"))
            if missing:
                _follow_quietly(missing, self.partner_id.ids)

    def _remove_followers(self):
        with membership_followers():
            for member in self:
                member.project_id.sudo().message_unsubscribe(partner_ids=member.partner_id.ids)
                member._follow_only(self.env["project.task"])
