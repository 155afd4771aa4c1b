from odoo import _, api, fields, models

MAPPING = "Settings → Xero → Tax mapping"


class AccountTax(models.Model):
    _inherit = "account.tax"

    xero_tax_type = fields.Char(
        "Xero tax type",
        help="Xero's TaxType for this tax on pushed invoices (e.g. OUTPUT2, TAX001; see Xero → Tax rates)."
        " An invoice line with an unmapped tax is refused; a line without tax is sent as NONE.",
    )
    xero_tax_rate_id = fields.Many2one(
        "xero.tax.rate",
        "Xero tax rate",
        compute="_compute_xero_tax_rate_id",
        inverse="_inverse_xero_tax_rate_id",
        domain="[('company_id', '=', company_id)]",
        help="One of the organisation's tax rates, as Xero lists them (read when the tax mapping opens).",
    )
    xero_tax_warning = fields.Char("Xero check", compute="_compute_xero_tax_rate_id")

    @api.depends("xero_tax_type", "company_id", "type_tax_use", "amount", "amount_type")
    def _compute_xero_tax_rate_id(self):
        Rate = self.env["xero.tax.rate"].sudo().with_context(active_test=False)
        for tax in self:
            rate = Rate.browse()
            if tax.xero_tax_type:
                rate = Rate.search(
                    [("company_id", "=", tax.company_id.id), ("tax_type", "=", tax.xero_tax_type)], limit=1
                )
            tax.xero_tax_rate_id = rate.with_env(self.env)
            tax.xero_tax_warning = tax._xero_rate_problem(rate, "REVENUE" if tax.type_tax_use == "sale" else None)

    def _inverse_xero_tax_rate_id(self):
        for tax in self:
            tax.xero_tax_type = tax.xero_tax_rate_id.tax_type or False

    def _xero_rate_problem(self, rate, account_class=None, account_code=None):
        """Why Xero would refuse this tax mapped to ``rate`` on an account of ``account_class``, with the fix;
        False when it would accept it (or when nothing is known about the rate)."""
        self.ensure_one()
        if not rate:
            return False
        if not rate.active:
            return _(
                "Xero no longer offers the tax rate “%(rate)s” (%(type)s) that tax “%(tax)s” maps to."
                " Choose another of the organisation's tax rates in %(where)s.",
                rate=rate.name,
                type=rate.tax_type,
                tax=self.name,
                where=MAPPING,
            )
        if account_class == "REVENUE" and not rate.can_apply_to_revenue:
            suggestion = rate.search(
                [
                    ("connection_id", "=", rate.connection_id.id),
                    ("can_apply_to_revenue", "=", True),
                    ("tax_type", "!=", "NONE"),
                ],
                order="rate desc",
            )
            same = suggestion.filtered(lambda r: self.amount_type == "percent" and r.rate == self.amount)
            suggestion = (same or suggestion)[:1]
            account = _("revenue account %s", account_code) if account_code else _("a revenue account")
            if suggestion:
                return _(
                    "Xero refuses the tax rate “%(rate)s” (%(type)s) on %(account)s: it is not a rate for sales."
                    " Map tax “%(tax)s” to a sales rate such as “%(suggestion)s” in %(where)s.",
                    rate=rate.name,
                    type=rate.tax_type,
                    account=account,
                    tax=self.name,
                    suggestion=suggestion.display_name,
                    where=MAPPING,
                )
            return _(
                "Xero refuses the tax rate “%(rate)s” (%(type)s) on %(account)s: it is not a rate for sales."
                " Map tax “%(tax)s” to a sales rate in %(where)s.",
                rate=rate.name,
                type=rate.tax_type,
                account=account,
                tax=self.name,
                where=MAPPING,
            )
        return False

    def _xero_tax_problem(self, connection, account_code):
        """Before pushing: would Xero refuse this tax on the line's account? The message says the fix."""
        self.ensure_one()
        rates = self.env["xero.tax.rate"]._xero_rates(connection)
        if not rates:
            return False  # Xero's rates could not be read: Xero itself will judge
        rate = rates.get(self.xero_tax_type)
        if not rate:
            return _(
                "Tax “%(tax)s” maps to the Xero tax type %(type)s, which the organisation does not have."
                " Choose one of its tax rates in %(where)s.",
                tax=self.name,
                type=self.xero_tax_type,
                where=MAPPING,
            )
        # the revenue account is known to be one; other codes (recharges on the expense account, mapped
        # accounts) are left to Xero, which may accept sales rates there
        account_class = "REVENUE" if account_code == connection.revenue_account_code else None
        return self._xero_rate_problem(rate, account_class, account_code)


class AccountAccount(models.Model):
    _inherit = "account.account"

    xero_account_code = fields.Char(
        "Xero account code",
        help="Lines posted to this account go to this Xero account code when the invoice is pushed.",
    )
