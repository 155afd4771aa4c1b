from odoo import api, fields, models


class XeroAccountChoice(models.AbstractModel):
    """A Xero account offered in a wizard's account picker (read live from Xero)."""

    _name = "xero.account.choice"
    _description = "Xero account offered in a wizard"
    _order = "code, name"
    _rec_names_search = ["code", "name"]  # typing "205" finds "205 Consulting Services"

    account_class = fields.Selection([("REVENUE", "Revenue"), ("EXPENSE", "Expense")], required=True)
    code = fields.Char(readonly=True)
    name = fields.Char(readonly=True)

    @api.depends("code", "name")
    def _compute_display_name(self):
        for account in self:
            account.display_name = f"{account.code} {account.name}" if account.code else account.name
