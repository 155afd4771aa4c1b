from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    xero_connection_id = fields.Many2one("xero.connection", compute="_compute_xero_connection_id")

    def _compute_xero_connection_id(self):
        connections = self.env["xero.connection"].sudo().search([("company_id", "in", self.ids)])
        by_company = {c.company_id.id: c for c in connections}
        for company in self:
            company.xero_connection_id = by_company.get(company.id, False)

    # -- invoicing time (see README "Invoicing time and pushing to Xero") -------------------------
    xero_time_rounding = fields.Selection(
        [("0", "No rounding"), ("6", "Up to 6 minutes"), ("15", "Up to 15 minutes")],
        "Invoice time rounding",
        default="0",
        required=True,
        help="Each timesheet's hours are rounded up to this increment when invoiced.",
    )
    xero_default_hourly_rate = fields.Float(
        "Default hourly rate",
        digits="Product Price",
        help="Used when neither the task, its project nor the employee has an hourly rate (company currency).",
    )
    xero_push_status = fields.Selection(
        [("DRAFT", "Draft"), ("AUTHORISED", "Authorised")],
        "Status of pushed invoices in Xero",
        default="DRAFT",
        required=True,
    )
    xero_invoice_status_since = fields.Datetime(
        readonly=True, help="Start of the last pull of invoice statuses from Xero (UTC)."
    )
