from odoo import _, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_date

from ..ownership import integration_writes

# What a sent line may no longer change, but for an administrator (whose correction goes to Xero's Draft timesheet)
XERO_PAYROLL_LOCKED_FIELDS = {"unit_amount", "date", "employee_id", "project_id", "task_id", "company_id"}


class AccountAnalyticLine(models.Model):
    """Hours sent to Xero Payroll (issue 26): marked with their timesheet there, and locked."""

    _inherit = "account.analytic.line"

    xero_payroll_timesheet_id = fields.Many2one(
        "xero.payroll.timesheet",
        "Xero Payroll timesheet",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="set null",
        groups="base.group_system",
    )

    def write(self, vals):
        if vals.keys() & XERO_PAYROLL_LOCKED_FIELDS:
            self._check_xero_payroll_lock()
        return super().write(vals)

    def unlink(self):
        self._check_xero_payroll_lock()
        return super().unlink()

    def _check_xero_payroll_lock(self):
        if integration_writes(self.env) or self.env.is_system():
            return
        sent = self.sudo().filtered("xero_payroll_timesheet_id")
        if sent:
            raise UserError(
                _(
                    "The time of %(date)s on “%(task)s” was sent to Xero Payroll: only an administrator can change"
                    " or delete it (the correction goes to Xero's timesheet while it is Draft).",
                    date=format_date(self.env, sent[0].date),
                    task=sent[0].task_id.display_name or sent[0].project_id.display_name,
                )
            )
