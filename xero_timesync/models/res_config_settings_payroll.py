from odoo import api, fields, models


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

    # the health panel: Xero Payroll's queue
    xero_payroll_queued = fields.Integer("Timesheets queued for Xero Payroll", compute="_compute_xero_payroll_queue")
    xero_payroll_calls = fields.Integer("Calls queued for Xero Payroll", compute="_compute_xero_payroll_queue")
    xero_payroll_done_by = fields.Datetime("Xero Payroll done by", compute="_compute_xero_payroll_queue")
    xero_payroll_held = fields.Integer("Employees held", compute="_compute_xero_payroll_queue")
    xero_payroll_uncomputable = fields.Integer(
        "Employees whose calendar Odoo cannot compute", compute="_compute_xero_payroll_queue"
    )
    xero_payroll_refused = fields.Integer("Timesheets to look at", compute="_compute_xero_payroll_queue")

    @api.depends("company_id")
    def _compute_xero_payroll_queue(self):
        Timesheet = self.env["xero.payroll.timesheet"]
        for settings in self:
            connection = settings.sudo().xero_connection_id
            queue = Timesheet._xero_queue(connection) if self.env.is_system() else {}
            settings.xero_payroll_queued = queue.get("timesheets", 0)
            settings.xero_payroll_calls = queue.get("calls", 0)
            settings.xero_payroll_done_by = queue.get("done_by", False)
            settings.xero_payroll_held = queue.get("held", 0)
            settings.xero_payroll_uncomputable = queue.get("uncomputable", 0)
            settings.xero_payroll_refused = queue.get("refused", 0)

    def action_xero_payroll_rates(self):
        Map = self.env["xero.payroll.rate.map"]
        Map._check_xero_payroll_admin()
        return Map._xero_mapping_action()

    def action_xero_payroll_matching(self):
        Matching = self.env["xero.payroll.employee"]
        Matching.action_xero_payroll_refresh()
        return Matching._xero_matching_action()
