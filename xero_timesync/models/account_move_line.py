from odoo import fields, models


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    xero_timesheet_ids = fields.One2many(
        "account.analytic.line", "xero_invoice_line_id", "Invoiced timesheets", readonly=True
    )

    def _xero_account_code(self, move, fallback_code):
        """The Xero AccountCode of this line (see README: mapping of accounts)."""
        self.ensure_one()
        own = self.account_id.xero_account_code
        if not move.xero_revenue_account_code:  # not invoiced from time: a plain sales invoice
            return own or fallback_code
        if self.sudo().xero_timesheet_ids:
            return own or move.xero_revenue_account_code
        # a line added by the accountant (disbursement, materials): the invoice's Xero expense account,
        # unless its Odoo account maps to another Xero account than the time lines' one
        if own and own != move.xero_revenue_account_code:
            return own
        return move.xero_expense_account_code or fallback_code
