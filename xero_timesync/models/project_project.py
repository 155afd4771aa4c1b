from odoo import _, api, fields, models
from odoo.exceptions import AccessError

# What decides who sees the Xero project and logs time there: Settings administrators only (and the sync's
# own code, which runs as superuser). Project administrators keep the rest (description, stages, ...).
XERO_PROJECT_ADMIN_FIELDS = {
    "name",
    "active",
    "privacy_visibility",
    "company_id",
    "allow_timesheets",
    "is_xero_project",
    "xero_connection_id",
    "xero_member_ids",
    "xero_removed_user_ids",
    "collaborator_ids",
    "message_follower_ids",
    "message_partner_ids",
}


class ProjectProject(models.Model):
    _inherit = "project.project"

    xero_connection_id = fields.Many2one(
        "xero.connection",
        "Xero connection",
        readonly=True,
        copy=False,
        index="btree_not_null",
        groups="xero_timesync.group_xero_admin",
    )
    is_xero_project = fields.Boolean(readonly=True, copy=False, index=True)
    # archived users' rows (kept for when they are restored) are no members: the domain holds in record rules too
    xero_member_ids = fields.One2many(
        "xero.project.member", "project_id", "Xero access", domain=[("active", "=", True)]
    )
    xero_removed_user_ids = fields.Many2many(
        "res.users",
        "xero_project_removed_user_rel",
        "project_id",
        "user_id",
        "Removed from Xero access",
        readonly=True,
        copy=False,
        groups="base.group_system",
        help="Users an administrator removed from the project: they do not join it again by themselves (restored,"
        " or given access to the company).",
    )
    xero_hourly_rate = fields.Float(
        "Hourly rate",
        digits="Product Price",
        groups="account.group_account_invoice",
        help="Hourly rate when this project's time is invoiced (company currency); 0 = not set, see README for"
        " precedence.",
    )

    _xero_hourly_rate_positive = models.Constraint(
        "CHECK (xero_hourly_rate >= 0)", "An hourly rate cannot be negative (0 means not set)."
    )

    def _xero_billing_decided_by_user(self):
        """Those of these projects where the current user decides whether time is billed: a Manager on their Xero
        access tab, or a Timesheets administrator (all)."""
        if self.env.su or self.env.user.has_group("hr_timesheet.group_timesheet_manager"):
            return self
        managers = (
            self.env["xero.project.member"]
            .sudo()
            .search([("user_id", "=", self.env.uid), ("role", "=", "manager"), ("project_id", "in", self.ids)])
        )
        return self & managers.project_id.with_env(self.env)

    @api.model_create_multi
    def create(self, vals_list):
        if any(vals.get("is_xero_project") for vals in vals_list):
            self._check_xero_project_admin({"is_xero_project"})
        return super().create(vals_list)

    def write(self, vals):
        self._check_xero_project_admin_write(vals)
        return super().write(vals)

    def unlink(self):
        # before project's own unlink, which deletes the tasks first
        if self.sudo().filtered("is_xero_project"):
            self._check_xero_project_admin({"active"})
        return super().unlink()

    def _check_xero_project_admin_write(self, vals):
        """Refuse changing the Xero project's protected fields unless Settings administrator (or the sync)."""
        names = XERO_PROJECT_ADMIN_FIELDS & vals.keys()
        if not names or self.env.su:
            return
        projects = self.sudo().filtered(lambda project: project.is_xero_project or vals.get("is_xero_project"))
        self._check_xero_project_admin(projects._xero_changed_fields(vals, names))

    def _check_xero_project_admin(self, names):
        if not names or self.env.su or self.env.user._is_system():
            return
        labels = ", ".join(sorted(self._fields[name]._description_string(self.env) for name in names))
        raise AccessError(
            _(
                "Only Settings administrators change the Xero project's %(fields)s, archive or delete it: they decide"
                " who sees it and logs time there (its Xero access tab).",
                fields=labels,
            )
        )

    def message_subscribe(self, partner_ids=None, subtype_ids=None):
        self.env["mail.followers"]._xero_check_subscribe(self, partner_ids)
        return super().message_subscribe(partner_ids, subtype_ids)

    def _xero_assign_users(self, users):
        """Every given active internal user becomes a regular member of these Xero projects (batched),
        unless an administrator removed them from it or they are members already (archived rows too)."""
        users = users.filtered(lambda u: u.active and not u.share)
        if not users:
            return
        existing = (
            self.env["xero.project.member"]
            .sudo()
            .with_context(active_test=False)
            .search_fetch([("project_id", "in", self.ids), ("user_id", "in", users.ids)], ["project_id", "user_id"])
        )
        taken = {(m.project_id.id, m.user_id.id) for m in existing}
        taken |= {(project.id, user.id) for project in self.sudo() for user in project.xero_removed_user_ids & users}
        self.env["xero.project.member"].sudo().create(
            [
                {"project_id": project.id, "user_id": user.id}
                for project in self
                for user in users
                if project.company_id in user.company_ids and (project.id, user.id) not in taken
            ]
        )

    @api.model
    def _xero_assign_new_users(self, users):
        projects = self.sudo().search([("is_xero_project", "=", True), ("company_id", "in", users.company_ids.ids)])
        projects._xero_assign_users(users)

    def _xero_assign_all_internal_users(self):
        for project in self:
            users = (
                self.env["res.users"]
                .sudo()
                .search([("share", "=", False), ("active", "=", True), ("company_ids", "in", project.company_id.ids)])
            )
            project._xero_assign_users(users)

    def action_view_tasks(self):
        """A Xero project has no stages: open its clients (a list, cards on phones), not a stage kanban."""
        if not (len(self) == 1 and self.is_xero_project):
            return super().action_view_tasks()
        action = self.env["ir.actions.act_window"]._for_xml_id("xero_timesync.xero_client_tasks_action")
        action["display_name"] = self.name
        action["domain"] = [("project_id", "=", self.id), ("xero_contact_id", "!=", False)]
        action["context"] = {"default_project_id": self.id, "active_id": self.id, "create": False}
        return action

    def action_xero_force_sync(self):
        self.ensure_one()
        return self.env["xero.connection"].with_company(self.company_id)._xero_action_force_sync_current_company()
