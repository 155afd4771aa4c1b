from odoo import api, fields, models


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
    xero_member_ids = fields.One2many("xero.project.member", "project_id", "Xero access")
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

    def _xero_assign_users(self, users):
        """Every given active internal user becomes a regular member of these Xero projects (batched)."""
        users = users.filtered(lambda u: u.active and not u.share)
        if not users:
            return
        existing = (
            self.env["xero.project.member"]
            .sudo()
            .search_fetch([("project_id", "in", self.ids), ("user_id", "in", users.ids)], ["project_id", "user_id"])
        )
        taken = {(m.project_id.id, m.user_id.id) for m in existing}
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
