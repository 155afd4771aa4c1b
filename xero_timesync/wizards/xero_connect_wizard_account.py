from odoo import fields, models


class XeroConnectWizardAccount(models.TransientModel):
    _name = "xero.connect.wizard.account"
    _inherit = "xero.account.choice"
    _description = "Xero account offered in the connect wizard"

    wizard_id = fields.Many2one("xero.connect.wizard", required=True, ondelete="cascade")
    account_type = fields.Char(readonly=True)
