from odoo import fields, models


class AccountTax(models.Model):
    _inherit = "account.tax"

    xero_tax_type = fields.Char(
        "Xero tax type",
        help="Xero's TaxType for this tax on pushed invoices (e.g. OUTPUT2, TAX001; see Xero → Tax rates)."
        " An invoice line with an unmapped tax is refused; a line without tax is sent as NONE.",
    )


class AccountAccount(models.Model):
    _inherit = "account.account"

    xero_account_code = fields.Char(
        "Xero account code",
        help="Lines posted to this account go to this Xero account code when the invoice is pushed.",
    )
