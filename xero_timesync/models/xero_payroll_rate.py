from odoo import fields, models

from ..ownership import owned_writes


class XeroPayrollRate(models.Model):
    """An earnings rate of the organisation's Xero Payroll, as last read (Matching → Refresh from Xero)."""

    _name = "xero.payroll.rate"
    _description = "Xero Payroll earnings rate"
    _order = "name, id"

    connection_id = fields.Many2one("xero.connection", required=True, ondelete="cascade", readonly=True, index=True)
    company_id = fields.Many2one(related="connection_id.company_id", store=True, index=True)
    xero_rate_id = fields.Char("EarningsRateID", required=True, readonly=True)
    name = fields.Char(required=True, readonly=True)
    earnings_type = fields.Char(readonly=True)
    active = fields.Boolean(default=True, readonly=True)

    _rate_uniq = models.Constraint("unique (connection_id, xero_rate_id)", "An earnings rate is listed once.")

    def _xero_store(self, connection, rates):
        Rate = self.sudo().with_context(active_test=False)
        known = {r.xero_rate_id: r for r in Rate.search([("connection_id", "=", connection.id)])}
        with owned_writes():
            for rate in rates:
                vals = {"name": rate.name, "earnings_type": rate.earnings_type, "active": True}
                if rate.rate_id in known:
                    known.pop(rate.rate_id).write(vals)
                else:
                    Rate.create({"connection_id": connection.id, "xero_rate_id": rate.rate_id, **vals})
            Rate.browse([r.id for r in known.values()]).write({"active": False})
