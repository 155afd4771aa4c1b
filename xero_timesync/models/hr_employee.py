from odoo import fields, models


class HrEmployee(models.Model):
    _inherit = "hr.employee"

    xero_hourly_rate = fields.Float(
        "Hourly rate",
        digits="Product Price",
        groups="account.group_account_invoice",
        help="Hourly rate when this employee's time is invoiced (company currency); 0 = not set, see README for"
        " precedence.",
    )

    _xero_hourly_rate_positive = models.Constraint(
        "CHECK (xero_hourly_rate >= 0)", "An hourly rate cannot be negative (0 means not set)."
    )
