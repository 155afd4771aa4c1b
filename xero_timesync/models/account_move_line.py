from odoo import _, fields, models

INCOME_TYPES = ("income", "income_other")


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    xero_timesheet_ids = fields.One2many(
        "account.analytic.line", "xero_billed_move_line_id", "Invoiced timesheets", readonly=True
    )

    def _compute_account_id(self):
        """A line the accountant adds, without product, to an invoice made from time is a re-billed cost: booked on
        the Odoo account mapped to the invoice's Xero expense account (when an adviser mapped one)."""
        super()._compute_account_id()
        costs = self.filtered(
            lambda line: line.display_type == "product"
            and not line.product_id
            and line.move_id.move_type == "out_invoice"
            and line.move_id.sudo().xero_expense_account_code
            and not line.sudo().xero_timesheet_ids
        )
        for line in costs:
            account = line.move_id._xero_mapped_account(line.move_id.sudo().xero_expense_account_code)
            if account:
                line.account_id = account

    def _xero_account_code(self, move, fallback_code):
        """The Xero AccountCode of this line: the Xero account its Odoo account is mapped to, so both ledgers book
        it on the same account; an unmapped income account is the invoice's revenue account; None otherwise (the
        push refuses it). See README: mapping of accounts."""
        self.ensure_one()
        own = self.account_id.xero_account_code
        if own:
            return own
        if self.account_id.account_type in INCOME_TYPES:
            return move.xero_revenue_account_code or fallback_code
        return None

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
        if not code and self.account_id.account_type not in INCOME_TYPES:
            return None, _(
                "Line “%(line)s” is booked on %(account)s, which no Xero account is mapped to. Book a re-billed cost"
                " on the account mapped to the Xero expense account, or ask an adviser to map %(account)s"
                " (Invoicing → Configuration → Xero account mapping).",
                line=self.name or self.product_id.name,
                account=self.account_id.display_name,
            )
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
