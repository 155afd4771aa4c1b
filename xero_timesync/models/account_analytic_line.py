from odoo import fields, models
from odoo.fields import Domain


class AccountAnalyticLine(models.Model):
    _inherit = "account.analytic.line"

    def _domain_project_id(self):
        """hr_timesheet offers the projects a user follows; task-restricted Xero members follow only
        their tasks, not the project, so offer them the Xero projects they are members of as well."""
        domain = super()._domain_project_id()
        member_of = Domain(
            [
                ("allow_timesheets", "=", True),
                ("is_template", "=", False),
                ("xero_member_ids.user_id", "in", [self.env.uid]),
            ]
        )
        return domain | member_of

    # the field keeps a reference to hr_timesheet's function: point it at the override above
    project_id = fields.Many2one(domain=lambda self: self._domain_project_id())

    def _check_can_write(self, values):
        """Xero project managers edit everybody's time on their Xero projects (Odoo allows approvers only)."""
        others = self.filtered(lambda line: line.user_id != self.env.user)
        if others and not self.env.su and not self.env.user.has_group("hr_timesheet.group_hr_timesheet_approver"):
            managed = (
                self.env["xero.project.member"]
                .sudo()
                .search(
                    [
                        ("user_id", "=", self.env.user.id),
                        ("role", "=", "manager"),
                        ("project_id", "in", others.project_id.ids),
                    ]
                )
                .project_id
            )
            if all(line.project_id in managed for line in others):
                return super(AccountAnalyticLine, self - others)._check_can_write(values)
        return super()._check_can_write(values)
