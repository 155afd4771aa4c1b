from odoo import models


class AccountAnalyticLine(models.Model):
    _inherit = "account.analytic.line"

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
