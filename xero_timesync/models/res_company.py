from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    xero_connection_id = fields.Many2one("xero.connection", compute="_compute_xero_connection_id")

    def _compute_xero_connection_id(self):
        connections = self.env["xero.connection"].sudo().search([("company_id", "in", self.ids)])
        by_company = {c.company_id.id: c for c in connections}
        for company in self:
            company.xero_connection_id = by_company.get(company.id, False)
