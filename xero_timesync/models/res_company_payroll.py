from odoo import _, fields, models
from odoo.exceptions import AccessError

PAYROLL_SCOPES = ["payroll.timesheets", "payroll.employees.read", "payroll.settings.read"]
XERO_PAYROLL_SETTINGS = {
    "xero_payroll_enabled",
    "xero_payroll_ordinary_rate_id",
    "xero_payroll_overtime_rate_id",
    "xero_payroll_overtime_after",
    "xero_payroll_approve",
}


class ResCompany(models.Model):
    """Xero Payroll timesheets (issue 26): what the company sends there and with which earnings rates."""

    _inherit = "res.company"

    xero_payroll_enabled = fields.Boolean(
        "Send approved hours to Xero Payroll",
        groups="base.group_system",
        help="Each closed pay period, the approved hours of each matched employee become one Draft timesheet in"
        " Xero Payroll. Switching it on asks Xero for the payroll scopes: enable the integration again.",
    )
    xero_payroll_ordinary_rate_id = fields.Many2one(
        "xero.payroll.rate", "Ordinary time", groups="base.group_system", ondelete="set null"
    )
    xero_payroll_overtime_rate_id = fields.Many2one(
        "xero.payroll.rate", "Overtime", groups="base.group_system", ondelete="set null"
    )
    xero_payroll_overtime_after = fields.Float(
        "Overtime after (hours a day)",
        groups="base.group_system",
        help="The hours of a day beyond this go to the overtime earnings rate; 0: no overtime.",
    )
    xero_payroll_approve = fields.Boolean(
        "Approve the timesheets in Xero Payroll",
        groups="base.group_system",
        help="Sent timesheets are approved at once; an approved timesheet takes no corrections from Odoo.",
    )

    _xero_payroll_overtime_after_positive = models.Constraint(
        "CHECK (xero_payroll_overtime_after >= 0)", "Overtime starts after a positive number of hours (0: none)."
    )

    def write(self, vals):
        if vals.keys() & XERO_PAYROLL_SETTINGS and not self.env.is_system():
            raise AccessError(_("Only administrators change what is sent to Xero Payroll (Settings → Xero)."))
        return super().write(vals)

    def _xero_scopes(self):
        """Xero Payroll's scopes too when the company sends hours there (asked only then)."""
        scopes = super()._xero_scopes()
        if self.sudo().xero_payroll_enabled:
            scopes = scopes + [scope for scope in PAYROLL_SCOPES if scope not in scopes]
        return scopes
