from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    # -- Xero Payroll timesheets (issue 26) -----------------------------------------------------------
    xero_payroll_enabled = fields.Boolean(related="company_id.xero_payroll_enabled", readonly=False)
    xero_payroll_ordinary_rate_id = fields.Many2one(
        related="company_id.xero_payroll_ordinary_rate_id",
        readonly=False,
        domain="[('company_id', '=', company_id)]",
    )
    xero_payroll_overtime_rate_id = fields.Many2one(
        related="company_id.xero_payroll_overtime_rate_id",
        readonly=False,
        domain="[('company_id', '=', company_id)]",
    )
    xero_payroll_overtime_after = fields.Float(related="company_id.xero_payroll_overtime_after", readonly=False)
    xero_payroll_approve = fields.Boolean(related="company_id.xero_payroll_approve", readonly=False)

    def action_xero_payroll_matching(self):
        Matching = self.env["xero.payroll.employee"]
        Matching.action_xero_payroll_refresh()
        return Matching._xero_matching_action()
