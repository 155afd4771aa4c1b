from odoo import _, fields, models


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

    def _xero_line_item(self, move, connection):
        """``(item, None)`` or ``(None, error)``: this line as a Xero LineItem (without tracking)."""
        self.ensure_one()
        if len(self.tax_ids) > 1:
            return None, _(
                "Line “%(line)s” has several taxes; Xero accepts one tax per line.",
                line=self.name or self.product_id.name,
            )
        tax = self.tax_ids
        if tax and not tax.xero_tax_type:
            return None, _(
                "Tax “%(tax)s” has no Xero tax type. Set it in Settings → Xero → Tax mapping, then push again.",
                tax=tax.name,
            )
        code = self._xero_account_code(move, connection.revenue_account_code)
        if not code:
            return None, _("Choose the Xero revenue account (Settings → Xero → Change accounts).")
        if tax and (problem := tax._xero_tax_problem(connection, code)):
            return None, problem  # Xero would refuse this account / tax pair: say how to fix it first
        return {
            "Description": self.name or self.product_id.display_name or "-",
            "Quantity": self.quantity,
            "UnitAmount": self.price_unit,
            "AccountCode": code,
            "TaxType": tax.xero_tax_type if tax else "NONE",
        }, None
