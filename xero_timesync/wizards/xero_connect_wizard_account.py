from odoo import api, fields, models


class XeroConnectWizardAccount(models.TransientModel):
    _name = "xero.connect.wizard.account"
    _description = "Xero account offered in the connect wizard"
    _order = "code, name"

    wizard_id = fields.Many2one("xero.connect.wizard", required=True, ondelete="cascade")
    account_class = fields.Selection([("REVENUE", "Revenue"), ("EXPENSE", "Expense")], required=True)
    code = fields.Char(readonly=True)
    name = fields.Char(readonly=True)
    account_type = fields.Char(readonly=True)

    @api.depends("code", "name")
    def _compute_display_name(self):
        for account in self:
            account.display_name = f"{account.code} {account.name}" if account.code else account.name
