from odoo import fields, models


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    xero_timesheet_ids = fields.One2many(
        "account.analytic.line", "xero_invoice_line_id", "Invoiced timesheets", readonly=True
    )

    def _xero_account_code(self, move, fallback_code):
        """The Xero AccountCode of this line (see README: mapping of accounts)."""
        self.ensure_one()
        if self.account_id.xero_account_code:
            return self.account_id.xero_account_code
        if move.xero_revenue_account_code and not self.sudo().xero_timesheet_ids:
            return move.xero_expense_account_code or fallback_code
        return move.xero_revenue_account_code or fallback_code
