from odoo import fields, models


class HrEmployee(models.Model):
    _inherit = "hr.employee"

    xero_hourly_rate = fields.Float(
        "Hourly rate",
        digits="Product Price",
        groups="hr.group_hr_user",
        help="Hourly rate when this employee's time is invoiced (company currency); 0 = not set, see README for"
        " precedence.",
    )
